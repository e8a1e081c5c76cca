import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, RotationError } from '@backstop/tenancy';
import { parseArguments } from '../services/console/src/cli/arguments';
import { runCommand, UsageError } from '../services/console/src/cli/commands';
import { classicHostileValues, hostileString } from './support/hostile-strings';
import { createIsolatedStack, type IsolatedStack } from './support/stack';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** `npm run cli -- …` with anything on its command line: a result or a usage error, never a crash. */
describe('the CLI under hostile arguments (property-based)', () => {
  let stack: IsolatedStack;
  let argv: fc.Arbitrary<string[]>;

  beforeAll(async () => {
    stack = await createIsolatedStack();
    await createTenant(stack.pool, { tenantId: 'shop', name: 'Shop' });
    const documents = mkdtempSync(join(tmpdir(), 'backstop-cli-hostile-'));
    let written = 0;
    /** A --file: a document on disk (JSON or not, valid or not), or a path that may lead nowhere. */
    const file = fc.oneof(
      fc.oneof(fc.json({ maxDepth: 3 }), hostileString(), fc.constantFrom('{"v":1}', '{"v":1,"killSwitch":true}', '{"velocity.burst":{"enabled":false}}')).map((content) => {
        const path = join(documents, `document-${(written += 1)}.json`);
        writeFileSync(path, content);
        return path;
      }),
      hostileString(),
      fc.constant(documents),
    );
    const freshTenant = fc.stringMatching(/^[a-z][a-z0-9_-]{0,12}$/);
    const word = fc.oneof(fc.constantFrom('tenant', 'key', 'secret', 'policy', 'rules', 'create', 'revoke', 'rotate', 'retire-old', 'show', 'set', 'shop', '0123456789abcdef'), freshTenant, hostileString(20));
    const command = fc.constantFrom(['tenant', 'create'], ['key', 'create'], ['key', 'revoke'], ['secret', 'rotate'], ['secret', 'retire-old'], ['policy', 'show'], ['policy', 'set'], ['rules', 'show'], ['rules', 'set']);
    const words = fc.oneof(fc.tuple(command, fc.array(word, { maxLength: 2 })).map(([known, rest]) => [...known, ...rest]), fc.array(word, { maxLength: 4 }));
    const option = fc.tuple(
      fc.constantFrom('--tenant', '--role', '--name', '--time-zone', '--file', '--colour', '-t', '--'),
      fc.oneof(fc.constantFrom('shop', 'ops', 'admin', 'operator', 'Asia/Shanghai'), hostileString(70), file),
    );
    // Usually in the documented order, sometimes shuffled.
    argv = fc.tuple(words, fc.array(option, { maxLength: 4 }), fc.boolean()).chain(([leading, options, shuffle]) => {
      const args = [...leading, ...options.flat()];
      return shuffle ? fc.shuffledSubarray(args, { minLength: args.length }) : fc.constant(args);
    });
  });

  afterAll(async () => {
    await stack?.close();
  }, 60_000);

  it('parses and runs any arguments to a result or a usage error', async () => {
    // Every classic hostile value as a new tenant's name and as a tenant id, before the random runs.
    const examples = classicHostileValues.flatMap((value, index): [string[]][] => [
      [['tenant', 'create', `named-${index}`, '--name', value]],
      [['policy', 'show', '--tenant', value]],
    ]);
    await fc.assert(fc.asyncProperty(argv, async (args) => {
      try {
        await runCommand(stack.pool, parseArguments(args));
      } catch (error) {
        if (!(error instanceof UsageError) && !(error instanceof RotationError)) throw error;
      }
    }), { numRuns: 300, examples });
  });

  it('exits 0 or 2 with a message, never with a stack trace, as a real process', async () => {
    const cli = async (args: string[]) => {
      try {
        await run(process.execPath, ['--import', 'tsx', 'services/console/src/cli/index.ts', ...args], { cwd: repoRoot, env: { ...process.env, DATABASE_URL: stack.databaseUrl } });
        return { code: 0, stderr: '' };
      } catch (error) {
        const failure = error as { code: number; stderr: string };
        return { code: failure.code, stderr: failure.stderr };
      }
    };
    // A command line cannot carry NUL; everything else can.
    const sendable = argv.filter((args) => args.every((arg) => !arg.includes('\u0000')));
    await fc.assert(fc.asyncProperty(sendable, async (args) => {
      const { code, stderr } = await cli(args);
      expect([0, 2], `${JSON.stringify(args)}: ${stderr}`).toContain(code);
      expect(stderr).not.toMatch(/\n\s+at /);
    }), { numRuns: 8, examples: [[['tenant', 'create', 'from-the-shell', '--name', 'a\u0001b']], [['--tenant']], [['rules', 'set', '--tenant', 'shop', '--file', '/']]] });
  }, 180_000);

  it('prints its usage and exits 0 when asked for help, or given no command', async () => {
    for (const args of [['--help'], ['-h'], [], ['help'], ['tenant', 'create', '--help']]) {
      const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'services/console/src/cli/index.ts', ...args], {
        cwd: repoRoot, env: { ...process.env, DATABASE_URL: stack.databaseUrl },
      });
      expect(stdout, JSON.stringify(args)).toMatch(/^usage: npm run cli -- <command>\n/);
      expect(stderr, JSON.stringify(args)).toBe('');
    }
  }, 60_000);
});
