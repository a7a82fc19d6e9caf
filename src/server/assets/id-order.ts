/** IDs in the stores' order (SQLite's binary collation, PostgreSQL's "C"): by Unicode code point. */
const SURROGATE = /[\uD800-\uDFFF]/;

export function byCodePoint(a: string, b: string): number {
  // Without surrogate pairs, UTF-16 order is code point order.
  if (!SURROGATE.test(a) && !SURROGATE.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  const left = [...a];
  const right = [...b];
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const difference = left[i]!.codePointAt(0)! - right[i]!.codePointAt(0)!;
    if (difference !== 0) return difference;
  }
  return left.length - right.length;
}
