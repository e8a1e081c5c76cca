import { loadConfig } from '@backstop/config';
import { runService } from '@backstop/lifecycle';
import { IngestConfig } from './config';
import { createIngest } from './ingest';

const config = loadConfig(IngestConfig);
await runService(config, createIngest(config), ({ address }) => [{ address }, 'ingest listening']);
