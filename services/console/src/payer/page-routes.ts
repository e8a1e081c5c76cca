import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { PayerAnswerChoice } from '@backstop/contracts';
import { Problem } from '@backstop/http';
import type { Pool } from '@backstop/postgres';
import { buildEvidenceFile } from '../evidence/build-evidence';
import { EvidenceFile } from '../evidence/evidence-file';
import type { PdfFont } from '../evidence/pdf-font';
import { evidencePdfAnswer, sendEvidence, type EvidenceFormat } from '../evidence/send-evidence';
import Negotiator from 'negotiator';
import { html, json, problem } from '../openapi/answers';
import { describeRoute } from '../openapi/describe-route';
import { ReaderLanguageQuery, readerLanguage } from '../reader-language';
import { notValidPage, type AnswerRefusal } from './page-text';
import { loadPayerView } from './payer-case';
import { recordPayerAnswer } from './payer-answer';
import { renderAnswerRefused, renderPayerPage } from './payer-page';
import { resolvePayerLink } from './payer-links';
import { originOf } from '../request-parts';

const TokenParams = z.strictObject({ token: z.string().max(600).describe('The token of a payer link.') });
const AnswerBody = z.strictObject({ answer: PayerAnswerChoice });
const ANSWER_BODY_LIMIT = 16 * 1024;

const pageSchema = describeRoute({
  summary: 'The payer\'s page of a payer link',
  description: 'No API key: the token in the path is the credential. `?lang=en|zh`, else Accept-Language. '
    + 'An expired, revoked, tampered or unknown token gets one and the same "link not valid" page.',
  params: TokenParams,
  querystring: ReaderLanguageQuery,
  responses: { 200: html('The page.'), 404: html('The "link not valid" page, in both languages.') },
});
const answerSchema = describeRoute({
  summary: 'The payer says whether the charge was a mistake',
  description: 'Once per flag, while it is under review; a form post (`answer=mistake|intended`) or JSON. Recorded in the flag\'s information flow '
    + 'and its decision\'s audit trail for the reviewer; it never refunds anything by itself. Answers 303 back to the page.',
  params: TokenParams,
  querystring: ReaderLanguageQuery,
  body: AnswerBody,
  responses: {
    303: { description: 'Recorded; back to the page.' },
    400: problem('`invalid-answer`: the body must be exactly one field, `answer`, `mistake` or `intended` (a name sent twice is no answer); `malformed-json`, `bad-request`: unreadable.'),
    404: html('The "link not valid" page.'),
    409: problem('`not-under-review`: the payment is not under review; `already-answered`: the payer answered before. '
      + 'A request that prefers text/html (the page\'s own form) gets these and `invalid-answer` as a page in the payer\'s language instead, '
      + 'with the same status and a link back to the payer\'s page.'),
    413: problem('`body-too-large`.'),
    415: problem('`unsupported-media-type`: send a form (application/x-www-form-urlencoded) or JSON.'),
  },
});
const evidenceSchema = (format: EvidenceFormat) => describeRoute({
  summary: `The payer's evidence file (${format.toUpperCase()}) of a payer link`,
  description: `The flag's evidence file, as \`GET /v1/flags/{flagId}/evidence.${format}\` gives it to the tenant's roles (account numbers masked), `
    + 'for the payer to keep or pass on. No API key: the token in the path is the credential. '
    + 'An expired, revoked, tampered or unknown token gets the same "link not valid" page as the payer\'s page.',
  params: TokenParams,
  responses: format === 'json'
    ? { 200: json('The signed evidence file.', EvidenceFile), 404: html('The "link not valid" page, in both languages.') }
    : {
      200: evidencePdfAnswer, 404: html('The "link not valid" page, in both languages.'),
      503: problem('`pdf-font-missing`: no font with Chinese glyphs is installed; the JSON form is served.'),
    },
});

/** Nothing a payer link answers may be cached, indexed, or leak its URL to another site. */
function privateAnswer(reply: FastifyReply): FastifyReply {
  return reply
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header('x-robots-tag', 'noindex');
}
function privatePage(reply: FastifyReply): FastifyReply {
  return privateAnswer(reply)
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
    .type('text/html; charset=utf-8');
}

const refusals = new Set<string>(['not-under-review', 'already-answered', 'invalid-answer'] satisfies AnswerRefusal[]);

/**
 * A browser posting the page's form asks for text/html first; an API client asks for JSON, or
 * anything (`*\/*`, no Accept), and gets problem+json, which wins ties by coming first.
 */
const wantsPage = (request: FastifyRequest) =>
  new Negotiator(request).mediaType(['application/problem+json', 'application/json', 'text/html']) === 'text/html';

export interface PayerPageOptions {
  pool: Pool;
  /** Counts each answer of the "link not valid" page. */
  onNotValid: () => void;
  /** Counts, under its problem type, each refused answer told to the payer as a page rather than problem+json. */
  onRejected?: (reason: string) => void;
  /** The origin named in evidence files (where the tenant's key is published); unset, the request's. */
  publicUrl?: string | undefined;
  /** The font with Chinese glyphs evidence PDFs embed; null when none is installed. */
  font: PdfFont | null;
}

export async function payerPageRoutes(app: FastifyInstance, { pool, onNotValid, onRejected, publicUrl, font }: PayerPageOptions): Promise<void> {
  // The page's form posts are urlencoded; only these routes read that type. A name sent twice
  // keeps all its values, so `answer=intended&answer=mistake` is no answer rather than the last.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    const fields = new Map<string, string[]>();
    for (const [name, value] of new URLSearchParams(body as string)) {
      const values = fields.get(name);
      if (values) values.push(value);
      else fields.set(name, [value]);
    }
    // fromEntries defines `__proto__` as a field like any other, which the strict schema refuses.
    done(null, Object.fromEntries([...fields].map(([name, values]) => [name, values.length === 1 ? values[0] : values])));
  });

  const openLink = async (request: FastifyRequest) => {
    const params = TokenParams.safeParse(request.params);
    return params.success ? resolvePayerLink(pool, params.data.token, new Date()) : null;
  };
  const notValid = (reply: FastifyReply) => {
    onNotValid();
    return privatePage(reply).status(404).send(notValidPage);
  };
  const language = (request: FastifyRequest) => {
    const query = ReaderLanguageQuery.safeParse(request.query);
    return readerLanguage(request, query.success ? query.data.lang : undefined);
  };

  app.get('/p/:token', { schema: pageSchema }, async (request, reply) => {
    const link = await openLink(request);
    const view = link && (await loadPayerView(pool, link.tenantId, link.flagId));
    if (!link || !view) return notValid(reply);
    return privatePage(reply).send(renderPayerPage(view, language(request), (request.params as { token: string }).token, { pdf: font !== null }));
  });

  // The file the tenant's roles get, nothing more: it was made to be read by the payer.
  for (const format of ['json', 'pdf'] as const) {
    app.get(`/p/:token/evidence.${format}`, { schema: evidenceSchema(format) }, async (request, reply) => {
      const link = await openLink(request);
      const origin = originOf(request, publicUrl);
      const file = link && (await buildEvidenceFile(pool, link.tenantId, link.flagId, origin, new Date()));
      // A link opens the file only where it opens the page: a decision the payer can follow.
      const decision = file?.document.decision as { status: string } | undefined;
      if (!link || !file || !decision || decision.status === 'shadowed') return notValid(reply);
      return sendEvidence(privateAnswer(reply), file, format, font);
    });
  }

  // An answer is a few bytes; the limit keeps a hostile body from costing the parser anything.
  app.post('/p/:token/answer', { schema: answerSchema, bodyLimit: ANSWER_BODY_LIMIT }, async (request, reply) => {
    const link = await openLink(request);
    if (!link) return notValid(reply);
    const token = (request.params as { token: string }).token;
    try {
      const body = AnswerBody.safeParse(request.body ?? {});
      if (!body.success) {
        throw new Problem(400, 'invalid-answer', 'Invalid answer', 'Send exactly one field, `answer`, holding `mistake` or `intended`.',
          { errors: [{ path: '$.answer', message: 'mistake or intended' }] });
      }
      await recordPayerAnswer(pool, link, body.data.answer, new Date());
    } catch (error) {
      // The payer's browser would show raw JSON in English: the page was opened before a
      // reviewer decided, or answered in another tab. They get words in their language instead.
      if (error instanceof Problem && refusals.has(error.reason) && wantsPage(request)) {
        onRejected?.(error.reason);
        return privatePage(reply).status(error.status).send(renderAnswerRefused(error.reason as AnswerRefusal, language(request), token));
      }
      throw error;
    }
    return reply.header('referrer-policy', 'no-referrer').redirect(`/p/${encodeURIComponent(token)}?lang=${language(request)}`, 303);
  });
}
