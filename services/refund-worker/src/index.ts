import { loadConfig } from '@backstop/config';
import { runService } from '@backstop/lifecycle';
import { RefundWorkerConfig } from './config';
import { createRefundWorker } from './refund-worker';

const config = loadConfig(RefundWorkerConfig);
await runService(config, createRefundWorker(config), ({ metricsAddress }) => [{ address: metricsAddress }, 'refund worker consuming']);
