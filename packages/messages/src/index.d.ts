import type { CheckMessage, DecisionMessage, FlagMessage, FlagType } from '@backstop/contracts';

export type Language = 'en' | 'zh';
export declare const LOCALES: Readonly<Record<Language, string>>;
export declare function languageOf(tag: string | undefined | null): Language;
export declare function currencyExponent(currency: string): number;
export declare function iso4217MinorUnits(code: string): number | undefined;
export declare const CURRENCIES_WITHOUT_MINOR_UNITS: ReadonlySet<string>;
/** `minorUnits` a number, or for a sum past 2^53 a string of digits or a bigint, formatted exactly. */
export declare function formatMoney(minorUnits: number | bigint | string, currency: string, lang?: string): string;
export declare function formatDuration(seconds: number, lang?: string): string;
export declare function formatTime(iso: string, lang?: string, timeZone?: string): string;
export declare function formatNumber(value: number, lang?: string, digits?: number): string;
export declare function maskAccount(account: string): string;
export declare const flagTypeNames: Record<Language, Record<FlagType, string>>;
export declare const messageKeys: readonly string[];

export interface RenderOptions {
  lang?: string;
  /** 'masked' unless the reader may see whole account numbers. */
  accounts?: 'masked' | 'whole';
  timeZone?: string;
}
export declare function renderMessage(message: FlagMessage | DecisionMessage | CheckMessage | null | undefined, options?: RenderOptions, fallback?: string): string;

export interface PayerMoney {
  amount: number;
  currency: string;
}
/**
 * Why a refund did not reach the payer, in a category they can read: not refunded because it
 * was refunded another way, the payer said they meant it, the reviewer judged it intended, the
 * payer was warned before paying, the goods were delivered, the amount is past what the shop
 * refunds automatically, or the shop declined for another reason; or the payment provider
 * refused the refund.
 */
export type PayerDecline = 'refunded_elsewhere' | 'payer_said_intended' | 'judged_intended' | 'warned_before_paying' | 'goods_delivered'
  | 'over_auto_limit' | 'shop_declined' | 'provider_refused';
export declare const payerDeclines: readonly PayerDecline[];
/** One flagged charge as its payer may read about it. */
export interface PayerCase {
  type: FlagType;
  orderId: string;
  paidAt: string;
  amount: PayerMoney;
  /** Payments of this order (a duplicate's count), or of the burst. */
  payments: number;
  status: 'pending_review' | 'approved' | 'sent' | 'succeeded' | 'failed' | 'rejected';
  refund: PayerMoney;
  channel?: string | undefined;
  usual?: PayerMoney | undefined;
  factor?: number | undefined;
  recipientAccount?: string | undefined;
  meantAccount?: string | undefined;
  item?: string | undefined;
  confirmed?: PayerMoney | undefined;
  confirmedAt?: string | undefined;
  /** Why a rejected or failed refund did not reach the payer. */
  declined?: PayerDecline | undefined;
}
export declare function formatPayerMoment(iso: string, lang?: string, timeZone?: string): string;
export declare function renderPayerSummary(payerCase: PayerCase, options?: { lang?: string; timeZone?: string }): { happened: string; next: string };
