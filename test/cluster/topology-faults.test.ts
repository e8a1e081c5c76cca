import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AssignerProtocol } from 'kafkajs';
import { topicName, type Flag } from '@backstop/contracts';
import { slotsLost } from '@backstop/detection';
import { createKafka, PARTITIONS_LEFT_UNSENT, readToEnd } from '@backstop/kafka';
import { createLogger } from '@backstop/logging';
import { createTenant } from '@backstop/tenancy';
import { partitionOffsets } from '../../infra/tools/invariants/collect';
import type { SentEvent } from '../../infra/tools/invariants/invariants';
import { Topology } from '../../infra/cluster/topology';
import { checkStack } from '../support/invariants';
import { sendTraffic, type TrafficRun } from '../support/simulated-traffic';
import { createIsolatedStack, type IsolatedStack } from '../support/stack';
import { eventually } from '../support/wait';

const logger = createLogger('test', process.env.TEST_LOG_LEVEL ?? 'warn');

/**
 * Backstop as production runs it — a 3-broker Kafka cluster (replication 3, two in sync), a
 * Redis Cluster of 3 masters and 3 replicas, 2 ingest, 3 detector, 2 refund-worker and 1
 * console processes — with members dying while seeded traffic with planted mistakes flows.
 * After each fault the invariant checker, over everything sent so far, finds every accepted
 * event consumed, every planted mistake flagged, nothing refunded twice and no decision lost.
 */
describe('the clustered topology while members die', () => {
  let stack: IsolatedStack;
  let topology: Topology;
  const tenantId = 'clustershop';
  let secret: string;
  const allSent: SentEvent[] = [];

  beforeAll(async () => {
    stack = await createIsolatedStack({ paymentEvents: 1, flags: 1 });
    secret = (await createTenant(stack.pool, { tenantId, name: 'Cluster shop' })).webhookSecret;
    topology = await Topology.start({
      databaseUrl: stack.databaseUrl,
      topicPrefix: stack.topicPrefix,
      redisPrefix: stack.redisPrefix,
      logger,
    });
  }, 420_000);

  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => {
      for (const { instance, process: service } of topology?.services ?? []) console.log(`${instance} log:\n${service.lines.slice(-15).join('\n')}`);
    });
  });

  afterAll(async () => {
    await topology?.stop();
    await stack?.close();
  }, 180_000);

  /** 320 events over 16 s, split over both ingest processes. */
  function traffic(): TrafficRun[] {
    return topology.instancesOf('ingest').map((ingest) => sendTraffic({ ingestUrl: ingest.address!, tenantId, secret, count: 160, rate: 10 }));
  }

  async function accountedFor(runs: TrafficRun[], label: string) {
    const sent = (await Promise.all(runs.map((run) => run.done))).flat();
    allSent.push(...sent);
    expect(sent.filter((event) => event.status !== 200 && event.status !== 202), 'events the sender could not get accepted').toEqual([]);
    const report = await checkStack(stack, allSent, label, { waitMs: 180_000, brokers: topology.kafka.brokers, redisUrl: topology.redis.url, services: topology.services.map(({ process }) => process) });
    // How often a leader change left a send incomplete so far (KafkaJS reported it complete;
    // see sendToEveryPartition): a count above 0 shows the guard was needed on this run.
    const completedAgain = topology.services.reduce((sum, { process }) => sum + process.lines.filter((line) => line.includes(PARTITIONS_LEFT_UNSENT)).length, 0);
    process.stdout.write(`sends completed again after KafkaJS left partitions unsent, all services so far: ${completedAgain}\n`);
    expect(report.violationLines, report.evidence).toEqual([]);
    expect(report.caught).toBe(report.planted);
  }

  const flowing = (runs: TrafficRun[]) =>
    eventually(async () => (runs.every((run) => run.sent.length >= 30) ? true : undefined), { timeoutMs: 90_000, what: 'traffic to be flowing' });

  it('loses nothing when the leader of the events partitions is SIGKILLed and restarted', async () => {
    const admin = createKafka(topology.kafka.brokers, 'cluster-test-admin', logger).admin();
    await admin.connect();
    const eventsTopic = topicName('paymentEvents', stack.topicPrefix);
    const { topics } = await admin.fetchTopicMetadata({ topics: [eventsTopic] });
    await admin.disconnect();
    const leaders = new Map<number, number>();
    for (const partition of topics[0]!.partitions) leaders.set(partition.leader, (leaders.get(partition.leader) ?? 0) + 1);
    const [leaderId] = [...leaders].sort((a, b) => b[1] - a[1])[0]!;
    const leaderPort = topology.kafka.ports[leaderId - 1]!;

    const runs = traffic();
    await flowing(runs);
    await topology.kafka.kill(leaderPort);
    // The fault landed on the stream: traffic kept being sent while the broker was dead.
    const sentWhileDead = runs.reduce((sum, run) => sum + run.sent.length, 0);
    await eventually(async () => (runs.reduce((sum, run) => sum + run.sent.length, 0) > sentWhileDead + 20 ? true : undefined), { timeoutMs: 90_000, what: 'events accepted with the leader dead' });
    await topology.kafka.restart(leaderPort);
    await topology.kafka.waitUntilComplete();
    await accountedFor(runs, `Kafka broker ${leaderId} (leader of ${leaders.get(leaderId)} events partitions) SIGKILLed and restarted`);
  }, 600_000);

  it('moves a SIGKILLed detector\'s partitions to the others, and gives some back when it returns', async () => {
    const groupId = `${stack.topicPrefix}backstop-detector`;
    const admin = createKafka(topology.kafka.brokers, 'cluster-test-admin', logger).admin();
    await admin.connect();
    const assignment = async () => {
      const { groups } = await admin.describeGroups([groupId]);
      const members = groups[0]?.members ?? [];
      return new Map(members.map((member) => {
        const decoded = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
        return [member.clientHost + member.memberId, Object.values(decoded?.assignment ?? {}).flat().length] as const;
      }));
    };
    const offsets = () => partitionOffsets(admin, groupId, topicName('paymentEvents', stack.topicPrefix));
    try {
      expect((await assignment()).size).toBe(3);
      const runs = traffic();
      await flowing(runs);
      const victim = topology.instancesOf('detector')[0]!;
      const killedAt = Date.now();
      await victim.stop('SIGKILL');
      // Read after the kill: a commit of the victim's just before it is not taken for consumption after it.
      const atKill = await offsets();
      await eventually(async () => {
        const members = await assignment();
        return members.size === 2 && [...members.values()].reduce((a, b) => a + b, 0) === 12 ? true : undefined;
      }, { timeoutMs: 90_000, intervalMs: 250, what: 'the two survivors to hold all 12 partitions' });
      const reassignedS = (Date.now() - killedAt) / 1000;
      // Consumed again: every partition with events beyond its offset committed at the kill,
      // the dead member's among them, has its committed offset past that point.
      await eventually(async () => {
        const now = await offsets();
        const waiting = [...now].filter(([partition, { committed, high }]) => high > atKill.get(partition)!.committed && committed <= atKill.get(partition)!.committed);
        return waiting.length === 0 ? true : undefined;
      }, { timeoutMs: 90_000, intervalMs: 250, what: 'every partition with new events to be committed past where it stood at the kill' });
      process.stdout.write(`a SIGKILLed detector's partitions were reassigned after ${reassignedS.toFixed(1)} s and all consumed again after ${((Date.now() - killedAt) / 1000).toFixed(1)} s\n`);

      const successor = topology.add('detector', 'detector-4');
      await successor.ready;
      await eventually(async () => ((await assignment()).size === 3 ? true : undefined), { timeoutMs: 90_000, what: 'the restarted detector to take partitions back' });
      await accountedFor(runs, 'one of three detectors SIGKILLed, then a new one started');
    } finally {
      await admin.disconnect();
    }
  }, 600_000);

  it('takes a refund worker added while traffic flows into the group without losing or doubling a decision', async () => {
    const runs = traffic();
    await flowing(runs);
    const added = topology.add('refund-worker', 'refund-worker-3');
    await added.ready;
    await accountedFor(runs, 'a third refund worker added under load');
  }, 600_000);

  it('notices a Redis master SIGKILLed as a possible loss: its payers\' flags go to review until the events are replayed, other payers\' do not, and nothing is lost or refunded twice', async () => {
    const runs = traffic();
    await flowing(runs);
    const detectors = topology.instancesOf('detector');
    const from = detectors.map((detector) => detector.lines.length);
    const victim = topology.redis.nodes[0]!.port;
    const victimSlots = await topology.redis.slotsServedBy(victim);
    expect(victimSlots, 'the victim is a master').not.toBe('');
    await topology.redis.kill(victim);
    // More traffic through the failover and the replay, so flags are raised while the state is rebuilt.
    runs.push(...traffic());
    await topology.redis.waitUntilHealthy(90_000);
    await eventually(async () => (detectors.some((detector, i) => detector.lines.slice(from[i]).some((line) => line.includes('slots changed master'))) ? true : undefined), {
      timeoutMs: 90_000,
      what: 'a detector to notice the failover',
    });
    await eventually(async () => (detectors.some((detector, i) => detector.lines.slice(from[i]).some((line) => line.includes('payer state rebuilt from the events topic'))) ? true : undefined), {
      timeoutMs: 180_000,
      what: 'the payers state to be rebuilt from the events topic',
    });
    await topology.redis.restart(victim);
    await topology.redis.waitUntilHealthy(90_000);

    const sent = (await Promise.all(runs.map((run) => run.done))).flat();
    expect(sent.filter((event) => event.status !== 200 && event.status !== 202), 'events the sender could not get accepted').toEqual([]);
    const report = await checkStack(stack, [...allSent, ...sent], `Redis master ${victim} SIGKILLed, replica promoted, old master rejoined`, { waitMs: 180_000, brokers: topology.kafka.brokers, redisUrl: topology.redis.url });
    // The master's last writes, not yet on its replica, are gone: a mistake whose evidence was
    // among them can go unflagged. Everything else must hold: every event consumed, no
    // decision lost, nothing refunded twice.
    const missed = report.violations.filter((violation) => violation.invariant === 'every planted mistake was flagged');
    process.stdout.write(`planted mistakes missed after the failover (their evidence was in writes the replica never got): ${missed.length}\n`);
    expect(report.violations.filter((violation) => !missed.includes(violation))).toEqual([]);

    // Which payers the loss touched: exactly those whose keys, or whose sku's prices, lay in
    // the dead master's slots. Their flags were marked; every other payer's flags raised
    // meanwhile stood on intact state and went through as usual.
    const flags = await everyFlag();
    const marked = flags.filter((flag) => flag.stateRebuilding);
    const touched = slotsLost(stack.redisPrefix, victimSlots);
    expect(marked.length, 'flags raised while the state was rebuilt').toBeGreaterThan(0);
    expect(marked.filter((flag) => !touched.covers(flag)).map((flag) => flag.payment.payerId), 'marked flags of payers the loss did not touch').toEqual([]);
    const firstMarked = Math.min(...marked.map((flag) => Date.parse(flag.flaggedAt)));
    const lastMarked = Math.max(...marked.map((flag) => Date.parse(flag.flaggedAt)));
    const meanwhile = flags.filter((flag) => !flag.stateRebuilding && Date.parse(flag.flaggedAt) >= firstMarked && Date.parse(flag.flaggedAt) <= lastMarked);
    process.stdout.write(`slots lost with master ${victim}: ${victimSlots}; flags marked for review: ${marked.length} (${new Set(marked.map((flag) => flag.payment.payerId)).size} payers); ` +
      `other payers' flags raised meanwhile, not marked: ${meanwhile.length}\n`);
  }, 600_000);

  /** Every distinct flag on the flags topic so far. */
  async function everyFlag(): Promise<Flag[]> {
    const kafka = createKafka(topology.kafka.brokers, 'topology-flags-reader', logger);
    const byId = new Map<string, Flag>();
    await readToEnd(kafka, topicName('flags', stack.topicPrefix), (value) => {
      const flag = JSON.parse(value!) as Flag;
      byId.set(flag.flagId, flag);
    });
    return [...byId.values()];
  }
});
