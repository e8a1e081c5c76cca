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
    expect(response.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(response.body.trim().split('\n')).toEqual([
      'orderId,channel,merchantId,amount',
      `"'=HYPERLINK(""https://evil.example"",""open"")",'+cmd,'@SUM(A1),-5`,
      "ord_1,'-alipay,m_1,3000",
    ]);
    await app.close();
  });

  it("keep a Chinese shop's names byte for byte, and quote away full-width formula starts too", async () => {
    const app = Fastify();
    const rows = [
      { orderId: '订单-0001', merchantId: '卡密商城', sku: '腾讯Q币-100', category: '游戏点卡' },
      { orderId: '＝HYPERLINK("x")', merchantId: '＋商城', sku: '－1', category: '＠礼品卡' },
    ];
    app.get('/export.csv', (_request, reply) => sendCsv(reply, 'export.csv', ['orderId', 'merchantId', 'sku', 'category'], rows));
    const response = await app.inject({ method: 'GET', url: '/export.csv' });
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    const text = new TextDecoder('utf-8', { fatal: true }).decode(response.rawPayload);
    expect(text.trim().split('\n')).toEqual([
      'orderId,merchantId,sku,category',
      '订单-0001,卡密商城,腾讯Q币-100,游戏点卡',
      `"'＝HYPERLINK(""x"")",'＋商城,'－1,'＠礼品卡`,
    ]);
    await app.close();
  });
});
