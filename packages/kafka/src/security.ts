import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { SASLOptions } from 'kafkajs';

/** What KafkaJS needs to reach brokers that demand TLS or SASL; empty for plaintext. */
export interface KafkaSecurity {
  ssl?: ConnectionOptions | true;
  sasl?: SASLOptions;
}

/** The settings `kafkaSecurityEnv` (in @backstop/config) parses and `checkKafkaSecurity` has checked. */
export interface KafkaSecuritySettings {
  KAFKA_SSL: boolean;
  KAFKA_SSL_CA_FILE?: string | undefined;
  KAFKA_SSL_CERT_FILE?: string | undefined;
  KAFKA_SSL_KEY_FILE?: string | undefined;
  KAFKA_SASL_MECHANISM?: 'plain' | 'scram-sha-256' | 'scram-sha-512' | undefined;
  KAFKA_SASL_USERNAME?: string | undefined;
  KAFKA_SASL_PASSWORD?: string | undefined;
}

/**
 * Turns a service's settings into KafkaJS's `ssl` and `sasl`, reading the PEM files once at
 * start. The one place that does, so every client a service creates connects the same way.
 */
export function kafkaSecurity(settings: KafkaSecuritySettings): KafkaSecurity {
  const security: KafkaSecurity = {};
  if (settings.KAFKA_SSL) {
    const tls: ConnectionOptions = {};
    if (settings.KAFKA_SSL_CA_FILE) tls.ca = readFileSync(settings.KAFKA_SSL_CA_FILE, 'utf8');
    if (settings.KAFKA_SSL_CERT_FILE && settings.KAFKA_SSL_KEY_FILE) {
      tls.cert = readFileSync(settings.KAFKA_SSL_CERT_FILE, 'utf8');
      tls.key = readFileSync(settings.KAFKA_SSL_KEY_FILE, 'utf8');
    }
    // `true` leaves every TLS option to Node: its public CAs, full verification.
    security.ssl = Object.keys(tls).length > 0 ? tls : true;
  }
  if (settings.KAFKA_SASL_MECHANISM && settings.KAFKA_SASL_USERNAME && settings.KAFKA_SASL_PASSWORD) {
    security.sasl = { mechanism: settings.KAFKA_SASL_MECHANISM, username: settings.KAFKA_SASL_USERNAME, password: settings.KAFKA_SASL_PASSWORD };
  }
  return security;
}
