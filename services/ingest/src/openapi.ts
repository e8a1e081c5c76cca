import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CheckAnswer, CheckIntent, EventMark, MAX_BATCH_EVENTS, WebhookBatch, WebhookEvent } from '@backstop/contracts';
import { exampleAnswer, exampleIntent } from './check/examples';
import { ProblemDetails } from '@backstop/http';

/** What ingest answers, described with zod like the requests, so the document cannot drift. */
const Accepted = z.object({
  status: z.literal('accepted'),
  eventId: z.string(),
  receivedAt: z.iso.datetime(),
  marks: z.array(EventMark).describe('Observations that are not reasons to reject, e.g. amount ≠ unitPrice × quantity.'),
});
const Duplicate = z.object({
  status: z.literal('duplicate').describe('This event id was accepted before; nothing new was recorded.'),
  eventId: z.string(),
  receivedAt: z.iso.datetime().describe('When the first delivery was accepted.'),
  marks: z.array(EventMark).describe('The first delivery\'s marks: the same body, judged the same way.'),
});
const BatchResult = z.union([
  Accepted.extend({ index: z.int() }),
  Duplicate.extend({ index: z.int() }),
  z.object({ index: z.int(), eventId: z.string().optional(), status: z.literal('rejected'), problem: ProblemDetails }),
]);
const BatchAnswer = z.object({ results: z.array(BatchResult) });

const schema = (type: z.ZodType) => z.toJSONSchema(type, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' });
const json = (type: z.ZodType) => ({ 'application/json': { schema: schema(type) } });
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: schema(ProblemDetails) } } });

const signatureHeaders = [
  { name: 'x-tenant-id', in: 'header', required: true, schema: { type: 'string' }, description: 'Your tenant id.' },
  { name: 'webhook-id', in: 'header', required: true, schema: { type: 'string' }, description: 'The event id (single event) or a request id (batch).' },
  { name: 'webhook-timestamp', in: 'header', required: true, schema: { type: 'string', pattern: '^[0-9]{1,12}$' }, description: 'Unix seconds, an integer in digits only (no fraction, sign or exponent); must be within 5 minutes of now.' },
  {
    name: 'webhook-signature', in: 'header', required: true, schema: { type: 'string' },
    description: 'v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{raw body}">; several space-separated during a secret rotation. A compressed body is signed as its JSON, before compression.',
  },
  {
    name: 'content-encoding', in: 'header', required: false, schema: { type: 'string' },
    description: 'How the body is compressed, if it is: gzip (or x-gzip), deflate (zlib format, RFC 1950) or br, once; identity or none for an uncompressed body. The size limit counts the bytes sent and the decompressed bytes.',
  },
];

const rejections = {
  400: problem('Malformed JSON (malformed-json), a body that is not UTF-8 (invalid-utf8), a member name sent twice in one object (duplicate-key, naming its path), a body that does not decompress as its Content-Encoding says, or one whose length is not its Content-Length (invalid-content-length).'),
  401: problem('A missing signature header (missing-signature, naming it), an invalid signature or unknown tenant, a timestamp that is not integer Unix seconds (invalid-timestamp), or one outside the 5-minute tolerance.'),
  413: problem('Body over the size limit, as sent or decompressed.'),
  415: problem('Content type is not application/json, a charset other than UTF-8 is declared (unsupported-charset), or the body is compressed other than once with gzip, deflate or br.'),
  422: problem('The event does not match the contract or the sanity bounds; `errors` lists the offending fields.'),
  429: problem('Over the tenant\'s rate limit; see Retry-After.'),
  503: problem('The event store is unreachable; nothing was recorded. Retry after Retry-After seconds.'),
};

export function openApiDocument() {
  return {
    openapi: '3.0.3',
    info: {
      title: 'Backstop ingest',
      version: '1',
      description:
        'Webhooks from card and virtual-goods platforms. Requests are signed with Standard Webhooks (https://www.standardwebhooks.com). ' +
        'An optional field sent as null is read as left out, as many JSON writers send a value they do not have; a required one sent as null is refused.',
    },
    paths: {
      '/v1/webhooks/payments': {
        post: {
          summary: 'Deliver one event',
          parameters: signatureHeaders,
          requestBody: { required: true, content: json(WebhookEvent) },
          responses: {
            202: { description: 'Accepted: Kafka acknowledged the event.', content: json(Accepted) },
            200: { description: 'A retry of an event already accepted.', content: json(Duplicate) },
            409: problem('This event id was accepted with a different body.'),
            ...rejections,
          },
        },
      },
      '/v1/checks': {
        post: {
          summary: 'Check a payment before charging it: allow, or ask the user to confirm',
          description:
            'The payment the user is about to make (the fields of payment.succeeded without paymentId, with an intentId), judged on the payer\'s state with the detector\'s rules and the tenant\'s settings; nothing is recorded. ' +
            'Always 200 once authentic and well-formed: when no answer can be computed within the deadline (50 ms by default; Redis slow or away), the answer is allow with degraded: true. ' +
            'Send the intentId again on the payment\'s webhook when the user confirms and pays. Signed exactly like a webhook; webhook-id is any unique request id (the intentId will do).',
          parameters: signatureHeaders,
          requestBody: { required: true, content: { 'application/json': { schema: schema(CheckIntent), example: exampleIntent } } },
          responses: {
            200: {
              description: 'The verdict, with a reason (stable code, evidence, message in English and Chinese) for each thing worth confirming.',
              content: { 'application/json': { schema: schema(CheckAnswer), example: exampleAnswer } },
            },
            400: rejections[400],
            401: rejections[401],
            413: rejections[413],
            415: rejections[415],
            422: problem('The check does not match the contract or the amount bounds; `errors` lists the offending fields.'),
            503: problem('The tenant\'s secrets could not be read, so the signature could not be verified. Charge as you would without a check.'),
          },
        },
      },
      '/v1/webhooks/payments:batch': {
        post: {
          summary: `Deliver up to ${MAX_BATCH_EVENTS} events; each is answered on its own`,
          parameters: signatureHeaders,
          requestBody: { required: true, content: json(WebhookBatch) },
          responses: {
            200: { description: 'One result per event, in order.', content: json(BatchAnswer) },
            ...rejections,
            503: {
              description: 'Some events could not be recorded (broker away). Retry the whole batch: accepted events come back as duplicates.',
              content: { 'application/problem+json': { schema: schema(ProblemDetails.extend({ results: z.array(BatchResult) })) } },
            },
          },
        },
      },
    },
  };
}

/** Serves the document at /docs/json and a browsable rendering of it at /docs. */
export async function registerDocs(app: FastifyInstance): Promise<void> {
  await app.register(swagger, { mode: 'static', specification: { document: openApiDocument() as never } });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}
