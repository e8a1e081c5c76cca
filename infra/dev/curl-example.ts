import { secretKey } from '@backstop/signing';

/**
 * A shell snippet that signs and posts one example payment with curl and openssl. It signs
 * at the moment it runs, so it keeps working long after it was printed.
 */
export function curlExample(ingestUrl: string, tenantId: string, webhookSecret: string): string {
  const hexKey = secretKey(webhookSecret).toString('hex');
  return [
    `ts=$(date +%s); n=$(date +%s%N); id="evt_demo_$n"; now=$(date -u +%Y-%m-%dT%H:%M:%SZ)`,
    `body='{"id":"'$id'","type":"payment.succeeded","occurredAt":"'$now'","data":{"paymentId":"pay_'$n'","orderId":"ord_demo_1","payerId":"u_demo","merchantId":"m_demo","kind":"purchase","sku":"genshin-welkin-30d","category":"game-card","quantity":1,"unitPrice":3000,"amount":3000,"currency":"CNY","recipientAccount":"8000123456","recipientVerified":true,"channel":"alipay"}}'`,
    `sig=$(printf '%s' "$id.$ts.$body" | openssl dgst -sha256 -mac HMAC -macopt hexkey:${hexKey} -binary | base64)`,
    `curl -sS -X POST ${ingestUrl}/v1/webhooks/payments -H 'content-type: application/json' -H 'x-tenant-id: ${tenantId}' -H "webhook-id: $id" -H "webhook-timestamp: $ts" -H "webhook-signature: v1,$sig" -d "$body"`,
  ].join('\n');
}
