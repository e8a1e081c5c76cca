import { loadConfig } from '@backstop/config';
import { stopOnSignals } from '@backstop/lifecycle';
import { logConfiguration } from '@backstop/logging';
import { RefundWorkerConfig } from './config';
import { createRefundWorker } from './refund-worker';

const config = loadConfig(RefundWorkerConfig);
const worker = createRefundWorker(config);
logConfiguration(worker.logger, config);
const { metricsAddress } = await worker.start();
worker.logger.info({ address: metricsAddress }, 'refund worker consuming');
stopOnSignals(worker.logger, worker.shutdownSteps, config.SHUTDOWN_TIMEOUT_MS);
