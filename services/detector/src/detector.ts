import type { Consumer, Kafka } from 'kafkajs';
import { topicName } from '@backstop/contracts';
import { ConsumerHealth, createIdempotentProducer, createKafka, kafkaSecurity } from '@backstop/kafka';
import { ShutdownPlan, type ShutdownStep } from '@backstop/lifecycle';
import { createLogger, type Logger } from '@backstop/logging';
import { createRegistry, registerConsumerLag, registerConsumerRunning, startMetricsServer } from '@backstop/metrics';
import { createPool, type Pool } from '@backstop/postgres';
import { createRedis, type Redis } from '@backstop/redis';
import { rebuildLookbackMs, type DetectorConfig } from './config';
import { startDetector } from './consumer';
import { createDetectorMetrics, type DetectorMetrics } from './metrics';
import { RebuildLock } from './rebuild/rebuild-lock';
import { kafkaEventsReplayer } from './rebuild/replay-events';
import { StateRebuilder } from './rebuild/state-rebuilder';
import { WarningLog, DatabaseRulesConfig, type RulesConfigSource, createPayerStateStore, type PayerStateStore, StateSentinel, type StoredFlags, watchMasterChanges } from '@backstop/detection';

/**
 * What a caller may hand in instead of what the configuration names: its own clients (which
 * it closes itself), a store wrapped to count round trips, fixed rules for an evaluation.
 */
export interface DetectorParts {
  logger?: Logger;
  kafka?: Kafka;
  redis?: Redis;
  pool?: Pool;
  store?: PayerStateStore<StoredFlags>;
  rulesConfig?: RulesConfigSource;
  metrics?: DetectorMetrics;
  /** Serve `/metrics`, `/healthz` and `/readyz` (default true; a bench or an eval in one process needs none). */
  serveMetrics?: boolean;
  /** Replay the events topic into Redis after a loss of state (default true). */
  rebuildLostState?: boolean;
}

export interface Detector {
  readonly logger: Logger;
  readonly metrics: DetectorMetrics;
  readonly sentinel: StateSentinel;
  /** Connects, joins the consumer group and starts consuming; resolves once it consumes. */
  start(): Promise<{ consumer: Consumer; metricsAddress?: string }>;
  /** Stop steps in the order they run, for `stopOnSignals`. */
  shutdownSteps(): ShutdownStep[];
  stop(): Promise<void>;
}

/** The detector, wired once: `src/index.ts`, the bench, the eval and tests all build it here. */
export function createDetector(config: DetectorConfig, parts: DetectorParts = {}): Detector {
  const logger = parts.logger ?? createLogger('detector', config.LOG_LEVEL);
  const plan = new ShutdownPlan();
  const metrics = parts.metrics ?? createDetectorMetrics(createRegistry('detector'));
  const redis = parts.redis ?? createRedis(config.REDIS_URL, 'backstop-detector');
  if (!parts.redis) plan.add('redis', () => redis.quit());
  const maxRebuildMs = config.DETECTOR_STATE_REBUILD_SECONDS * 1000;
  const sentinel = new StateSentinel(redis, config.REDIS_KEY_PREFIX, maxRebuildMs, () =>
    logger.warn('payer state was lost from Redis; flags go to review until it is rebuilt from the events topic'),
  );
  const groupId = `${config.KAFKA_TOPIC_PREFIX}${config.DETECTOR_GROUP_ID}`;
  const eventsTopic = topicName('paymentEvents', config.KAFKA_TOPIC_PREFIX);
  const consumers = new ConsumerHealth(logger);

  return {
    logger,
    metrics,
    sentinel,
    shutdownSteps: () => plan.ordered,
    stop: () => plan.run(),
    async start() {
      const store = parts.store ?? createPayerStateStore(redis, config);
      const stopWatching = watchMasterChanges(redis, (change) => {
        logger.warn(change, 'Redis Cluster slots changed master: the payers on them may have lost their last writes; their flags go to review until the state is rebuilt from the events topic');
        sentinel.declareLost(Date.now(), change.ranges).catch((error: unknown) => logger.error({ err: error }, 'could not mark the payer state lost after a Redis failover'));
      });
      plan.add('redis failover watch', async () => stopWatching());
      let rulesConfig = parts.rulesConfig;
      if (!rulesConfig) {
        const pool = parts.pool ?? createPool(config.DATABASE_URL, 'backstop-detector', 2);
        if (!parts.pool) plan.add('postgres', () => pool.end());
        rulesConfig = new DatabaseRulesConfig(pool, logger, config.DETECTOR_RULES_CACHE_MS);
      }
      const kafka = parts.kafka ?? createKafka(config.KAFKA_BROKERS, 'backstop-detector', logger, { security: kafkaSecurity(config) });
      const producer = createIdempotentProducer(kafka, logger);
      await producer.connect();
      plan.add('producer', () => producer.disconnect());

      let metricsAddress: string | undefined;
      if (parts.serveMetrics ?? true) {
        const lagAdmin = kafka.admin();
        await lagAdmin.connect();
        plan.add('lag admin', () => lagAdmin.disconnect());
        registerConsumerLag(metrics.registry, lagAdmin, groupId, eventsTopic);
        registerConsumerRunning(metrics.registry, consumers);
        const server = await startMetricsServer(metrics.registry, config.DETECTOR_METRICS_HOST, config.DETECTOR_METRICS_PORT, () => consumers.assertRunning());
        plan.add('metrics', () => new Promise<void>((resolve) => server.server.close(() => resolve())));
        metricsAddress = server.address;
      }

      const warnings = new WarningLog(redis, config.REDIS_KEY_PREFIX);
      const consumer = await startDetector({ config, kafka, producer, store, rulesConfig, metrics, sentinel, logger, warnings });
      consumers.watch('detector', consumer);
      plan.add('consumer', () => consumer.disconnect());

      if (parts.rebuildLostState ?? true) {
        // A connection of its own, so the replay's pipelines never queue in front of live batches.
        const replayRedis = createRedis(config.REDIS_URL, 'backstop-detector-rebuild');
        plan.add('replay redis', () => replayRedis.quit());
        const rebuilder = new StateRebuilder({
          sentinel,
          lock: new RebuildLock(redis, config.REDIS_KEY_PREFIX, config.DETECTOR_REBUILD_LOCK_SECONDS * 1000),
          replayer: kafkaEventsReplayer({
            kafka, topic: eventsTopic, groupId, store: createPayerStateStore(replayRedis, config), lookbackMs: rebuildLookbackMs(config), logger,
          }),
          metrics,
          logger,
          maxRebuildMs,
          settleMs: config.DETECTOR_SESSION_TIMEOUT_MS,
        });
        rebuilder.start();
        plan.add('state rebuild', () => rebuilder.stop());
      }
      return { consumer, metricsAddress };
    },
  };
}
