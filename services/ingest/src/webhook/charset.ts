import { Problem } from '@backstop/http';

/** The charset parameter of a Content-Type header, lower-cased and unquoted; undefined when none is given. */
export function charsetOf(contentType: string | undefined): string | undefined {
  for (const parameter of (contentType ?? '').split(';').slice(1)) {
    const equals = parameter.indexOf('=');
    if (equals < 0 || parameter.slice(0, equals).trim().toLowerCase() !== 'charset') continue;
    return parameter.slice(equals + 1).trim().replace(/^"(.*)"$/, '$1').toLowerCase();
  }
  return undefined;
}

/**
 * The refusal of a body declared in a charset other than UTF-8 (`utf8` is a common spelling
 * of it), if it is one: JSON exchanged between systems is UTF-8 (RFC 8259 §8.1), and Latin-1
 * bytes read as UTF-8 would make two names one.
 */
export function unsupportedCharset(contentType: string | undefined): Problem | undefined {
  const charset = charsetOf(contentType);
  if (charset === undefined || charset === 'utf-8' || charset === 'utf8') return undefined;
  return new Problem(415, 'unsupported-charset', 'Unsupported charset', 'Send the JSON in UTF-8, with charset=utf-8 or no charset at all.');
}
