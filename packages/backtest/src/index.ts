// Replay on history: a candidate rules configuration and refund policy run over a past period
// of the events topic, in shadow, compared with what production flagged and decided.
export { BacktestError } from './backtest-error';
export { resolveCandidate, type Candidate } from './candidate';
export { compareRuns } from './compare';
export { parseInstant, periodOf, type Period } from './period';
export { planRead, type ReadPlan } from './read-plan';
export { newRunId, runBacktest, CHUNK_EVENTS, type BacktestDeps, type BacktestProgress, type BacktestRun } from './run-backtest';
export type { BacktestReport, Comparison, DecisionChange, FlagExample, MoneyDiff, RuleDiff, RulePrecision } from './report';
export { renderReport } from './render-report';
