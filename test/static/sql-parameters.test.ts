import { describe, expect, it } from 'vitest';
import { findInterpolatedSql } from './sql-interpolation';
import { parseSource, typeScriptFiles } from './source-files';

const findingsIn = (code: string, file = 'sample.ts') => findInterpolatedSql(parseSource(file, code)).map((finding) => `${finding.at} ${finding.code}`);
const listFlags = 'services/console/src/flags/list-flags.ts';

describe('SQL only through parameters', () => {
  it('finds values spliced into SQL by interpolation, concatenation or a bogus placeholder', () => {
    expect(findingsIn('pool.query(`SELECT * FROM flags WHERE tenant_id = \'${tenantId}\'`);')).toEqual(['sample.ts:1 tenantId']);
    expect(findingsIn('const sql = "SELECT * FROM flags WHERE payer_id = \'" + payer + "\'";')).toEqual(['sample.ts:1 payer']);
    expect(findingsIn('pool.query(`DELETE FROM t WHERE id = $${request.query.id}`);')).toEqual(['sample.ts:1 request.query.id']);
    expect(findingsIn('client.query(`${verb} t`, []);')).toEqual(['sample.ts:1 verb']);
    expect(findingsIn('let where = "x = 1";\nwhere += " AND y = " + y;', listFlags)).toEqual([`${listFlags}:2 y`]);
    // A fixed fragment is trusted only in the files it was checked in.
    expect(findingsIn('pool.query(`SELECT * FROM t WHERE ${where}`);')).toEqual(['sample.ts:1 where']);
  });

  it('accepts parameters, placeholder numbers, fixed fragments and quoted identifiers', () => {
    expect(findingsIn([
      "pool.query('SELECT 1 FROM tenants WHERE tenant_id = $1', [tenantId]);",
      'pool.query(`SELECT ${FLAG_COLUMNS} FROM ${FLAG_FROM} WHERE ${where} LIMIT $${params.length}`, params);',
      'pool.query(`SELECT ${withEvidence ? \'f.evidence\' : \'NULL\'} FROM t WHERE x > $${n - 2}`, params);',
      'admin.query(`CREATE DATABASE ${quoteIdentifier(name)}`);',
      'logger.info(`consumed ${count} events from ${topic}`);',
    ].join('\n'), listFlags)).toEqual([]);
  });

  it('holds in every TypeScript file of the services and packages', () => {
    const files = typeScriptFiles('services', 'packages');
    expect(files.length).toBeGreaterThan(50);
    const findings = files.flatMap((file) => findInterpolatedSql(parseSource(file)));
    expect(findings.map((finding) => `${finding.at}: ${finding.code} — ${finding.why}`)).toEqual([]);
  });
});
