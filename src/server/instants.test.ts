import { describe, expect, test } from 'vitest';
import { futureProblem, generalInstantMilliseconds, instantMilliseconds, latestAllowedDate, parseSkew } from './instants.ts';
import { parseCorsOrigins } from './cors.ts';
import { jsonDepthProblem, parseBoundedJson } from './json-body.ts';

describe('instants', () => {
  test.each([
    ['2026-11-25T08:00:00Z', Date.parse('2026-11-25T08:00:00Z')],
    ['2026-11-25T08:00:00.123+08:00', Date.parse('2026-11-25T00:00:00.123Z')],
    ['2024-02-29T00:00Z', Date.parse('2024-02-29T00:00:00Z')],
    ['2000-02-29T23:59:59-14:00', Date.parse('2000-03-01T13:59:59Z')],
  ])('%s is a real instant', (text, ms) => expect(instantMilliseconds(text)).toBe(ms));

  test.each(['2026-02-31T00:00:00Z', '2025-02-29T00:00:00Z', '1900-02-29T00:00:00Z', '2026-04-31T00:00:00Z', '2026-13-01T00:00:00Z', '2026-00-10T00:00:00Z', '2026-01-00T00:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01T23:60:00Z', '2026-01-01T23:59:60Z', '2026-01-01T00:00:00+15:00', '2026-01-01T00:00:00+08:60', '2026-01-01T00:00:00', '2026-01-01 00:00:00Z', 'yesterday', '', 12])('%s is not', (text) => expect(instantMilliseconds(text)).toBeUndefined());

  test('the canonical UTC form reads as the general reading does: random instants, with and without ms, and broken ones', () => {
    // A seeded generator: the same cases every run.
    let seed = 17;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const earliest = Date.UTC(100, 0, 1);
    const latest = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
    for (let i = 0; i < 20_000; i++) {
      const ms = Math.floor(earliest + random() * (latest - earliest));
      const text = new Date(ms).toISOString();
      expect(instantMilliseconds(text)).toBe(ms);
      expect(generalInstantMilliseconds(text)).toBe(ms);
      const seconds = `${text.slice(0, 19)}Z`;
      expect(instantMilliseconds(seconds)).toBe(ms - (ms % 1000 + 1000) % 1000);
      // One character changed to another digit or sign: both readings agree (a time, or undefined).
      const at = Math.floor(random() * text.length);
      const broken = text.slice(0, at) + '0123456789-:.TZ+'[Math.floor(random() * 16)] + text.slice(at + 1);
      expect(instantMilliseconds(broken), broken).toBe(generalInstantMilliseconds(broken));
    }
  });

  test.each([
    ['2024-02-29T12:00:00Z', Date.UTC(2024, 1, 29, 12)],
    ['2000-02-29T00:00:00.000Z', Date.UTC(2000, 1, 29)],
    ['2026-12-31T23:59:59.999Z', Date.UTC(2026, 11, 31, 23, 59, 59, 999)],
    ['1970-01-01T00:00:00Z', 0],
    ['0100-01-01T00:00:00Z', Date.parse('0100-01-01T00:00:00Z')],
    ['0099-12-31T23:59:59Z', Date.parse('0099-12-31T23:59:59Z')],
    ['0000-01-01T00:00:00.000Z', Date.parse('0000-01-01T00:00:00.000Z')],
    // Other fractions are not the canonical form: the general reading takes them.
    ['2026-01-01T00:00:00.25Z', Date.UTC(2026, 0, 1, 0, 0, 0, 250)],
    ['2026-01-01T00:00:00.1239Z', Date.UTC(2026, 0, 1, 0, 0, 0, 123)],
  ])('canonical %s', (text, ms) => {
    expect(instantMilliseconds(text)).toBe(ms);
    expect(generalInstantMilliseconds(text)).toBe(ms);
  });

  test.each(['2026-02-30T00:00:00Z', '2026-02-29T00:00:00.000Z', '1900-02-29T00:00:00Z', '2100-02-29T00:00:00Z', '2026-06-31T00:00:00.000Z', '2026-00-01T00:00:00Z', '2026-01-32T00:00:00Z', '2026-01-01T24:00:00.000Z', '2026-01-01T00:60:00Z', '2026-01-01T00:00:60.000Z', '2026-01-01T00:00:00z', '2026-01-01t00:00:00Z', '2026-1-01T00:00:00.000Z', '+2026-01-01T00:00:00Z', '2026-01-01T00:00:0aZ', '2026-01-01T00:00:00,000Z'])('canonical-looking %s is not an instant', (text) => {
    expect(instantMilliseconds(text)).toBeUndefined();
    expect(generalInstantMilliseconds(text)).toBeUndefined();
  });

  test('future bound: the message names the field, the skew and how to set it', () => {
    const now = Date.parse('2026-12-01T00:00:00Z');
    expect(futureProblem('phenomenonTime', now + 600_000, now, 600_000)).toBeUndefined();
    expect(futureProblem('phenomenonTime', now + 600_001, now, 600_000)).toMatch(/^phenomenonTime: 2026-12-01T00:10:00.001Z is more than 10 min after the server's clock \(2026-12-01T00:00:00.000Z\), the allowed clock skew \(--max-future-skew/);
    expect(latestAllowedDate(Date.parse('2026-12-01T09:59:00Z'), 0)).toBe('2026-12-01');
    expect(latestAllowedDate(Date.parse('2026-12-01T10:00:00Z'), 0)).toBe('2026-12-02');
  });

  test('skew settings', () => {
    expect(parseSkew('600')).toBe(600_000);
    expect(parseSkew('10min')).toBe(600_000);
    expect(parseSkew('2h')).toBe(7_200_000);
    expect(parseSkew('1.5d')).toBe(129_600_000);
    expect(() => parseSkew('soon')).toThrow(/clock skew "soon"/);
  });
});

describe('CORS allow-lists', () => {
  test('origins and *; a bad entry is named', () => {
    expect(parseCorsOrigins(undefined)).toEqual([]);
    expect(parseCorsOrigins('http://10.0.0.5:8080, https://cim.example/ *')).toEqual(['http://10.0.0.5:8080', 'https://cim.example', '*']);
    expect(() => parseCorsOrigins('http://ok.example,https://cim.example/path')).toThrow(/CORS origin "https:\/\/cim.example\/path"/);
    expect(() => parseCorsOrigins('cim.example')).toThrow(/CORS origin "cim.example"/);
  });
});

describe('JSON nesting', () => {
  test('counts objects and arrays, not brackets inside strings', () => {
    expect(jsonDepthProblem('{"a":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[","b":[1]}', 2)).toBeUndefined();
    expect(jsonDepthProblem('{"a":"\\"[[[","b":[[1]]}', 2)).toMatch(/more than 2 deep/);
    expect(jsonDepthProblem('[[[]]]', 3)).toBeUndefined();
    expect(() => parseBoundedJson(`${'['.repeat(40)}${']'.repeat(40)}`)).toThrow(/more than 32 deep, the limit/);
  });
});
