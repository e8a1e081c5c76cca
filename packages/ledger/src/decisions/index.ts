// The refund policy applied to flags, in memory: the refund worker plans every batch with it,
// and a backtest runs it in shadow on a candidate policy.
export { decide, guardAgainstAuto, guardIntentGuess, intendedAmount, ruleAction, wasDelivered, type Decision, type DecisionContext, type DecisionStatusAtStart } from './decide';
export { defaultPolicy, defaultRules, ruleFor } from './defaults';
export { tenantDay } from './tenant-day';
export { noFacts, type ChargeFacts } from './charge-facts';
export { budgetKey, chargeKey, planDecisions, type BudgetRead, type DecisionPlan, type PlannedDecision, type TenantContext } from './plan-decisions';
