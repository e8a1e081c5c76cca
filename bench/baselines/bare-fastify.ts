/**
 * The ceiling for the ingest endpoint on this machine: a bare Fastify route that does the
 * unavoidable work of a webhook (read the raw body, check the same HMAC, parse the JSON)
 * and nothing else: no validation, no Redis, no Kafka; and the same for a pre-payment check.
 * Run as its own process:
 *   tsx bench/baselines/bare-fastify.ts <port> <whsec secret>
 */
import Fastify from 'fastify';
import { verifySignature } from '@backstop/signing';

const [portArgument, secret] = process.argv.slice(2);
const app = Fastify({ logger: false, bodyLimit: 1_048_576 });
app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
app.post('/v1/webhooks/payments', async (request, reply) => {
  const body = request.body as Buffer;
  const id = String(request.headers['webhook-id']);
  const ok = verifySignature([secret!], id, String(request.headers['webhook-timestamp']), String(request.headers['webhook-signature']), body);
  if (!ok) return reply.status(401).send({ status: 'invalid' });
  const event = JSON.parse(body.toString('utf8')) as { id: string };
  return reply.status(202).send({ status: 'accepted', eventId: event.id });
});
// The ceiling for a pre-payment check: the same HMAC and parse, and an answer that judged nothing.
app.post('/v1/checks', async (request, reply) => {
  const body = request.body as Buffer;
  const id = String(request.headers['webhook-id']);
  const ok = verifySignature([secret!], id, String(request.headers['webhook-timestamp']), String(request.headers['webhook-signature']), body);
  if (!ok) return reply.status(401).send({ status: 'invalid' });
  const intent = JSON.parse(body.toString('utf8')) as { intentId: string };
  return reply.status(200).send({ intentId: intent.intentId, verdict: 'allow', reasons: [], degraded: false });
});
const address = await app.listen({ host: '127.0.0.1', port: Number(portArgument ?? 0) });
process.stdout.write(`bare fastify listening ${address}\n`);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
