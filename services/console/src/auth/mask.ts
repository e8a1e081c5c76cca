import type { Role } from '@backstop/tenancy';

/** Roles that judge recipient mistakes and so must see whole account numbers. */
const seesAccounts: ReadonlySet<Role> = new Set(['ops', 'admin']);

export function maskAccount(account: string): string {
  if (account.length <= 4) return '*'.repeat(account.length);
  const keep = Math.min(3, Math.floor(account.length / 4));
  return account.slice(0, keep) + '*'.repeat(account.length - 2 * keep) + account.slice(-keep);
}

/** Field names that hold account numbers, alone or in lists (`recipientAccount`, `knownRecipients`…). */
const ACCOUNT_FIELD = /account|recipient/i;

/** Copies a value with every account number in it masked, unless the role needs them whole. */
export function maskAccounts<T>(value: T, role: Role): T {
  if (seesAccounts.has(role)) return value;
  const walk = (node: unknown, sensitive: boolean): unknown => {
    if (typeof node === 'string') return sensitive ? maskAccount(node) : node;
    if (Array.isArray(node)) return node.map((item) => walk(item, sensitive));
    if (node && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, walk(child, sensitive || ACCOUNT_FIELD.test(key))]));
    }
    return node;
  };
  return walk(value, false) as T;
}
