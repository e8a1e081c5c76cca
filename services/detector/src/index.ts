import { loadConfig } from '@backstop/config';
import { stopOnSignals } from '@backstop/lifecycle';
import { logConfiguration } from '@backstop/logging';
import { DetectorConfig } from './config';
import { createDetector } from './detector';

const config = loadConfig(DetectorConfig);
const detector = createDetector(config);
logConfiguration(detector.logger, config);
const { metricsAddress } = await detector.start();
detector.logger.info({ address: metricsAddress }, 'detector consuming');
stopOnSignals(detector.logger, detector.shutdownSteps, config.SHUTDOWN_TIMEOUT_MS);
