import ts from 'typescript';
import { visit, where } from './source-files';

const flags = (...files: string[]) => files.map((file) => `services/console/src/flags/${file}`);

/**
 * Names whose values are fixed SQL text, never a caller's value, and the files that may splice
 * them into a statement:
 * - FLAG_COLUMNS, FLAG_FROM: the flag view's column list and join (flags/flag-view.ts);
 * - COMMITTED: the feed's snapshot condition (flags/flag-feed.ts);
 * - where: what filterClause returns, fixed clauses whose values went to `params` as $n;
 * - dimension: one of three fixed column expressions chosen by an enum (finance/reconciliation.ts);
 * - REFUNDS_ELSEWHERE_OF_D: the platform's own refunds of a decision's charge (refunds/refunded-elsewhere.ts).
 */
export const sqlFragments: ReadonlyMap<string, readonly string[]> = new Map([
  ['FLAG_COLUMNS', flags('flag-feed.ts', 'list-flags.ts')],
  ['FLAG_FROM', flags('flag-feed.ts', 'list-flags.ts')],
  ['COMMITTED', flags('flag-feed.ts')],
  ['where', flags('flag-feed.ts', 'list-flags.ts')],
  ['dimension', ['services/console/src/finance/reconciliation.ts']],
  ['REFUNDS_ELSEWHERE_OF_D', ['services/console/src/refunds/review.ts', 'services/console/src/payer/payer-case.ts']],
]);

/** Functions that quote an identifier for statements that take no parameters (CREATE DATABASE). */
const identifierQuoters: ReadonlySet<string> = new Set(['quoteIdentifier', 'escapeIdentifier']);

/** Upper-case keywords: the project writes SQL in capitals, prose and log lines in lower case. */
const SQL_WORDS = /\b(SELECT|INSERT INTO|UPDATE|DELETE FROM|WHERE|FROM|JOIN|VALUES|RETURNING|ORDER BY|GROUP BY|LIMIT|AND|CREATE|DROP)\b/;

export interface SqlFinding {
  at: string;
  code: string;
  why: string;
}

const literalText = (template: ts.TemplateExpression) => [template.head.text, ...template.templateSpans.map((span) => span.literal.text)].join(' ');
const isStringLiteral = (node: ts.Node) => ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node);

function looksLikeSql(node: ts.Node): boolean {
  if (isStringLiteral(node)) return SQL_WORDS.test((node as ts.StringLiteral).text);
  if (ts.isTemplateExpression(node)) return SQL_WORDS.test(literalText(node));
  return false;
}

function isQueryArgument(node: ts.Node): boolean {
  const call = node.parent;
  return ts.isCallExpression(call) && call.arguments[0] === node && ts.isPropertyAccessExpression(call.expression) && call.expression.name.text === 'query';
}

/** A number for a `$n` placeholder: a literal, a `.length`, a counter, or sums of those. */
function isPlaceholderNumber(node: ts.Expression): boolean {
  if (ts.isNumericLiteral(node) || ts.isIdentifier(node)) return true;
  if (ts.isPropertyAccessExpression(node)) return node.name.text === 'length';
  if (ts.isParenthesizedExpression(node)) return isPlaceholderNumber(node.expression);
  if (ts.isBinaryExpression(node) && [ts.SyntaxKind.PlusToken, ts.SyntaxKind.MinusToken].includes(node.operatorToken.kind)) {
    return isPlaceholderNumber(node.left) && isPlaceholderNumber(node.right);
  }
  return false;
}

/** Text that is SQL by construction: literals, allowlisted fragments, quoted identifiers, or a choice among those. */
function isFixedSql(node: ts.Expression, file: string): boolean {
  if (isStringLiteral(node)) return true;
  if (ts.isIdentifier(node)) return sqlFragments.get(node.text)?.includes(file) ?? false;
  if (ts.isParenthesizedExpression(node)) return isFixedSql(node.expression, file);
  if (ts.isConditionalExpression(node)) return isFixedSql(node.whenTrue, file) && isFixedSql(node.whenFalse, file);
  if (ts.isCallExpression(node) && ts.isIdentifier(node.expression)) return identifierQuoters.has(node.expression.text);
  return false;
}

/**
 * Places where a value could be spliced into SQL text instead of passed as a parameter:
 * template literals that read as SQL (or are the text handed to `.query`) with a `${…}` that
 * is not fixed SQL, a `$${…}` placeholder that is not a number, and `+` joining SQL to
 * anything but fixed SQL.
 */
export function findInterpolatedSql(source: ts.SourceFile): SqlFinding[] {
  const findings: SqlFinding[] = [];
  const report = (node: ts.Node, why: string) => findings.push({ at: where(source, node), code: node.getText(source).split('\n')[0]!.trim(), why });
  visit(source, (node) => {
    if (ts.isTemplateExpression(node)) {
      const sql = looksLikeSql(node) || isQueryArgument(node);
      node.templateSpans.forEach((span, index) => {
        const before = index === 0 ? node.head.text : node.templateSpans[index - 1]!.literal.text;
        if (before.endsWith('$')) {
          if (!isPlaceholderNumber(span.expression)) report(span.expression, 'a $n placeholder built from something other than a number');
        } else if (sql && !isFixedSql(span.expression, source.fileName)) {
          report(span.expression, 'interpolated into SQL: pass it as a $n parameter (or name a fixed fragment in sqlFragments, saying why)');
        }
      });
    }
    if (ts.isBinaryExpression(node) && [ts.SyntaxKind.PlusToken, ts.SyntaxKind.PlusEqualsToken].includes(node.operatorToken.kind)) {
      const sides = [node.left, node.right];
      if (sides.some(looksLikeSql) || (node.parent && isQueryArgument(node))) {
        for (const side of sides) if (!looksLikeSql(side) && !isFixedSql(side, source.fileName)) report(side, 'concatenated into SQL: pass it as a $n parameter');
      }
    }
  });
  return findings;
}
