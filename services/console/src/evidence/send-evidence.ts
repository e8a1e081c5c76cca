import type { FastifyReply } from 'fastify';
import { Problem } from '@backstop/http';
import type { AnswerDescription } from '../openapi/answers';
import type { EvidenceFile } from './evidence-file';
import { renderEvidencePdf } from './evidence-pdf';
import type { PdfFont } from './pdf-font';

export type EvidenceFormat = 'json' | 'pdf';

/** How the OpenAPI document describes the PDF form. */
export const evidencePdfAnswer: AnswerDescription = {
  description: 'The evidence file as a PDF, Chinese and English, with an embedded CJK font.',
  content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
};

/** `evidence-flg_….pdf`: the flag id is in the file already, and is safe in a header as it is. */
const fileName = (file: EvidenceFile, format: EvidenceFormat) => `evidence-${(file.document.flag as { flagId: string }).flagId}.${format}`;

/**
 * Sends an evidence file as a download, signed JSON or PDF, whoever asked for it: a role of the
 * tenant or the payer's link. Without a font with Chinese glyphs the PDF is `503 pdf-font-missing`.
 */
export async function sendEvidence(reply: FastifyReply, file: EvidenceFile, format: EvidenceFormat, font: PdfFont | null): Promise<FastifyReply> {
  // Refused before the download header is set, so the problem is not saved as a .pdf.
  if (format === 'pdf' && !font) throw new Problem(503, 'pdf-font-missing', 'Evidence PDFs are unavailable', 'No font with Chinese glyphs is installed; the JSON form is.');
  void reply.header('content-disposition', `attachment; filename="${fileName(file, format)}"`);
  if (format === 'json') return reply.send(file);
  return reply.type('application/pdf').send(await renderEvidencePdf(file, font!));
}
