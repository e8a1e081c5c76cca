import type { Language } from '@backstop/messages';
import type { PayerStage } from './payer-case';

/** Why an answer from the page was not taken, as the problem types name it. */
export type AnswerRefusal = 'not-under-review' | 'already-answered' | 'invalid-answer';

/** The payer page's own words; what happened and what comes next are `renderPayerSummary`'s. */
export const pageText = {
  en: {
    title: 'About your payment',
    happened: 'What happened',
    next: 'What happens next',
    progress: 'Progress',
    payments: 'Payments of this order',
    payment: 'Payment',
    amount: 'Amount',
    paidAt: 'Paid at',
    question: 'Was this a mistake?',
    questionHelp: 'You can answer once. Your answer helps the shop decide; it does not refund anything by itself.',
    mistake: 'Yes, this was a mistake',
    intended: 'No, I meant it',
    answered: { mistake: 'You told us this was a mistake', intended: 'You told us you meant this payment' },
    evidence: 'Evidence file',
    evidenceHelp: 'The record of this payment and how it was handled, to keep or to show your bank or a regulator. Account numbers in it are masked. '
      + 'The JSON file is signed, so anyone can check that it has not been changed.',
    evidencePdf: 'Download the evidence file (PDF)',
    evidenceJson: 'Download the signed evidence file (JSON)',
    stages: {
      detected: 'Possible mistake detected', review: 'Under review', refund_sent: 'Refund sent',
      refund_confirmed: 'Refund confirmed', refund_failed: 'Refund failed', declined: 'Declined',
    } satisfies Record<PayerStage, string>,
    footer: 'This page is reachable only through the link you were sent, until it expires. It shows no other payment of yours.',
    refused: {
      'not-under-review': {
        title: 'This payment is no longer under review',
        body: 'The shop finished checking this payment before your answer arrived, so your answer was not recorded. Your payment\'s page shows what was decided.',
      },
      'already-answered': {
        title: 'You have already answered',
        body: 'We keep the first answer about a payment, and this one came after it, so nothing changed. Your payment\'s page shows the answer we have.',
      },
      'invalid-answer': {
        title: 'We could not read your answer',
        body: 'Nothing was recorded. Please go back and choose one of the two answers.',
      },
    } satisfies Record<AnswerRefusal, { title: string; body: string }>,
    back: 'Back to your payment',
  },
  zh: {
    title: '关于您的付款',
    happened: '发生了什么',
    next: '接下来会怎样',
    progress: '处理进度',
    payments: '此订单的付款',
    payment: '付款',
    amount: '金额',
    paidAt: '付款时间',
    question: '这是误付吗？',
    questionHelp: '您只能回答一次。您的回答会帮助商家判断，但不会自动触发退款。',
    mistake: '是的，这是误付',
    intended: '不，这是我有意支付的',
    answered: { mistake: '您已告诉我们这是误付', intended: '您已告诉我们这笔付款是有意的' },
    evidence: '证据文件',
    evidenceHelp: '这笔付款及其处理过程的记录，可自行保存，或提供给银行、监管机构。其中的账号均已隐去部分数字。JSON 文件带有数字签名，任何人都可以核验它未被改动。',
    evidencePdf: '下载证据文件（PDF）',
    evidenceJson: '下载带签名的证据文件（JSON）',
    stages: {
      detected: '发现可能的误付', review: '人工核实中', refund_sent: '退款已发出',
      refund_confirmed: '退款已到账', refund_failed: '退款失败', declined: '未予退款',
    } satisfies Record<PayerStage, string>,
    footer: '此页面只能通过发给您的链接打开，链接过期后失效。页面不显示您的其他付款。',
    refused: {
      'not-under-review': {
        title: '这笔付款已不在核实中',
        body: '商家在收到您的回答之前已完成核实，因此您的回答未被记录。处理结果请见您的付款页面。',
      },
      'already-answered': {
        title: '您已回答过',
        body: '每笔付款只保留第一次回答，这次回答在其之后，因此没有任何改变。您的付款页面显示了我们收到的回答。',
      },
      'invalid-answer': {
        title: '无法识别您的回答',
        body: '未记录任何内容。请返回并在两个回答中选择一个。',
      },
    } satisfies Record<AnswerRefusal, { title: string; body: string }>,
    back: '返回您的付款页面',
  },
} satisfies Record<Language, unknown>;

/** One page for every reason a link does not open, in both languages, so it says nothing of why. */
export const notValidPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Link not valid · 链接无效</title><style>body{font-family:system-ui,"WenQuanYi Zen Hei",sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#222}</style></head>
<body><main id="not-valid">
<h1>This link is not valid</h1><p>It may have expired or been withdrawn. Please ask the shop for a new one.</p>
<h1 lang="zh">此链接无效</h1><p lang="zh">链接可能已过期或被撤回。请向商家索取新的链接。</p>
</main></body></html>
`;
