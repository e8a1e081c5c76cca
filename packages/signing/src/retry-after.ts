/**
 * How long an endpoint asked to be left alone, from a 429's or 503's Retry-After (RFC 9110
 * §10.2.3): delay-seconds or an HTTP date. Undefined when absent, unreadable or already past;
 * the caller keeps its own backoff then, and caps what it is asked for.
 */
export function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // Only the IMF-fixdate form RFC 9110 tells senders to use; Date.parse reads it exactly.
  if (!/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(value)) return undefined;
  const atMs = Date.parse(value);
  return Number.isNaN(atMs) || atMs <= nowMs ? undefined : atMs - nowMs;
}
