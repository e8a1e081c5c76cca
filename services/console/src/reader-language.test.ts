import { describe, expect, it } from 'vitest';
import type { FastifyRequest } from 'fastify';
import { readerLanguage } from './reader-language';

const request = (acceptLanguage?: string) => ({ headers: acceptLanguage === undefined ? {} : { 'accept-language': acceptLanguage } }) as FastifyRequest;

describe('readerLanguage', () => {
  it('takes ?lang= over the header', () => {
    expect(readerLanguage(request('zh-CN'), 'en')).toBe('en');
    expect(readerLanguage(request('en'), 'zh')).toBe('zh');
  });

  it('picks the most preferred of Chinese and English, by q-value and then order', () => {
    expect(readerLanguage(request('zh-CN,zh;q=0.9,en;q=0.8'))).toBe('zh');
    expect(readerLanguage(request('en-US;q=0.5, zh-Hans;q=0.7'))).toBe('zh');
    expect(readerLanguage(request('fr-FR, en;q=0.8, zh;q=0.7'))).toBe('en');
    expect(readerLanguage(request('zh;q=0, en;q=0.1'))).toBe('en');
  });

  it('falls back to English for no header, a malformed one or only other languages', () => {
    expect(readerLanguage(request())).toBe('en');
    expect(readerLanguage(request(';;;,q=abc'))).toBe('en');
    expect(readerLanguage(request('de, fr;q=0.5'))).toBe('en');
  });
});
