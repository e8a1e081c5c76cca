import type { DecisionMessage, Evidence, FlagType, PaymentSnapshot } from '@backstop/contracts';
import { flagTypeNames, formatMoney, renderMessage } from '@backstop/messages';
import type { Pool } from '@backstop/postgres';
import { maskAccounts } from '../auth/mask';
import { tenantKeys } from '../signing/tenant-keys';
import type { AuditEntry, EvidenceFile, EvidenceSections } from './evidence-file';
import { publicJwk, signSections } from './evidence-signature';

/** Where anyone fetches a tenant's evidence-signing key; relative to the console's origin. */
export const publicKeyPath = (tenantId: string) => `/.well-known/backstop/evidence-keys/${encodeURIComponent(tenantId)}`;

export const howToVerify = [
  'Offline: `npm run cli -- evidence verify FILE [--key KEY.json]`, with the key fetched from publicKeyUrl. By hand, as follows.',
  'Signature: for each section of `document`, SHA-256 of its canonical JSON (RFC 8785) in hex must equal `signature.digests[section]`; '
    + 'the Ed25519 signature `signature.value` (base64url) must verify over the canonical JSON of { "keyId": signature.keyId, "digests": signature.digests } '
    + 'with the tenant\'s public key (JWK at publicKeyUrl, also in issuer.publicKey).',
  'Audit chain: each entry\'s hash is SHA-256 over the 32 bytes of prevHash followed by the canonical JSON of content. '
    + 'The entries here are those of this decision; Backstop\'s `npm run audit:verify` walks the tenant\'s whole chain, in which they are rows `seq`.',
];

interface EvidenceRow {
  tenant_id: string;
  flag_id: string;
  type: FlagType;
  severity: string;
  confidence: number;
  payment: PaymentSnapshot;
  evidence: Evidence;
  received_at: Date;
  flagged_at: Date;
  decision_id: string | null;
  action: string | null;
  status: string | null;
  amount: number | null;
  currency: string | null;
  reason: string | null;
  reason_message: DecisionMessage | null;
}

const both = (render: (lang: 'en' | 'zh') => string) => ({ en: render('en'), zh: render('zh') });

/** The flag's evidence file, signed with its tenant's key; null for no such flag of the tenant. */
export async function buildEvidenceFile(pool: Pool, tenantId: string | null, flagId: string, origin: string, now: Date): Promise<EvidenceFile | null> {
  const found = await pool.query<EvidenceRow>(
    `SELECT f.tenant_id, f.flag_id, f.type, f.severity, f.confidence, f.payment, f.evidence, f.received_at, f.flagged_at,
            d.decision_id, d.action, d.status, d.amount, d.currency, d.reason, d.reason_message
       FROM flags f LEFT JOIN refund_decisions d ON d.tenant_id = f.tenant_id AND d.payment_id = f.payment_id
      WHERE f.flag_id = $1 AND ($2::text IS NULL OR f.tenant_id = $2)`,
    [flagId, tenantId],
  );
  const row = found.rows[0];
  if (!row) return null;
  const audit = row.decision_id
    ? (await pool.query<{ seq: string; content: Record<string, unknown> & { from: string | null; to: string; at: string; actor: string }; prev_hash: Buffer; hash: Buffer }>(
      'SELECT seq, content, prev_hash, hash FROM decision_audit WHERE tenant_id = $1 AND decision_id = $2 ORDER BY seq',
      [row.tenant_id, row.decision_id],
    )).rows
    : [];
  const keys = await tenantKeys(pool, row.tenant_id);
  const info = row.evidence.informationFlow;
  // The file may go to the payer or a regulator: account numbers masked, as for finance.
  const masked = maskAccounts({ payment: row.payment, fundFlow: row.evidence.fundFlow, orderFlow: row.evidence.orderFlow, observed: info.observed, summary: info.summary }, 'finance');
  const auditEntries: AuditEntry[] = audit.map((entry) => ({
    seq: Number(entry.seq), content: entry.content, prevHash: entry.prev_hash.toString('hex'), hash: entry.hash.toString('hex'),
  }));
  const sections: EvidenceSections = {
    issuer: {
      name: 'Backstop', tenantId: row.tenant_id, publicKey: publicJwk(keys.evidencePublicKey, keys.evidenceKeyId),
      publicKeyUrl: new URL(publicKeyPath(row.tenant_id), origin).toString(), issuedAt: now.toISOString(),
    },
    flag: {
      flagId: row.flag_id, type: row.type, typeName: both((lang) => flagTypeNames[lang][row.type]), severity: row.severity, confidence: row.confidence,
      receivedAt: row.received_at.toISOString(), flaggedAt: row.flagged_at.toISOString(),
    },
    payment: masked.payment,
    fundFlow: masked.fundFlow,
    orderFlow: masked.orderFlow,
    informationFlow: {
      rule: info.rule,
      summary: both((lang) => renderMessage(info.message, { lang }, masked.summary)),
      thresholds: Object.entries(info.thresholds).map(([name, value]) => ({ name, value })),
      observed: masked.observed,
      payerAnswer: info.payerAnswer ?? null,
    },
    decision: row.decision_id ? {
      decisionId: row.decision_id, action: row.action!, status: row.status!, amount: row.amount!, currency: row.currency!,
      amountText: both((lang) => formatMoney(row.amount!, row.currency!, lang)),
      reason: both((lang) => renderMessage(row.reason_message, { lang }, row.reason!)),
      lifecycle: audit.map(({ content }) => ({ from: content.from, to: content.to, at: content.at, actor: content.actor })),
    } : null,
    verification: { auditEntries, howToVerify },
  };
  return { format: 'backstop.evidence.v1', document: sections, signature: signSections(sections, keys.evidenceKeyId, keys.evidencePrivateKey) };
}
