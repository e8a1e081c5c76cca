/** `npm run cli -- …`: tenants, API keys and webhook secrets, straight against Postgres. */
import { parseArgs } from 'node:util';
import { commonEnv, loadConfig } from '@backstop/config';
import { createPool } from '@backstop/postgres';
import { z } from 'zod';
import { RotationError } from '@backstop/tenancy';
import { runCommand, usage, UsageError } from './commands';

function parse(argv: string[]) {
  try {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { tenant: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' }, 'time-zone': { type: 'string' }, file: { type: 'string' } },
    });
    return { words: positionals, options: values as Record<string, string | undefined> };
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${usage}`);
  }
}

const { DATABASE_URL } = loadConfig(z.object({ DATABASE_URL: commonEnv.DATABASE_URL }));
const pool = createPool(DATABASE_URL, 'backstop-cli', 1);
try {
  const result = await runCommand(pool, parse(process.argv.slice(2)));
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} catch (error) {
  if (error instanceof UsageError || error instanceof RotationError) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`failed: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
} finally {
  await pool.end();
}
