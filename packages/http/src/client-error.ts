import { STATUS_CODES, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionError, FastifyInstance } from 'fastify';
import { Problem } from './problem';

const contentLength = (detail: string) => new Problem(400, 'invalid-content-length', 'Content-Length does not match the body', detail);

/**
 * What a request Node's HTTP parser refused is answered, in the terms of the answers table:
 * the parser's code decides, never the bytes it choked on, which are the client's (and may be
 * anyone's secrets). Undefined when nobody is left to answer.
 */
export function clientErrorProblem(error: ConnectionError, afterRequest: boolean): Problem | undefined {
  switch (error.code) {
    case 'ECONNRESET':
      return undefined;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new Problem(408, 'request-timeout', 'Request timeout', 'The request did not arrive in full in time: is the body shorter than its Content-Length?');
    case 'HPE_HEADER_OVERFLOW':
      return new Problem(431, 'headers-too-large', 'Request headers too large', 'The request\'s headers exceed the size allowed.');
    case 'HPE_INVALID_CONTENT_LENGTH':
      return contentLength('Content-Length must be one decimal number of bytes.');
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return contentLength('Content-Length was sent more than once, or with Transfer-Encoding: send one Content-Length, or Transfer-Encoding: chunked alone.');
    case 'HPE_INVALID_TRANSFER_ENCODING':
      if (/Content-Length/.test(error.message)) return contentLength('Transfer-Encoding was sent with Content-Length: send one Content-Length, or Transfer-Encoding: chunked alone.');
      break;
    case 'HPE_INVALID_EOF_STATE':
      return contentLength('The connection ended before the request did: is the body shorter than its Content-Length?');
    case 'HPE_INVALID_METHOD':
      // After a request on the same connection, this is the rest of its body, read as the next request.
      if (afterRequest) return contentLength('Bytes after the end of a request\'s body are not a request: its Content-Length is shorter than the body.');
      break;
  }
  return new Problem(400, 'bad-request', 'Malformed HTTP request', `The request is not valid HTTP/1.1 (${error.code}).`);
}

/**
 * A Fastify `clientErrorHandler` answering requests Node's HTTP parser refused as problem+json
 * (Fastify's own answers `{"error":"Bad Request","message":"Client Error"}`), each counted
 * under its reason, and the server to `watch` so it knows which connections carried a request.
 */
export function problemClientErrors(onRejected?: (reason: string) => void) {
  const carriedRequest = new WeakSet<Socket>();
  return {
    watch(server: Server): void {
      server.on('request', (request: { socket: Socket }) => carriedRequest.add(request.socket));
    },
    handler(this: FastifyInstance, error: ConnectionError, socket: Socket): void {
      const problem = socket.destroyed ? undefined : clientErrorProblem(error, carriedRequest.has(socket));
      if (problem === undefined) return;
      this.log.debug({ code: error.code }, 'refused a request the HTTP parser could not read');
      onRejected?.(problem.reason);
      if (socket.writable) {
        const body = JSON.stringify(problem.toJSON());
        socket.write(
          `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\nContent-Type: application/problem+json\r\n` +
            `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        );
      }
      // The parser cannot go on with this connection: what follows on it has no known start.
      socket.destroy();
    },
  };
}
