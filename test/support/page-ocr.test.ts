import { describe, expect, it } from 'vitest';
import { approximateMatchEnds, foldLookAlikes, shownOnPage } from './page-ocr';

describe('finding what OCR read on a page', () => {
  it('finds where a stretch of the text is within so many edits, and only there', () => {
    const text = 'refund on payment pay_beda06bc-44ab (order';
    expect(approximateMatchEnds('pay_beda06bc-44ab', text, 0)).toEqual([text.indexOf('(') - 2]);
    expect(approximateMatchEnds('pay_beda06bc-44ab', 'on payment pay_bedaG6be-44ab.', 1)).toEqual([]);
    expect(approximateMatchEnds('pay_beda06bc-44ab', 'on payment pay_bedaG6be-44ab.', 2)).toContain(27);
    expect(approximateMatchEnds('pay_beda06bc-44ab', 'nothing of the kind here at all', 8)).toEqual([]);
    expect(approximateMatchEnds('abc', '', 2)).toEqual([]);
  });

  it('folds look-alike glyphs and the spaces OCR puts inside a line', () => {
    expect(foldLookAlikes('pay_bedaO06bc-44aa')).toBe(foldLookAlikes('pay_beda006bc-44aa'));
    expect(foldLookAlikes('c89d598d 6d3a254')).toBe('c89d598d6d3a254');
    expect(foldLookAlikes('ord_l1I|')).toBe('0rd_1111');
  });

  it('tells apart two ids that differ only in their last character', () => {
    const seen = foldLookAlikes('refund on payment pay_bedaO6bc-44ab (order ord_bedaO6bc-44a)');
    expect(shownOnPage('pay_beda06bc-44ab', seen, 2)).toBe(true);
    expect(shownOnPage('pay_beda06bc-44aa', seen, 2)).toBe(false);
    expect(shownOnPage('pay_beda06bc-44aa', foldLookAlikes('pay_bedaG6be-44aa and pay_beda06bc-44ab'), 2)).toBe(true);
    expect(shownOnPage('CN¥30.00', foldLookAlikes('an order amount of CN¥60.00.'), 0)).toBe(false);
    expect(shownOnPage('CN¥60.00', foldLookAlikes('an order amount of CN¥60.00.'), 0)).toBe(true);
  });
});
