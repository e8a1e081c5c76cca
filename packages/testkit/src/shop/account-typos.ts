import type { Random } from '../random';

/**
 * One slip of the thumb on an account number: a digit changed, dropped, typed in extra, or two
 * neighbours swapped; never the first digit, which a typist checks. Always a different account
 * from `account`.
 */
export function mistype(random: Random, account: string): string {
  // A slip lands between the first and the last digit, so it needs one there.
  if (account.length < 3) throw new RangeError(`an account of ${account.length} characters leaves no digit to slip on`);
  const at = random.int(1, account.length - 2);
  switch (random.int(0, 3)) {
    case 0: {
      const digit = String((Number(account[at]) + random.int(1, 9)) % 10);
      return account.slice(0, at) + digit + account.slice(at + 1);
    }
    case 1:
      return account.slice(0, at) + account.slice(at + 1);
    case 2:
      return account.slice(0, at) + random.int(0, 9) + account.slice(at);
    default: {
      const swapped = account.slice(0, at) + account[at + 1] + account[at] + account.slice(at + 2);
      return swapped === account ? account.slice(0, at) + String((Number(account[at]) + 1) % 10) + account.slice(at + 1) : swapped;
    }
  }
}

/**
 * A slip onto an account the payer never paid: paying one they did again is not a mistake.
 * Undefined when every try landed on one they paid (a payer with very many accounts).
 */
export function mistypeUnpaid(random: Random, account: string, paid: ReadonlySet<string>): string | undefined {
  for (let tries = 0; tries < 20; tries += 1) {
    const typed = mistype(random, account);
    if (!paid.has(typed)) return typed;
  }
  return undefined;
}
