/**
 * Entity ids as SQLite stores them: 64-bit integers. Up to 2^53 they are plain numbers; past it a
 * JavaScript number would round (9007199254740993 reads as …992), so such an id is a bigint from
 * the URL to the database and back, and is written into the JSON as its exact digits.
 */
import { randomBytes } from 'node:crypto';
import type { Statement } from 'better-sqlite3';

export type Id = number | bigint;

const LARGEST_ROWID = 9_223_372_036_854_775_807n;

/** The id in a URL's `(…)`: a number, a bigint past 2^53, or undefined when no row can have it. */
export function idFromText(text: string): Id | undefined {
  if (!/^\d{1,19}$/.test(text)) return undefined;
  const value = BigInt(text);
  if (value > LARGEST_ROWID) return undefined;
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

/** An id read as text (`CAST(id AS TEXT)`) or as a bigint, as an Id. */
export function idOf(value: unknown): Id {
  if (typeof value === 'number') return value;
  const big = BigInt(value as string | bigint);
  return big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

/** The id of the row an INSERT made, exact past 2^53. */
export function insertedId(statement: Statement, ...parameters: unknown[]): Id {
  return idOf(statement.safeIntegers(true).run(...parameters).lastInsertRowid);
}

// An id past 2^53 stands in the object tree as a marker string that no client text can produce
// (a fresh random tag per process), replaced by its digits once the JSON is written.
const TAG = `\u0001id-${randomBytes(8).toString('hex')}:`;
const MARKER = new RegExp(`"\\\\u0001id-${TAG.slice(4, -1)}:(\\d+)"`, 'g');

/** An id as it goes into a response object: a number, or a marker for `stringify`. */
export function idJson(id: Id): number | string {
  return typeof id === 'number' ? id : `${TAG}${id}`;
}

/** JSON.stringify, with the ids past 2^53 written as their exact digits. */
export function stringify(value: unknown): string {
  const text = JSON.stringify(value);
  return text.includes('\\u0001id-') ? text.replace(MARKER, '$1') : text;
}
