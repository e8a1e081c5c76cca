// The detector's core: the rules, the payers' state in Redis and one batch's run through both.
// The detector service consumes with it; whatever else must judge a payment the same way
// (a check before the charge, a backtest on past traffic) uses it too.
export { detectBatch, type BatchOutcome, type DetectDeps, type SourceBatch } from './detect-batch';
export { decodeEvent, deliveryOf, paymentOf } from './decode-event';
export { buildFlag } from './flag-builder';
export { evaluateRules, rules, type Finding, type Rule, type RuleContext } from './rules';
export { msOf } from './rules/payment-time';
export { DatabaseRulesConfig, fixedRulesConfig, type RulesConfigSource } from './policy/tenant-rules';
export { createPayerStateStore, stateLimitsOf } from './state/create-store';
export { PayerStateSettings, payerStateEnv } from './state/state-settings';
export {
  PayerStateStore,
  parseSnapshot,
  type DeliveryRequest,
  type Observation,
  type ObserveRequest,
  type StateLimits,
} from './state/payer-state';
export type { PayerSnapshot } from './state/payer-snapshot';
export { StoredFlags } from './state/stored-flags';
export { StateSentinel, type SentinelReading } from './state/state-sentinel';
export { slotsLost, WHOLE_STATE_LOST, type StateLoss } from './state/state-loss';
export { watchMasterChanges, type MasterChange } from './state/failover-watch';
export { StateStatus, marksFlags, parseStatus } from './state/state-status';
export { keyPart, payerKeys, rebuildLockKey, skuPricesKey, stateSentinelKey } from './state/keys';
export { defineDetectorScripts } from './state/scripts';
export { observePaymentArgs, packLimits, type JudgedAhead } from './state/observe-args';
export { toCompact } from './state/compact-payment';
export { SkuPriceBook, isCataloguePrice, unitPriceOf, type SkuSummary } from './state/sku-prices';
export { PayerStateReader } from './state/payer-reader';
export type { ReadPayerArgs } from './state/read-payer-args';
export { PaymentCheck, type CheckOutcome } from './check/payment-check';
export { createPaymentCheck } from './check/create-check';
export { candidateIdOf, candidatePayment } from './check/candidate';
export { judgeIntent } from './check/judge-intent';
export { WarningLog, confirmedWarningOf } from './check/warning-log';
export { singleEdit } from './stats/edit-distance';
export { median } from './stats/robust';
