import { request, type Agent } from 'node:http';

/**
 * POSTs a JSON body over the agent's keep-alive connections and resolves with the status and
 * the answer's text. node:http rather than the global fetch: on this machine fetch cost its
 * caller 840–1,370 µs of CPU per small POST against node:http's 250–460 µs (one request a
 * millisecond, two runs each), and the load generator shares the cores with what it measures.
 */
export function postJson(agent: Agent, url: URL, headers: Record<string, string>, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const call = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    call.on('error', reject);
    call.end(body);
  });
}
