import { formatMoney, formatPayerMoment, renderPayerSummary, type Language } from '@backstop/messages';
import { pageText, type AnswerRefusal } from './page-text';
import type { PayerView } from './payer-case';

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const styles = `
body{font-family:system-ui,"WenQuanYi Zen Hei","Noto Sans CJK SC",sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1d2329;line-height:1.5}
nav{text-align:right}nav a{margin-left:.75rem}nav a[aria-current]{font-weight:bold;text-decoration:none;color:inherit}
section{margin:1.5rem 0}h2{font-size:1.05rem;margin-bottom:.3rem}
ol.steps{list-style:none;padding:0}ol.steps li{padding:.35rem .6rem;border-left:4px solid #ccc;margin:.2rem 0}
ol.steps li.done{border-color:#2f8f4e}ol.steps li.current{border-color:#d28a00;font-weight:bold}ol.steps li.upcoming{color:#888}
ol.steps time{color:#555;font-weight:normal;margin-left:.5rem}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #eee}td.money{text-align:right}
form button{font-size:1rem;padding:.5rem 1rem;margin:.3rem .5rem .3rem 0}.answered{background:#eef6ff;padding:.6rem .8rem}
footer{color:#666;font-size:.85rem}`;

/** The payer's page in one language: plain words first, then the steps, the order's payments and the evidence file. */
export function renderPayerPage(view: PayerView, lang: Language, token: string, { pdf = true }: { pdf?: boolean } = {}): string {
  const t = pageText[lang];
  const { happened, next } = renderPayerSummary(view.summary, { lang, timeZone: view.timeZone });
  const moment = (iso: string) => escapeHtml(formatPayerMoment(iso, lang, view.timeZone));
  const self = `/p/${encodeURIComponent(token)}`;
  const steps = view.steps.map((step) =>
    `<li class="${step.state}" data-stage="${step.stage}">${escapeHtml(t.stages[step.stage])}${step.at ? `<time datetime="${step.at}">${moment(step.at)}</time>` : ''}</li>`).join('');
  const payments = view.payments.map((p) =>
    `<tr><td><code>${escapeHtml(p.paymentId)}</code></td><td>${moment(p.occurredAt)}</td><td class="money">${escapeHtml(formatMoney(p.amount, p.currency, lang))}</td></tr>`).join('');
  const question = view.answer
    ? `<p class="answered" id="answer">${escapeHtml(t.answered[view.answer.answer])} (${moment(view.answer.answeredAt)}).</p>`
    : view.canAnswer
      ? `<h2>${t.question}</h2><p>${t.questionHelp}</p>
<form method="post" action="${self}/answer?lang=${lang}" id="answer-form">
<button type="submit" name="answer" value="mistake">${t.mistake}</button><button type="submit" name="answer" value="intended">${t.intended}</button>
</form>`
      : '';
  return `<!doctype html>
<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${t.title}</title><style>${styles}</style></head>
<body>
<nav><a href="${self}?lang=en" hreflang="en"${lang === 'en' ? ' aria-current="page"' : ''}>English</a><a href="${self}?lang=zh" hreflang="zh"${lang === 'zh' ? ' aria-current="page"' : ''}>中文</a></nav>
<h1>${t.title}</h1>
<section><h2>${t.happened}</h2><p id="happened">${escapeHtml(happened)}</p></section>
<section><h2>${t.next}</h2><p id="next">${escapeHtml(next)}</p></section>
<section><h2>${t.progress}</h2><ol class="steps">${steps}</ol></section>
<section><h2>${t.payments}</h2><table id="payments"><thead><tr><th>${t.payment}</th><th>${t.paidAt}</th><th>${t.amount}</th></tr></thead><tbody>${payments}</tbody></table></section>
<section>${question}</section>
<section id="evidence"><h2>${t.evidence}</h2><p>${t.evidenceHelp}</p>
<ul>${pdf ? `<li><a id="evidence-pdf" href="${self}/evidence.pdf" download>${t.evidencePdf}</a></li>` : ''}<li><a id="evidence-json" href="${self}/evidence.json" download>${t.evidenceJson}</a></li></ul></section>
<footer>${t.footer}</footer>
</body></html>
`;
}

/**
 * What the payer's browser shows when the page's form posted an answer that was not taken (the
 * page was opened before a reviewer decided, or answered in another tab): what happened, in
 * the page's language, and the way back to the payment's page.
 */
export function renderAnswerRefused(reason: AnswerRefusal, lang: Language, token: string): string {
  const t = pageText[lang];
  const { title, body } = t.refused[reason];
  const back = escapeHtml(`/p/${encodeURIComponent(token)}?lang=${lang}`);
  return `<!doctype html>
<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${styles}</style></head>
<body><main id="answer-refused" data-reason="${reason}">
<h1>${escapeHtml(title)}</h1><p>${escapeHtml(body)}</p>
<p><a id="back" href="${back}">${escapeHtml(t.back)}</a></p>
</main>
<footer>${escapeHtml(t.footer)}</footer>
</body></html>
`;
}
