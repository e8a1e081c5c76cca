// Formatting for people: money by the currency's minor units and the reader's locale, spans of
// time, moments, and masked account numbers. Plain JavaScript so the console's page imports the
// very same module the services use.

import { iso4217MinorUnits } from './iso-4217.js';

/** The Intl locale each language of the product formats numbers and dates in. */
export const LOCALES = Object.freeze({ en: 'en', zh: 'zh-CN' });

/** 'zh', 'zh-CN', 'zh-Hans-TW' → 'zh'; anything else → 'en'. */
export function languageOf(tag) {
  return typeof tag === 'string' && /^zh\b/i.test(tag.trim()) ? 'zh' : 'en';
}

const exponents = new Map();

/**
 * Digits after the decimal point, ISO 4217's minor units: CNY 2, JPY 0, KWD 3, CLF 4. A code
 * no longer taken (an old record's XDR) is formatted with the runtime's digits for it.
 */
export function currencyExponent(currency) {
  let exponent = iso4217MinorUnits(currency) ?? exponents.get(currency);
  if (exponent === undefined) {
    exponent = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    exponents.set(currency, exponent);
  }
  return exponent;
}

/**
 * The amount as an exact decimal string, built from the integer's digits: dividing by a power
 * of ten in floating point would round amounts past about 2^53 / 100. Sums, which may pass
 * 2^53, come as a string of digits or a bigint and keep every digit.
 */
function decimalOf(minorUnits, exponent) {
  const negative = typeof minorUnits === 'number' ? minorUnits < 0 : String(minorUnits).startsWith('-');
  const whole = typeof minorUnits === 'number' ? String(Math.round(Math.abs(minorUnits))) : String(minorUnits).replace(/^-/, '');
  const digits = whole.padStart(exponent + 1, '0');
  const decimal = exponent === 0 ? digits : `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
  return negative ? `-${decimal}` : decimal;
}

/**
 * One Intl formatter per `key`, made by `make` on first use: making one costs tens of
 * microseconds, formatting with it a few, and every flag's summary formats several. A key
 * names the call site and what varies there (language, currency, time zone, digits), so it
 * is built without looking at the options; the keys are few and the cache stays small.
 */
const intlFormatters = new Map();
export function cachedFormatter(key, make) {
  let formatter = intlFormatters.get(key);
  if (!formatter) {
    formatter = make();
    intlFormatters.set(key, formatter);
  }
  return formatter;
}

/** 5000000 CNY in 'en' → "CN¥50,000.00"; in 'zh' → "¥50,000.00"; 1234 KWD → "KWD 1.234". */
export function formatMoney(minorUnits, currency, lang = 'en') {
  const locale = LOCALES[languageOf(lang)];
  const exponent = currencyExponent(currency);
  const format = cachedFormatter(`money|${locale}|${currency}`, () =>
    new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: exponent, maximumFractionDigits: exponent }));
  // Intl formats a decimal string exactly; a Number would be rounded first.
  return format.format(decimalOf(minorUnits, exponent));
}

const units = {
  en: { s: (n) => `${n} s`, min: (n) => `${n} min`, h: (n) => `${n} h`, d: (n) => `${n} ${n === 1 ? 'day' : 'days'}` },
  zh: { s: (n) => `${n} 秒`, min: (n) => `${n} 分钟`, h: (n) => `${n} 小时`, d: (n) => `${n} 天` },
};

/** A span of time in the coarsest unit that still reads precisely: 8 s, 12 min, 3 h, 2 days. */
export function formatDuration(seconds, lang = 'en') {
  const unit = units[languageOf(lang)];
  const s = Math.max(0, Math.round(seconds));
  if (s < 120) return unit.s(s);
  if (s < 2 * 3600) return unit.min(Math.round(s / 60));
  if (s < 2 * 86_400) return unit.h(Math.round(s / 3600));
  return unit.d(Math.round(s / 86_400));
}

/** A moment, in the reader's locale; the server's renderings say UTC, the page its own zone. */
export function formatTime(iso, lang = 'en', timeZone = 'UTC') {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  const locale = LOCALES[languageOf(lang)];
  return cachedFormatter(`time|${locale}|${timeZone}`, () => new Intl.DateTimeFormat(locale, {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit',
    hour12: false, timeZone, timeZoneName: 'short',
  })).format(date);
}

/** A number with the locale's grouping and at most `digits` decimals. */
export function formatNumber(value, lang = 'en', digits = 1) {
  const locale = LOCALES[languageOf(lang)];
  return cachedFormatter(`number|${locale}|${digits}`, () => new Intl.NumberFormat(locale, { maximumFractionDigits: digits })).format(value);
}

/**
 * Keeps a few characters at each end so a person can tell accounts apart, hides the rest.
 * Counts code points, so a name in Chinese is masked by characters, not UTF-16 halves.
 */
export function maskAccount(account) {
  const chars = [...account];
  if (chars.length <= 4) return '*'.repeat(chars.length);
  const keep = Math.min(3, Math.floor(chars.length / 4));
  return chars.slice(0, keep).join('') + '*'.repeat(chars.length - 2 * keep) + chars.slice(-keep).join('');
}
