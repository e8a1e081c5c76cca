import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
}

/** An answer's status, or its status with headers (a redirect's Location, say). */
export type ReceiverAnswer = number | { status: number; headers: Record<string, string> };

/**
 * A platform's webhook endpoint on a free port: it records every request and answers with
 * `answer(n)`, n counting the requests before this one (an endpoint down at first, say).
 */
export async function startWebhookReceiver(answer: (earlier: number) => ReceiverAnswer = () => 204) {
  const received: ReceivedWebhook[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => { body += chunk; });
    request.on('end', () => {
      const given = answer(received.length);
      const { status, headers } = typeof given === 'number' ? { status: given, headers: {} } : given;
      received.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers, body, answered: status });
      response.writeHead(status, headers).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    received,
    url: (path: string) => `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
export type WebhookReceiver = Awaited<ReturnType<typeof startWebhookReceiver>>;
