import { loadConfig } from '@backstop/config';
import { stopOnSignals } from '@backstop/lifecycle';
import { logConfiguration } from '@backstop/logging';
import { IngestConfig } from './config';
import { createIngest } from './ingest';

const config = loadConfig(IngestConfig);
const ingest = createIngest(config);
logConfiguration(ingest.logger, config);
const { address } = await ingest.start();
ingest.logger.info({ address }, 'ingest listening');
stopOnSignals(ingest.logger, ingest.shutdownSteps, config.SHUTDOWN_TIMEOUT_MS);
