import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { sendCsv } from './csv';

describe('CSV exports', () => {
  it('quote away cells a spreadsheet would run as formulas, and leave numbers alone', async () => {
    const app = Fastify();
    const rows = [
      { orderId: '=HYPERLINK("https://evil.example","open")', channel: '+cmd', merchantId: '@SUM(A1)', amount: -5 },
      { orderId: 'ord_1', channel: '-alipay', merchantId: 'm_1', amount: 3000 },
    ];
    app.get('/export.csv', (_request, reply) => sendCsv(reply, 'export.csv', ['orderId', 'channel', 'merchantId', 'amount'], rows));
    const response = await app.inject({ method: 'GET', url: '/export.csv' });
    expect(response.body.trim().split('\n')).toEqual([
      'orderId,channel,merchantId,amount',
      `"'=HYPERLINK(""https://evil.example"",""open"")",'+cmd,'@SUM(A1),-5`,
      "ord_1,'-alipay,m_1,3000",
    ]);
    await app.close();
  });
});
