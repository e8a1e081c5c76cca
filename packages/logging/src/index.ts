import pino, { type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * Where secrets or account numbers could sit in a logged object. Services never log payloads
 * on purpose; this is the net under that rule.
 */
export const redactedPaths = [
  'secret', '*.secret', 'secrets', '*.secrets',
  'apiKey', '*.apiKey', 'key', '*.key',
  'authorization', '*.authorization',
  'req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers["webhook-signature"]',
  'recipientAccount', '*.recipientAccount', '*.*.recipientAccount', '*.*.*.recipientAccount',
  // Connection strings may carry a password.
  'config.DATABASE_URL', 'config.REDIS_URL',
  // The Kafka SASL password, in the configuration line and in a client's options (`sasl.password`).
  'config.KAFKA_SASL_PASSWORD', 'password', '*.password', '*.*.password',
];

export const REDACTED = '[redacted]';

export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  const options: LoggerOptions = {
    name,
    level,
    redact: { paths: redactedPaths, censor: REDACTED },
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  // `npm start` asks its children for pretty lines when it runs in a terminal itself.
  if ((process.stdout.isTTY || process.env.FORCE_PRETTY_LOGS === '1') && !process.env.CI) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { singleLine: true } } });
  }
  return pino(options);
}

/**
 * One line at start with the settings a service runs with, so an operator sees what is in
 * effect; connection strings are redacted like any secret.
 */
export function logConfiguration(logger: Logger, config: object): void {
  logger.info({ config }, 'configuration');
}
