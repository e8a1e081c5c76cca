/** `npm run cli -- …`: tenants, API keys and webhook secrets, straight against Postgres; backtests. */
import { BacktestError } from '@backstop/backtest';
import { commonEnv, loadConfig } from '@backstop/config';
import { createPool } from '@backstop/postgres';
import { z } from 'zod';
import { RotationError } from '@backstop/tenancy';
import { parseArguments, wantsHelp } from './arguments';
import { BacktestEnv, backtestCommand, exitCodeOf } from './backtest-command';
import { runCommand, usage, UsageError } from './commands';
import { printEvidenceCheck, verifyEvidenceCommand } from './evidence-verify';

const { DATABASE_URL } = loadConfig(z.object({ DATABASE_URL: commonEnv.DATABASE_URL }));
const pool = createPool(DATABASE_URL, 'backstop-cli', 1);
try {
  const command = parseArguments(process.argv.slice(2));
  const [noun, verb, path, ...extra] = command.words;
  if (!wantsHelp(command) && noun === 'evidence' && verb === 'verify' && extra.length === 0) {
    // Offline: the pool above is never used, so no database is needed.
    const check = await verifyEvidenceCommand(path, command.options.key);
    printEvidenceCheck(check, (line) => process.stdout.write(`${line}\n`));
    if (!check.ok) process.exitCode = 1;
  } else if (wantsHelp(command)) {
    process.stdout.write(`${usage}\n`);
  } else if (command.words[0] === 'backtest') {
    if (command.words.length > 1) throw new UsageError(`unexpected arguments: ${command.words.slice(1).join(' ')}`);
    process.stdout.write(`${await backtestCommand(pool, loadConfig(BacktestEnv), command)}\n`);
  } else {
    const result = await runCommand(pool, command);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  }
} catch (error) {
  if (error instanceof BacktestError) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = exitCodeOf(error);
  } else if (error instanceof UsageError || error instanceof RotationError) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`failed: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
} finally {
  await pool.end();
}
