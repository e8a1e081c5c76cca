// Renders a message (a key and its parameters) as a sentence for one reader.
import { decisionMessages, guardMessages } from './decision-messages.js';
import { checkMessages } from './check-messages.js';
import { flagMessages } from './flag-messages.js';
import { formatDuration, formatMoney, formatNumber, formatTime, languageOf, maskAccount } from './format.js';

const templates = {
  en: { ...flagMessages.en, ...decisionMessages.en, ...checkMessages.en },
  zh: { ...flagMessages.zh, ...decisionMessages.zh, ...checkMessages.zh },
};

/** Every key a sentence exists for, in both languages (a test keeps them equal). */
export const messageKeys = Object.freeze(Object.keys(templates.en));

/**
 * Bidirectional controls and other invisible formatting in a platform's text could reorder
 * the sentence around them on screen; the contracts refuse them at the door, and this drops
 * any an older record still carries.
 */
const INVISIBLE = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/**
 * `options.lang`: 'en' or 'zh' (any BCP 47 tag; zh-* is Chinese); `options.accounts`: 'masked'
 * (the default: logs, exports, anyone without the role) or 'whole'; `options.timeZone` for
 * moments (UTC by default). An unknown key or a malformed parameter never throws: the
 * caller's fallback sentence, usually the stored English summary, is returned instead.
 */
export function renderMessage(message, options = {}, fallback = '') {
  const lang = languageOf(options.lang);
  const template = message && typeof message.key === 'string' ? templates[lang][message.key] : undefined;
  if (!template) return fallback;
  const formatters = {
    money: (money) => formatMoney(money.amount, money.currency, lang),
    duration: (seconds) => formatDuration(seconds, lang),
    time: (iso) => formatTime(iso, lang, options.timeZone ?? 'UTC'),
    number: (value, digits) => formatNumber(value, lang, digits),
    account: (account) => (options.accounts === 'whole' ? String(account) : maskAccount(String(account))).replace(INVISIBLE, ''),
    text: (text) => String(text).replace(INVISIBLE, ''),
    guard: (guard) => {
      const guardTemplate = guard && guardMessages[lang][guard.key];
      return guardTemplate ? guardTemplate(guard.params ?? {}, formatters) : '';
    },
  };
  try {
    return template(message.params ?? {}, formatters);
  } catch {
    return fallback;
  }
}
