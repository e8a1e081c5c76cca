import { existsSync } from 'node:fs';
import { z } from 'zod';

/**
 * How a service reaches brokers that demand TLS and SASL, as managed Kafka does. All optional:
 * unset, clients speak plaintext without authentication, as to the project's own broker.
 */
export const kafkaSecurityEnv = {
  /** Speak TLS to the brokers. Without KAFKA_SSL_CA_FILE, the brokers' certificates are checked against Node's public CAs. */
  KAFKA_SSL: z.stringbool().default(false),
  /** PEM file of the CA certificates that sign the brokers' certificates (a private CA). */
  KAFKA_SSL_CA_FILE: z.string().min(1).optional(),
  /** PEM client certificate and its unencrypted key, for brokers that require mutual TLS; both or neither. */
  KAFKA_SSL_CERT_FILE: z.string().min(1).optional(),
  KAFKA_SSL_KEY_FILE: z.string().min(1).optional(),
  /** SASL mechanism; unset means no SASL. `plain` is allowed only over TLS, where the password is not sent in the clear. */
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  /** Never logged: the logger redacts it wherever the configuration is printed. */
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
};

type KafkaSecurityEnv = z.infer<z.ZodObject<typeof kafkaSecurityEnv>>;

/**
 * The rules between those settings, for a service schema's `superRefine`: a half-configured
 * connection stops the process at start with a line naming the variable, instead of failing
 * later as a handshake error nobody connects to a missing setting.
 */
export function checkKafkaSecurity(env: KafkaSecurityEnv, context: z.RefinementCtx): void {
  const problem = (variable: keyof KafkaSecurityEnv, message: string) => context.addIssue({ code: 'custom', path: [variable], message });
  const files = ['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE'] as const;
  for (const variable of files) {
    const file = env[variable];
    if (file === undefined) continue;
    if (!env.KAFKA_SSL) problem(variable, 'is set but KAFKA_SSL is not true');
    if (!existsSync(file)) problem(variable, `no such file: ${file}`);
  }
  if ((env.KAFKA_SSL_CERT_FILE === undefined) !== (env.KAFKA_SSL_KEY_FILE === undefined)) {
    problem(env.KAFKA_SSL_CERT_FILE === undefined ? 'KAFKA_SSL_CERT_FILE' : 'KAFKA_SSL_KEY_FILE', 'a client certificate needs both KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE');
  }
  if (env.KAFKA_SASL_MECHANISM === undefined) {
    for (const variable of ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const) {
      if (env[variable] !== undefined) problem(variable, 'is set but KAFKA_SASL_MECHANISM is not');
    }
    return;
  }
  for (const variable of ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const) {
    if (env[variable] === undefined) problem(variable, `is required with KAFKA_SASL_MECHANISM=${env.KAFKA_SASL_MECHANISM}`);
  }
  if (env.KAFKA_SASL_MECHANISM === 'plain' && !env.KAFKA_SSL) {
    problem('KAFKA_SASL_MECHANISM', 'plain sends the password in the clear: set KAFKA_SSL=true as well');
  }
}
