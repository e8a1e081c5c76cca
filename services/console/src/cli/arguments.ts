import { parseArgs } from 'node:util';
import { usage, UsageError, type ParsedCommand } from './commands';

/** `--help`, `-h`, `help` alone or no command at all: the user asks what the CLI can do. */
export function wantsHelp({ words, help }: ParsedCommand): boolean {
  return help === true || words.length === 0 || (words.length === 1 && words[0] === 'help');
}

/** Reads `npm run cli -- …` arguments; anything it does not know is a usage error. */
export function parseArguments(argv: string[]): ParsedCommand {
  try {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        tenant: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' }, 'time-zone': { type: 'string' }, file: { type: 'string' }, key: { type: 'string' },
        from: { type: 'string' }, to: { type: 'string' }, rules: { type: 'string' }, policy: { type: 'string' }, 'warm-up-hours': { type: 'string' }, format: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    const { help, ...options } = values;
    return { words: positionals, options: options as Record<string, string | undefined>, help: help === true };
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${usage}`);
  }
}
