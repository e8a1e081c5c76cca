import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Language } from '@backstop/messages';

/** `?lang=` on any route that returns sentences: it wins over the browser's Accept-Language. */
export const ReaderLanguageQuery = z.strictObject({ lang: z.enum(['en', 'zh']).optional() });

/**
 * The language to write sentences in for this request: the one asked for, else the most
 * preferred of English and Chinese in Accept-Language, else English.
 */
export function readerLanguage(request: FastifyRequest, requested?: Language): Language {
  if (requested) return requested;
  const header = request.headers['accept-language'];
  if (typeof header !== 'string') return 'en';
  const ranked = header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...parameters] = part.trim().split(';');
      const q = parameters.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((value) => value !== undefined);
      return { tag: tag.trim().toLowerCase(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((entry) => entry.q > 0 && Number.isFinite(entry.q))
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of ranked) {
    if (tag === 'zh' || tag.startsWith('zh-')) return 'zh';
    if (tag === 'en' || tag.startsWith('en-')) return 'en';
  }
  return 'en';
}
