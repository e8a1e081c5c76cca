import { loadConfig } from '@backstop/config';
import { runService } from '@backstop/lifecycle';
import { DetectorConfig } from './config';
import { createDetector } from './detector';

const config = loadConfig(DetectorConfig);
await runService(config, createDetector(config), ({ metricsAddress }) => [{ address: metricsAddress }, 'detector consuming']);
