import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { optionalBodyMark } from './describe-route';

/**
 * Route schemas here describe; they do not validate. Each handler parses its input with the
 * same zod schema its route is described with, after authentication and in the order the
 * answers depend on (401/403 before any 400, `tenant-required` before a bad body, an unknown
 * flag's 404 before its query). Validating at Fastify's validation step would run before the
 * role check and reorder those answers, and Ajv would coerce and rewrite the query in place.
 * Answers are written as they always were: a documented schema never filters a field out.
 */
function describeOnly(app: FastifyInstance): void {
  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
}

type Operations = Record<string, Record<string, Record<string, unknown>>>;

function withOptionalBodies<Document extends { paths?: unknown }>(document: Document): Document {
  for (const path of Object.values((document.paths ?? {}) as Operations)) {
    for (const operation of Object.values(path)) {
      if (!(optionalBodyMark in operation)) continue;
      delete operation[optionalBodyMark];
      (operation.requestBody as { required: boolean }).required = false;
    }
  }
  return document;
}

/** The console's API as OpenAPI 3 at /docs/json, browsable at /docs; register before the routes. */
export async function registerDocs(app: FastifyInstance): Promise<void> {
  describeOnly(app);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Backstop console',
        version: '1',
        description: 'Flags, refund decisions and their review, finance exports, and tenant administration. '
          + 'Every rejection is answered as application/problem+json (RFC 9457) with a stable `type` per reason.',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'An API key, `Authorization: Bearer bsk_…`. Its role decides which routes it may call; each route names them.' },
        },
      },
    },
    transformObject: (document) => ('openapiObject' in document ? withOptionalBodies(document.openapiObject) : document.swaggerObject),
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}
