/**
 * Times the APIs take: ISO 8601 instants with a zone (`2026-11-25T08:00:00+08:00`) and calendar
 * dates (`2026-11-25`), checked field by field, so an impossible one (`2026-02-31`, `25:00`) is
 * refused instead of rolling over into another day; and a bound on how far in the future a time
 * may lie (the clock skew a sensor may have), so a reading dated 9999 cannot become a sensor's
 * latest value for ever.
 */

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))$/;

export const INSTANT_MESSAGE = 'must be an ISO 8601 instant with a time zone, on a real day, e.g. 2026-11-25T08:00:00Z';

/** Default bound on future times: a sensor's clock may run this far ahead of the server's. */
export const DEFAULT_FUTURE_SKEW_MILLISECONDS = 10 * 60_000;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!;
}

function realDay(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** The number of two digits at `at`, or -1 when they are not digits. */
function twoDigits(text: string, at: number): number {
  const tens = text.charCodeAt(at) - 48;
  const ones = text.charCodeAt(at + 1) - 48;
  return tens >= 0 && tens <= 9 && ones >= 0 && ones <= 9 ? tens * 10 + ones : -1;
}

/**
 * The canonical UTC form (`2026-11-25T08:00:00Z`, `2026-11-25T08:00:00.123Z`: what
 * `toISOString` writes, nearly every sensor's form) read without a regular expression or
 * `Date.parse`: its epoch ms, undefined when it is that form on no real day or time, or null
 * when it is not that form (the general reading decides).
 */
function canonicalUtcMilliseconds(value: string): number | undefined | null {
  const length = value.length;
  if ((length !== 20 && length !== 24) || value.charCodeAt(length - 1) !== 90 /* Z */) return null;
  if (value.charCodeAt(4) !== 45 || value.charCodeAt(7) !== 45 || value.charCodeAt(10) !== 84 || value.charCodeAt(13) !== 58 || value.charCodeAt(16) !== 58) return null;
  const century = twoDigits(value, 0);
  const yearOfCentury = twoDigits(value, 2);
  const month = twoDigits(value, 5);
  const day = twoDigits(value, 8);
  const hour = twoDigits(value, 11);
  const minute = twoDigits(value, 14);
  const second = twoDigits(value, 17);
  if (century < 0 || yearOfCentury < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return null;
  let milliseconds = 0;
  if (length === 24) {
    const hundreds = value.charCodeAt(20) - 48;
    const rest = twoDigits(value, 21);
    if (value.charCodeAt(19) !== 46 /* . */ || hundreds < 0 || hundreds > 9 || rest < 0) return null;
    milliseconds = hundreds * 100 + rest;
  }
  const year = century * 100 + yearOfCentury;
  // Date.UTC reads years 0-99 as 1900-1999: those take the general path.
  if (year < 100) return null;
  if (!realDay(year, month, day) || hour > 23 || minute > 59 || second > 59) return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second, milliseconds);
}

/** Epoch milliseconds of an ISO 8601 instant with a zone on a real day and time, or undefined. */
export function instantMilliseconds(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const canonical = canonicalUtcMilliseconds(value);
  return canonical === null ? generalInstantMilliseconds(value) : canonical;
}

/** `instantMilliseconds` without its fast path for the canonical UTC form (exported for its test). */
export function generalInstantMilliseconds(value: unknown): number | undefined {
  if (typeof value !== 'string' || value.length > 40) return undefined;
  const match = INSTANT.exec(value);
  if (!match) return undefined;
  const [year, month, day, hour, minute] = [1, 2, 3, 4, 5].map((i) => Number(match[i]));
  const second = match[6] === undefined ? 0 : Number(match[6]);
  if (!realDay(year!, month!, day!) || hour! > 23 || minute! > 59 || second > 59) return undefined;
  if (match[9] !== undefined && (Number(match[9]) > 14 || Number(match[10]) > 59)) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

function describeSkew(milliseconds: number): string {
  if (milliseconds % 86_400_000 === 0) return `${milliseconds / 86_400_000} d`;
  if (milliseconds % 3_600_000 === 0) return `${milliseconds / 3_600_000} h`;
  if (milliseconds % 60_000 === 0) return `${milliseconds / 60_000} min`;
  return `${milliseconds / 1000} s`;
}

/** What the 400 says when a time lies too far ahead. */
export function futureProblem(field: string, ms: number, nowMs: number, skewMilliseconds: number): string | undefined {
  if (ms <= nowMs + skewMilliseconds) return undefined;
  return `${field}: ${new Date(ms).toISOString()} is more than ${describeSkew(skewMilliseconds)} after the server's clock (${new Date(nowMs).toISOString()}), the allowed clock skew (--max-future-skew / MONITORING_MAX_FUTURE_SKEW)`;
}

/**
 * The latest calendar date a record may carry: today in the easternmost time zone (UTC+14) plus
 * the skew. A date has no zone, so "today" anywhere on Earth is accepted, tomorrow is not.
 */
export function latestAllowedDate(nowMs: number, skewMilliseconds: number): string {
  return new Date(nowMs + skewMilliseconds + 14 * 3_600_000).toISOString().slice(0, 10);
}

/** Parse a skew setting: "600" (seconds), or with a unit: "90s", "10min", "2h", "1d". */
export function parseSkew(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|min|h|d)?$/.exec(text.trim());
  if (!match) throw new Error(`clock skew ${JSON.stringify(text)}: give seconds, or a number with ms, s, min, h or d`);
  const unit = { ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] ?? 's']!;
  return Math.round(Number(match[1]) * unit);
}
