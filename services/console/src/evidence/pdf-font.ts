import { existsSync } from 'node:fs';

/**
 * A font with Chinese glyphs to embed in evidence PDFs (PDF's standard fonts have none).
 * Debian's fonts-wqy-zenhei (CI installs it, and so does the Docker image) or Noto CJK.
 */
const candidates = [
  { path: '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc', family: 'WenQuanYiZenHei', mono: 'WenQuanYiZenHeiMono' },
  { path: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', family: 'NotoSansCJKsc-Regular', mono: 'NotoSansMonoCJKsc-Regular' },
];

export interface PdfFont {
  path: string;
  /** The face's PostScript name in a font collection (.ttc); undefined for a single-face file. */
  family: string | undefined;
  mono: string | undefined;
}

/** The configured font file, else the first installed candidate; null when there is none. */
export function findPdfFont(configured?: string): PdfFont | null {
  if (configured) return existsSync(configured) ? { path: configured, family: undefined, mono: undefined } : null;
  const found = candidates.find((candidate) => existsSync(candidate.path));
  return found ?? null;
}
