import PDFDocument from 'pdfkit';
import { formatMoney, formatTime } from '@backstop/messages';
import type { EvidenceFile, EvidenceSections } from './evidence-file';
import type { PdfFont } from './pdf-font';

type Row = Record<string, unknown>;
const A4_MARGIN = 42;

const money = (amount: unknown, currency: unknown) =>
  typeof amount === 'number' && typeof currency === 'string' ? `${formatMoney(amount, currency, 'en')} · ${formatMoney(amount, currency, 'zh')}` : String(amount ?? '');
const time = (iso: unknown) => (typeof iso === 'string' ? formatTime(iso, 'en') : '');
const text = (value: unknown) => (value === undefined || value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value));

/**
 * The evidence file as a PDF a person reads on its own: the same signed document as the JSON
 * form, laid out with the three flows side by side and the audit entries to check. The
 * signature lives in the JSON; the PDF names it and says where to check it.
 */
export function renderEvidencePdf(file: EvidenceFile, font: PdfFont): Promise<Buffer> {
  const d = file.document as EvidenceSections;
  const doc = new PDFDocument({ size: 'A4', margin: A4_MARGIN, info: { Title: `Backstop evidence ${d.flag.flagId}`, Author: 'Backstop', Subject: 'Evidence file / 证据文件' } });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('body', font.path, font.family);
  doc.registerFont('mono', font.path, font.mono ?? font.family);
  const width = doc.page.width - 2 * A4_MARGIN;

  const heading = (en: string, zh: string) => {
    doc.moveDown(0.6).font('body').fontSize(12).fillColor('#000').text(`${en} · ${zh}`, A4_MARGIN, doc.y, { width });
    doc.moveTo(A4_MARGIN, doc.y + 1).lineTo(A4_MARGIN + width, doc.y + 1).strokeColor('#999').stroke().moveDown(0.3);
  };
  const line = (label: string, value: string) => doc.font('body').fontSize(9).fillColor('#000').text(`${label}: `, A4_MARGIN, doc.y, { continued: true, width }).fillColor('#222').text(value);

  doc.font('body').fontSize(17).text('Backstop evidence file · 证据文件', { width });
  doc.fontSize(9).fillColor('#444')
    .text(`Tenant ${d.issuer.tenantId} · issued ${time(d.issuer.issuedAt)} · flag ${d.flag.flagId}`, { width })
    .text(`Signed (JSON form) with Ed25519 key ${file.signature.keyId}, published at ${d.issuer.publicKeyUrl}`, { width });

  heading('What was detected', '检测到的问题');
  line('Rule · 规则', `${d.flag.typeName.en} · ${d.flag.typeName.zh} (${d.informationFlow.rule}), severity ${d.flag.severity}, confidence ${d.flag.confidence}`);
  doc.font('body').fontSize(10).fillColor('#000').text(d.informationFlow.summary.en, { width }).text(d.informationFlow.summary.zh, { width });
  line('Thresholds · 阈值', d.informationFlow.thresholds.map((t) => `${t.name} = ${text(t.value)}`).join('; ') || '—');
  line('Charge received · 收到扣款', time(d.flag.receivedAt));
  line('Flagged · 标记', time(d.flag.flaggedAt));

  heading('The three flows', '三条流水');
  const columnWidth = (width - 16) / 3;
  const top = doc.y;
  const column = (index: number, title: string, entries: string[][]) => {
    const x = A4_MARGIN + index * (columnWidth + 8);
    doc.font('body').fontSize(10).fillColor('#000').text(title, x, top, { width: columnWidth });
    for (const entry of entries) {
      doc.moveDown(0.2);
      doc.font('body').fontSize(8).fillColor('#222');
      for (const part of entry) doc.text(part, x, doc.y, { width: columnWidth });
    }
    return doc.y;
  };
  const fund = (d.fundFlow as Row[]).map((p) => [text(p.paymentId), money(p.amount, p.currency), `${text(p.channel)} · ${time(p.occurredAt)}`]);
  const order = (d.orderFlow as Row[]).map((o) => [`${text(o.orderId)} / ${text(o.paymentId)}`, `${text(o.sku)} × ${text(o.quantity)}`, `${text(o.kind)} · ${text(o.merchantId)}`, o.recipientAccount ? `→ ${text(o.recipientAccount)}` : ''].filter(Boolean));
  const info = [[`rule ${d.informationFlow.rule}`], ...Object.entries(d.informationFlow.observed).map(([k, v]) => [`${k}: ${text(v)}`])];
  if (d.informationFlow.payerAnswer) info.push([`payer answered · 付款人回答: ${text(d.informationFlow.payerAnswer.answer)} (${time(d.informationFlow.payerAnswer.answeredAt)})`]);
  const bottom = Math.max(column(0, 'Fund flow · 资金流', fund), column(1, 'Order flow · 订单流', order), column(2, 'Information flow · 信息流', info));
  doc.y = bottom;
  doc.x = A4_MARGIN;

  heading('Decision', '处理决定');
  if (!d.decision) {
    doc.font('body').fontSize(10).text('No refund decision was made on this flag. · 此告警未产生退款决定。', { width });
  } else {
    line('Decision · 决定', `${d.decision.decisionId} · ${d.decision.action} · now ${d.decision.status}`);
    line('Amount · 金额', money(d.decision.amount, d.decision.currency));
    doc.font('body').fontSize(10).fillColor('#000').text(d.decision.reason.en, { width }).text(d.decision.reason.zh, { width });
    doc.moveDown(0.3);
    for (const step of d.decision.lifecycle) line(time(step.at), `${step.from ?? '—'} → ${step.to} by ${step.actor}`);
  }

  heading('Verification', '核验');
  for (const entry of d.verification.auditEntries) {
    const content = entry.content as Row;
    doc.font('body').fontSize(8.5).fillColor('#000').text(`Audit entry ${entry.seq}: ${text(content.from ?? '—')} → ${text(content.to)} at ${time(content.at)} by ${text(content.actor)}${content.payerAnswer ? ` (payer: ${text(content.payerAnswer)})` : ''}`, { width });
    doc.font('mono').fontSize(7.5).fillColor('#333').text(`hash ${entry.hash}`, { width }).text(`prev ${entry.prevHash}`, { width });
  }
  doc.moveDown(0.4).font('body').fontSize(8).fillColor('#222');
  for (const paragraph of d.verification.howToVerify) doc.text(paragraph, { width }).moveDown(0.2);
  doc.font('mono').fontSize(7).fillColor('#333').text(`signature ${file.signature.value}`, { width });
  doc.end();
  return done;
}
