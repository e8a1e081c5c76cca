import { parseArgs } from 'node:util';
import { usage, UsageError, type ParsedCommand } from './commands';

/** Reads `npm run cli -- …` arguments; anything it does not know is a usage error. */
export function parseArguments(argv: string[]): ParsedCommand {
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
