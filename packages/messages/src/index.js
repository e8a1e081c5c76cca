export { currencyExponent, formatDuration, formatMoney, formatNumber, formatTime, languageOf, LOCALES, maskAccount } from './format.js';
export { flagTypeNames } from './decision-messages.js';
export { messageKeys, renderMessage } from './render.js';
export { formatPayerMoment, payerDeclines, renderPayerSummary } from './payer-messages.js';
export { CURRENCIES_WITHOUT_MINOR_UNITS, iso4217MinorUnits } from './iso-4217.js';
