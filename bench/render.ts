/**
 * Renders a stored run again (Markdown and chart) from its JSON, e.g. after the report's
 * layout changed: `npx tsx bench/render.ts bench/results/2026-11-26.json`
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { renderChart, renderMarkdown, type BenchResults } from './report';

const file = process.argv[2];
if (!file?.endsWith('.json')) throw new Error('usage: tsx bench/render.ts <results.json>');
const results = JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
const name = basename(file, '.json');
const chartFile = results.endToEnd ? `${name}.svg` : undefined;
if (results.endToEnd) writeFileSync(join(dirname(file), `${name}.svg`), renderChart(results.endToEnd));
writeFileSync(join(dirname(file), `${name}.md`), renderMarkdown(results, chartFile));
process.stdout.write(`rendered ${join(dirname(file), `${name}.md`)}\n`);
