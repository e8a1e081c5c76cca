import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { duplicateKeyPath } from './duplicate-keys';

describe('duplicateKeyPath', () => {
  it.each([
    ['{"data":{"amount":3000,"amount":300000}}', '$.data.amount'],
    ['{"events":[{"id":"a"},{"id":"b","data":{"x":1,"y":[1,{"z":1,"z":2}]}}]}', '$.events[1].data.y[1].z'],
    ['{"a":1,"\\u0061":2}', '$.a'],
    ['{"a\\"b":1,"a\\u0022b":2}', '$.a"b'],
    ['[{}, {"k":{"k":1}, "k":2}]', '$[1].k'],
    [`{${Array.from({ length: 40 }, (_, i) => `"k${i}":${i}`).join(',')},"k39":0}`, '$.k39'],
  ])('finds the repeated name in %s', (text, path) => {
    expect(duplicateKeyPath(text)).toBe(path);
  });

  it.each([
    '{"a":1,"b":{"a":1},"c":[{"a":1},{"a":2}]}',
    '{"a":"}{\\"a\\":1,\\"a\\":2","b":"\\\\","c":"x"}',
    '{"a":1,"A":2,"a ":3}',
    '[1,"a",{},[],{"a":[]}]',
    '"{\\"a\\":1,\\"a\\":2}"',
    '{}',
  ])('finds no repeated name in %s', (text) => {
    expect(duplicateKeyPath(text)).toBeUndefined();
  });

  it('finds none in anything JSON.stringify writes, and the one added to it', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string(), (value, name) => {
        const text = JSON.stringify(value);
        expect(duplicateKeyPath(text)).toBeUndefined();
        const repeated = `{${JSON.stringify(name)}:${text},"other":[${text}],${JSON.stringify(name)}:null}`;
        expect(duplicateKeyPath(repeated)).toBe(`$.${name}`);
      }),
      { numRuns: 2_000 },
    );
  });
});
