import type { Pool } from '@backstop/postgres';
import { PlatformValue, TenantId } from '@backstop/contracts';
import { readFile } from 'node:fs/promises';
import { ZodError } from 'zod';
import { parseStoredPolicy, saveRefundPolicy } from '@backstop/ledger';
import {
  createApiKey, createTenant, loadDetectorRules, retireOldSecrets, revokeApiKey, Role, rotateWebhookSecret, saveDetectorRules, tenantExists,
} from '@backstop/tenancy';

export class UsageError extends Error {}

export interface ParsedCommand {
  words: string[];
  options: Record<string, string | undefined>;
  /** `--help` or `-h`: print the usage instead of running anything. */
  help?: boolean;
}

function required(options: ParsedCommand['options'], name: string): string {
  const value = options[name];
  if (!value) throw new UsageError(`--${name} is required`);
  return value;
}

async function existingTenant(pool: Pool, raw: string): Promise<string> {
  const parsed = TenantId.safeParse(raw);
  if (!parsed.success) throw new UsageError(`invalid tenant id "${raw}": lower-case letters, digits, "-" and "_"`);
  if (!(await tenantExists(pool, parsed.data))) throw new UsageError(`no tenant "${parsed.data}"`);
  return parsed.data;
}

export const usage = `usage: npm run cli -- <command>
  tenant create <tenant-id> [--name "Display name"] [--time-zone Asia/Shanghai]
  key create --tenant <tenant-id> --role ops|finance|admin|platform
  key create --role operator
  key revoke <key-id>
  secret rotate --tenant <tenant-id>        add a second webhook secret beside the current one
  secret retire-old --tenant <tenant-id>    keep only the newest webhook secret
  policy show --tenant <tenant-id>          the refund policy in force
  policy set --tenant <tenant-id> --file policy.json
  rules show --tenant <tenant-id>           the detector's thresholds, switches and allowlists
  rules set --tenant <tenant-id> --file rules.json
  evidence verify <file.json> [--key key.json]    check an evidence file offline: signature, sections, audit entries
  backtest --tenant <tenant-id> --from <time> --to <time> [--rules rules.json] [--policy policy.json]
           [--warm-up-hours H] [--format text|json]
                                            replay the period's events with a candidate configuration
                                            and compare with production (docs/backtest.md)`;

/** Reads a JSON document and stores it with `save`; a document that fails validation is a usage error naming the fields. */
async function setFromFile(path: string, save: (document: unknown) => Promise<unknown>): Promise<unknown> {
  let document: unknown;
  try {
    document = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read ${path} as JSON: ${(error as Error).message}`);
  }
  try {
    return await save(document);
  } catch (error) {
    if (error instanceof ZodError) {
      throw new UsageError(`invalid document: ${error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`);
    }
    throw error;
  }
}

/** Runs one CLI command against the database; returns what to print. */
export async function runCommand(pool: Pool, { words, options }: ParsedCommand): Promise<unknown> {
  const [noun, verb, argument, ...extra] = words;
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  switch (`${noun ?? ''} ${verb ?? ''}`) {
    case 'tenant create': {
      const tenantId = TenantId.safeParse(argument);
      if (!tenantId.success) throw new UsageError('tenant create needs a tenant id: lower-case letters, digits, "-" and "_"');
      const timeZone = options['time-zone'];
      if (timeZone && !Intl.supportedValuesOf('timeZone').includes(timeZone)) throw new UsageError(`unknown time zone "${timeZone}"`);
      const name = PlatformValue.max(200).safeParse(options.name ?? tenantId.data);
      if (!name.success) throw new UsageError('--name must be 1 to 200 printable characters');
      if (await tenantExists(pool, tenantId.data)) throw new UsageError(`tenant "${tenantId.data}" exists already`);
      return createTenant(pool, { tenantId: tenantId.data, name: name.data, ...(timeZone ? { timeZone } : {}) });
    }
    case 'key create': {
      const role = Role.safeParse(required(options, 'role'));
      if (!role.success) throw new UsageError('--role must be ops, finance, admin, platform or operator');
      const tenantId = role.data === 'operator' ? null : await existingTenant(pool, required(options, 'tenant'));
      return { ...(await createApiKey(pool, tenantId, role.data)), tenantId, role: role.data };
    }
    case 'key revoke': {
      if (!argument || !/^[0-9a-f]{16}$/.test(argument)) throw new UsageError('key revoke needs a key id (16 hex digits, the part after "bsk_")');
      return { keyId: argument, revoked: await revokeApiKey(pool, argument) };
    }
    case 'secret rotate':
      return rotateWebhookSecret(pool, await existingTenant(pool, required(options, 'tenant')));
    case 'secret retire-old':
      return { retired: await retireOldSecrets(pool, await existingTenant(pool, required(options, 'tenant'))) };
    case 'policy show': {
      const tenantId = await existingTenant(pool, required(options, 'tenant'));
      const stored = await pool.query<{ document: unknown }>('SELECT document FROM refund_policies WHERE tenant_id = $1', [tenantId]);
      return parseStoredPolicy(stored.rows[0]?.document).policy;
    }
    case 'policy set': {
      const tenantId = await existingTenant(pool, required(options, 'tenant'));
      return setFromFile(required(options, 'file'), (document) => saveRefundPolicy(pool, tenantId, document, 'cli'));
    }
    case 'rules show':
      return (await loadDetectorRules(pool, await existingTenant(pool, required(options, 'tenant')))).effective;
    case 'rules set': {
      const tenantId = await existingTenant(pool, required(options, 'tenant'));
      return setFromFile(required(options, 'file'), (document) => saveDetectorRules(pool, tenantId, document));
    }
    default:
      throw new UsageError(usage);
  }
}
