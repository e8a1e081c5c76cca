import { duplicateExact } from './duplicate-exact';
import type { Rule } from './rule';

export const rules: Rule[] = [duplicateExact];
export type { Finding, Rule, RuleContext } from './rule';
