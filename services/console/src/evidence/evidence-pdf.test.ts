import { describe, expect, it } from 'vitest';
import { renderEvidencePdf } from './evidence-pdf';
import { sections, signed } from './evidence.fixture';
import { findPdfFont } from './pdf-font';

describe('the evidence PDF', () => {
  const font = findPdfFont();

  it('finds a font with Chinese glyphs on this machine (CI installs one)', () => {
    expect(font).not.toBeNull();
  });

  it('is a PDF for a decided flag and for one no decision was made on', async () => {
    for (const file of [signed(), signed({ ...sections(), decision: null })]) {
      const bytes = await renderEvidencePdf(file, font!);
      expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
      expect(bytes.subarray(-6).toString()).toContain('%%EOF');
    }
  });

  it('has no font when the configured file is missing', () => {
    expect(findPdfFont('/nonexistent/font.ttf')).toBeNull();
  });
});
