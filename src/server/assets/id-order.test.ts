import { describe, expect, it } from 'vitest';
import { byCodePoint } from './id-order.ts';

describe('IDs in the stores order', () => {
  it('sorts by code point, as SQLite and PostgreSQL "C" do, also where UTF-16 order differs', () => {
    // U+FF01 (one UTF-16 unit, 0xFF01) sorts before U+1F600 (units 0xD83D 0xDE00) by code point.
    expect(['\u{1F600}', '\uFF01', 'B-10', 'B-1', 'b', '建筑'].sort(byCodePoint)).toEqual(['B-1', 'B-10', 'b', '建筑', '\uFF01', '\u{1F600}']);
    expect(byCodePoint('A\u{1F600}', 'A\u{1F600}')).toBe(0);
    expect(byCodePoint('A\u{1F600}', 'A\u{1F600}x')).toBeLessThan(0);
  });
});
