import { maskAccount } from '@backstop/messages';
import type { Role } from '@backstop/tenancy';

export { maskAccount };

/** Roles that judge recipient mistakes and so must see whole account numbers. */
const seesAccounts: ReadonlySet<Role> = new Set(['ops', 'admin']);

/**
 * Field names that hold account numbers, alone or in lists (`recipientAccount`, `probablyMeant`…).
 * Anchored at the end: `probablyMeantLastUsedAt` holds a time, and a time collected as an
 * account would be masked everywhere it appears.
 */
const ACCOUNT_FIELD = /(account|accounts|recipient|recipients|probablyMeant)$/i;

/**
 * Copies a value with every account number in it masked, unless the role needs them whole.
 * Account numbers are found in account fields, then masked wherever else they appear too,
 * such as inside a rule's human-readable summary.
 */
export function maskAccounts<T>(value: T, role: Role): T {
  if (seesAccounts.has(role)) return value;
  const accounts = new Set<string>();
  const collect = (node: unknown, sensitive: boolean): void => {
    if (typeof node === 'string') {
      if (sensitive && node.length > 0) accounts.add(node);
    } else if (Array.isArray(node)) {
      for (const item of node) collect(item, sensitive);
    } else if (node && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) collect(child, sensitive || ACCOUNT_FIELD.test(key));
    }
  };
  collect(value, false);
  // Longest first, so an account that contains another is replaced whole.
  const ordered = [...accounts].sort((a, b) => b.length - a.length);
  const mask = (text: string): string => ordered.reduce((masked, account) => masked.split(account).join(maskAccount(account)), text);
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return mask(node);
    if (Array.isArray(node)) return node.map(walk);
    if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, walk(child)]));
    return node;
  };
  return walk(value) as T;
}
