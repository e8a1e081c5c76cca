import { describe, expect, it } from 'vitest';
import { FlagType, DecisionStatus, Severity } from '@backstop/contracts';
import { mismatchKinds } from '../src/finance/mismatches';
import { messages } from './i18n.js';

describe('page labels', () => {
  it('exist in both languages for every key', () => {
    expect(Object.keys(messages.zh).sort()).toEqual(Object.keys(messages.en).sort());
    for (const [key, label] of Object.entries(messages.zh)) expect(label.trim(), key).not.toBe('');
  });

  it('name every flag type, severity, decision status and mismatch kind the API can return', () => {
    for (const key of [...FlagType.options, ...Severity.options, ...DecisionStatus.options, ...mismatchKinds]) {
      expect(messages.en[key], key).toBeDefined();
      expect(messages.zh[key], key).toBeDefined();
    }
  });
});
