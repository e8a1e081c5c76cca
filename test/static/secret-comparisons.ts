import ts from 'typescript';
import { visit, where } from './source-files';

/** Operands that hold, or are derived from, secret material. */
const SECRET_MATERIAL = /secret|signature|digest|hash|candidate|expected|presented|apikey|key_hash/i;

const EQUALITY = new Set([ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken, ts.SyntaxKind.EqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsToken]);

/** Equality methods that stop at the first differing byte. */
const EARLY_EXIT_METHODS = new Set(['equals', 'compare', 'localeCompare']);

export interface ComparisonFinding {
  at: string;
  code: string;
}

/** A length is public (every digest of a kind has the same one), so comparing it leaks nothing. */
function isSecretOperand(node: ts.Expression, source: ts.SourceFile): boolean {
  if (ts.isPropertyAccessExpression(node) && node.name.text === 'length') return false;
  return SECRET_MATERIAL.test(node.getText(source));
}

/**
 * Comparisons of secret material that could end early and so time out how much of a guess
 * was right: `===` and friends, `Buffer#equals`, `Buffer.compare`, `localeCompare`.
 */
export function findEarlyExitComparisons(source: ts.SourceFile): ComparisonFinding[] {
  const findings: ComparisonFinding[] = [];
  const report = (node: ts.Node) => findings.push({ at: where(source, node), code: node.getText(source) });
  visit(source, (node) => {
    if (ts.isBinaryExpression(node) && EQUALITY.has(node.operatorToken.kind)) {
      if (isSecretOperand(node.left, source) || isSecretOperand(node.right, source)) report(node);
    }
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && EARLY_EXIT_METHODS.has(node.expression.name.text)) {
      const operands = [node.expression.expression, ...node.arguments];
      if (operands.some((operand) => isSecretOperand(operand, source))) report(node);
    }
  });
  return findings;
}

export function callsTimingSafeEqual(source: ts.SourceFile): boolean {
  let found = false;
  visit(source, (node) => {
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'timingSafeEqual') found = true;
  });
  return found;
}
