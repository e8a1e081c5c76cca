import { describe, expect, it } from 'vitest';
import { groupMembership } from './group-membership';

describe('groupMembership', () => {
  it('heartbeats every second, and at least three times a session', () => {
    expect(groupMembership(6_000)).toEqual({ sessionTimeout: 6_000, heartbeatInterval: 1_000 });
    expect(groupMembership(45_000)).toEqual({ sessionTimeout: 45_000, heartbeatInterval: 1_000 });
    expect(groupMembership(2_400)).toEqual({ sessionTimeout: 2_400, heartbeatInterval: 800 });
  });
});
