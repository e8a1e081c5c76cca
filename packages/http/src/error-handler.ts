import type { FastifyError, FastifyInstance } from 'fastify';
import { Problem } from './problem';

/** A body over the size limit, however that was found. */
export const bodyTooLarge = (detail: string) => new Problem(413, 'body-too-large', 'Request body too large', detail);

/** Fastify's own rejections (before our handlers run), translated into problem details. */
function fromFastifyError(error: FastifyError): Problem {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return bodyTooLarge(error.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new Problem(415, 'unsupported-media-type', 'Unsupported content type', 'Send application/json.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new Problem(400, 'invalid-content-length', 'Content-Length does not match the body', error.message);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new Problem(400, 'malformed-json', 'Request body is empty');
    default:
      if (error.statusCode && error.statusCode < 500) {
        return new Problem(error.statusCode, 'bad-request', 'Bad request', error.message);
      }
      return new Problem(500, 'internal', 'Internal error');
  }
}

export function installProblemHandlers(app: FastifyInstance, onRejected: (reason: string) => void): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const problem = error instanceof Problem ? error : fromFastifyError(error);
    if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
    onRejected(problem.reason);
    if (problem.extensions.retryAfterSeconds !== undefined) {
      void reply.header('retry-after', String(problem.extensions.retryAfterSeconds));
    }
    return reply.status(problem.status).type('application/problem+json').send(problem.toJSON());
  });
  app.setNotFoundHandler((request, reply) => {
    onRejected('not-found');
    return reply
      .status(404)
      .type('application/problem+json')
      .send(new Problem(404, 'not-found', 'Not found', `${request.method} ${request.url.split('?')[0]}`).toJSON());
  });
}
