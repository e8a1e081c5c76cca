/** `npm run migrate`: creates the database if missing and applies pending migrations. */
import { commonEnv, loadConfig } from '@backstop/config';
import { ensureDatabase, migrate } from '@backstop/postgres';
import { z } from 'zod';

const { DATABASE_URL } = loadConfig(z.object({ DATABASE_URL: commonEnv.DATABASE_URL }));
await ensureDatabase(DATABASE_URL);
const applied = await migrate(DATABASE_URL, (line) => console.log(line));
console.log(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'schema up to date');
