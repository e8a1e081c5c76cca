import type { FastifyRequest } from 'fastify';
import Negotiator from 'negotiator';
import { z } from 'zod';
import type { Language } from '@backstop/messages';

/** `?lang=` on any route that returns sentences: it wins over the browser's Accept-Language. */
export const ReaderLanguageQuery = z.strictObject({ lang: z.enum(['en', 'zh']).optional() });

const LANGUAGES: Language[] = ['en', 'zh'];

/**
 * The language to write sentences in for this request: the one asked for, else the most
 * preferred of English and Chinese in Accept-Language (`zh-CN` counts as Chinese), else English.
 */
export function readerLanguage(request: FastifyRequest, requested?: Language): Language {
  if (requested) return requested;
  return (new Negotiator(request).language(LANGUAGES) as Language | undefined) ?? 'en';
}
