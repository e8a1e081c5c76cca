import type { Pool } from '@backstop/postgres';
import { TenantId } from '@backstop/contracts';
import { createApiKey, createTenant, retireOldSecrets, revokeApiKey, Role, rotateWebhookSecret, tenantExists } from '@backstop/tenancy';

export class UsageError extends Error {}

export interface ParsedCommand {
  words: string[];
  options: Record<string, string | undefined>;
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
  key create --tenant <tenant-id> --role ops|finance|admin
  key create --role operator
  key revoke <key-id>
  secret rotate --tenant <tenant-id>        add a second webhook secret beside the current one
  secret retire-old --tenant <tenant-id>    keep only the newest webhook secret`;

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
      if (await tenantExists(pool, tenantId.data)) throw new UsageError(`tenant "${tenantId.data}" exists already`);
      return createTenant(pool, { tenantId: tenantId.data, name: options.name ?? tenantId.data, ...(timeZone ? { timeZone } : {}) });
    }
    case 'key create': {
      const role = Role.safeParse(required(options, 'role'));
      if (!role.success) throw new UsageError('--role must be ops, finance, admin or operator');
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
    default:
      throw new UsageError(usage);
  }
}
