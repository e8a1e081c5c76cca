import { describe, expect, it } from 'vitest';
import { editsToFind, foldLookAlikes } from './page-ocr';

describe('finding what OCR read on a page', () => {
  it('counts the edits to the closest stretch of the text', () => {
    expect(editsToFind('pay_beda06bc-44ab', 'refund on payment pay_beda06bc-44ab (order')).toBe(0);
    expect(editsToFind('pay_beda06bc-44ab', 'on payment pay_bedaG6be-44ab.')).toBe(2);
    expect(editsToFind('pay_beda06bc-44ab', 'on payment pay_beda06bc-44.ab.')).toBe(1);
    expect(editsToFind('pay_beda06bc-44ab', 'nothing of the kind here at all')).toBeGreaterThan(8);
    expect(editsToFind('abc', '')).toBe(3);
  });

  it('folds look-alike glyphs and the spaces OCR puts inside a line', () => {
    expect(foldLookAlikes('pay_bedaO06bc-44aa')).toBe(foldLookAlikes('pay_beda006bc-44aa'));
    expect(foldLookAlikes('c89d598d 6d3a254')).toBe('c89d598d6d3a254');
    expect(foldLookAlikes('ord_l1I|')).toBe('0rd_1111');
  });
});
