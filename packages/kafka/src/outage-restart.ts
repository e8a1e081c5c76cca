import type { Consumer, ConsumerRunConfig } from 'kafkajs';
import type { Logger } from '@backstop/logging';

/** Marks a consumer `restartAfterCoordinatorLoss` looks after, so ConsumerHealth knows it is not gone for good. */
const RESTARTED = Symbol('restartedAfterCoordinatorLoss');

/**
 * Whether KafkaJS stopped a consumer because it could not find its group coordinator. KafkaJS
 * raises that as non-retriable, so it never restarts the consumer, though it is what any
 * broker outage longer than its retries looks like: the broker that coordinates the group
 * is simply not back yet.
 */
export function isCoordinatorLoss(error: unknown): boolean {
  for (let cause = error as { name?: string; message?: string; cause?: unknown } | undefined; cause; cause = cause.cause as typeof cause) {
    if (cause.name === 'KafkaJSGroupCoordinatorNotFound' || cause.message === 'Failed to find group coordinator') return true;
  }
  return false;
}

/** Whether a crash of `consumer` with `error` is one `restartAfterCoordinatorLoss` runs it again after: stopped, but not for good. */
export function runsAgainAfter(consumer: Consumer, error: unknown): boolean {
  return (consumer as Consumer & { [RESTARTED]?: true })[RESTARTED] === true && isCoordinatorLoss(error);
}

/**
 * Runs `consumer` again, as KafkaJS runs it after an error it retries, when KafkaJS stopped it
 * for good because its group coordinator could not be found; until it runs or the consumer is
 * disconnected, every `delayMs`. Call before `run`: the run's configuration is taken from it.
 * `createKafka` does so for every consumer it makes.
 */
export function restartAfterCoordinatorLoss(consumer: Consumer, logger: Logger, delayMs = 2_000): Consumer {
  if ((consumer as Consumer & { [RESTARTED]?: true })[RESTARTED]) return consumer;
  const run = consumer.run.bind(consumer);
  const disconnect = consumer.disconnect.bind(consumer);
  let config: ConsumerRunConfig | undefined;
  let disconnected = false;
  let timer: NodeJS.Timeout | undefined;

  const runAgain = () => {
    timer = setTimeout(() => {
      if (disconnected || !config) return;
      run(config).catch((error: unknown) => {
        logger.warn({ err: error }, 'consumer could not run again yet; trying again');
        runAgain();
      });
    }, delayMs);
    // A consumer left crashed and never disconnected must not keep its process alive.
    timer.unref();
  };

  consumer.run = async (runConfig) => {
    config = runConfig;
    return run(runConfig);
  };
  consumer.disconnect = async () => {
    disconnected = true;
    clearTimeout(timer);
    return disconnect();
  };
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart || disconnected || !isCoordinatorLoss(payload.error)) return;
    logger.warn({ err: payload.error.message, delayMs }, 'consumer lost its group coordinator; running it again');
    runAgain();
  });
  (consumer as Consumer & { [RESTARTED]?: true })[RESTARTED] = true;
  return consumer;
}
