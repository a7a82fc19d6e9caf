import { describe, expect, it } from 'vitest';
import { appearanceRule, countShown, isThematicActive, PLANNED_ALPHA, UNDER_CONSTRUCTION_ALPHA } from './appearance.ts';
import { FilterSyntaxError, formatFilter, matchesFilter, parseFilter } from './filter.ts';
import { themeEntry, themeKey, themeLegend, THEMES, UNKNOWN_ENTRY } from './themes.ts';

describe('filter expressions', () => {
  it('parses the planner\'s example and round-trips it', () => {
    const clauses = parseFilter('use=residential; yearBuilt<2000 ;floors>12');
    expect(clauses).toEqual([
      { attribute: 'use', operator: '=', value: 'residential' },
      { attribute: 'yearBuilt', operator: '<', value: 2000 },
      { attribute: 'floors', operator: '>', value: 12 },
    ]);
    expect(formatFilter(clauses)).toBe('use=residential;yearBuilt<2000;floors>12');
    expect(parseFilter(formatFilter(clauses))).toEqual(clauses);
  });

  it('reads two-character operators whole', () => {
    expect(parseFilter('height<=24;yearBuilt>=1990;stage!=demolition')).toEqual([
      { attribute: 'height', operator: '<=', value: 24 },
      { attribute: 'yearBuilt', operator: '>=', value: 1990 },
      { attribute: 'stage', operator: '!=', value: 'demolition' },
    ]);
  });

  it('treats an empty text as no filter, which everything matches', () => {
    expect(parseFilter('')).toEqual([]);
    expect(parseFilter(' ; ')).toEqual([]);
    expect(matchesFilter([], {})).toBe(true);
  });

  it.each([
    ['colour=red', /clause 1: unknown attribute "colour"/],
    ['floors>twelve', /clause 1: floors needs a number, got "twelve"/],
    ['use=castle', /clause 1: "castle" is not a use/],
    ['use<residential', /use can only be compared with = or !=/],
    ['floors>3;yearBuilt', /clause 2: "yearBuilt" is not of the form/],
    ['floors=>3', /clause 1: floors needs a number, got ">3"/],
  ])('rejects %s with a message naming the clause', (text, message) => {
    expect(() => parseFilter(text)).toThrow(FilterSyntaxError);
    expect(() => parseFilter(text)).toThrow(message);
  });

  it('matches on every clause, at the bounds, and fails a clause whose attribute is missing', () => {
    const filter = parseFilter('use=residential;yearBuilt<2000;floors>12');
    expect(matchesFilter(filter, { use: 'residential', yearBuilt: 1999, floors: 13 })).toBe(true);
    expect(matchesFilter(filter, { use: 'residential', yearBuilt: 2000, floors: 13 })).toBe(false);
    expect(matchesFilter(filter, { use: 'residential', yearBuilt: 1999, floors: 12 })).toBe(false);
    expect(matchesFilter(filter, { use: 'office', yearBuilt: 1999, floors: 30 })).toBe(false);
    expect(matchesFilter(filter, { use: 'residential', floors: 30 })).toBe(false);
    expect(matchesFilter(parseFilter('stage!=demolition'), {})).toBe(false);
    expect(matchesFilter(parseFilter('height>=24'), { height: 24 })).toBe(true);
    expect(matchesFilter(parseFilter('height>=24'), { height: Number.NaN })).toBe(false);
  });
});

describe('thematic views', () => {
  it('has a legend with distinct keys and colours for every theme but none', () => {
    for (const theme of THEMES) {
      const legend = themeLegend(theme);
      if (theme === 'none') {
        expect(legend).toHaveLength(0);
        continue;
      }
      expect(legend.length).toBeGreaterThan(2);
      expect(new Set(legend.map((e) => e.key)).size).toBe(legend.length);
      expect(new Set(legend.map((e) => e.colour)).size).toBe(legend.length);
      for (const entry of legend) expect(entry.colour).toMatch(/^#[0-9a-f]{6}$/);
    }
  });

  it('classes age and height at their bounds', () => {
    expect(themeKey('age', { yearBuilt: 1979 })).toBe('before-1980');
    expect(themeKey('age', { yearBuilt: 1980 })).toBe('1980-1999');
    expect(themeKey('age', { yearBuilt: 2020 })).toBe('since-2020');
    expect(themeKey('height', { height: 24 })).toBe('up-to-24');
    expect(themeKey('height', { height: 24.1 })).toBe('24-50');
    expect(themeKey('height', { height: 100 })).toBe('50-100');
    expect(themeKey('height', { height: 100.5 })).toBe('over-100');
  });

  it('takes the stage from the lifecycle API before the tile, and shows a missing attribute as no data', () => {
    expect(themeKey('stage', { id: 'b1', stage: 'operation' })).toBe('operation');
    expect(themeKey('stage', { id: 'b1', stage: 'operation' }, { stageOf: () => 'construction-permit' })).toBe('construction-permit');
    expect(themeKey('stage', { id: 'b1', stage: 'built-ish' })).toBeUndefined();
    expect(themeEntry('use', {})).toBe(UNKNOWN_ENTRY);
    expect(themeEntry('use', { use: 'medical' })?.zh).toBe('医疗卫生');
    expect(themeEntry('none', { use: 'medical' })).toBeUndefined();
  });

  it('colours risk by the live level, normal when monitoring knows nothing', () => {
    const riskOf = (id: string) => (id === 'hot' ? 1 : id === 'warm' ? 3 : undefined);
    expect(themeEntry('risk', { id: 'hot' }, { riskOf })?.colour).toBe('#e8002d');
    expect(themeKey('risk', { id: 'warm' }, { riskOf })).toBe('3');
    expect(themeKey('risk', { id: 'calm' }, { riskOf })).toBe('normal');
  });
});

describe('building appearance (thematic state and the 4D date)', () => {
  const lifecycleDates = new Map([
    [
      'built-2001',
      [
        { stage: 'project-approval' as const, date: '1998-03-01' },
        { stage: 'construction-permit' as const, date: '1999-05-10' },
        { stage: 'completion-acceptance' as const, date: '2001-06-30' },
        { stage: 'demolition' as const, date: '2020-01-15' },
      ],
    ],
    ['planned', [{ stage: 'planning-permit' as const, date: '2025-09-01' }]],
  ]);
  const base = { theme: 'none' as const, filter: [], lifecycleDates };

  it('is inactive with no theme, no filter and no date', () => {
    expect(isThematicActive(base)).toBe(false);
    expect(isThematicActive({ ...base, asOfDate: '2000-01-01' })).toBe(true);
    expect(isThematicActive({ ...base, theme: 'use' })).toBe(true);
  });

  it('hides a building before its first stage and after demolition, on the edge dates', () => {
    const at = (asOfDate: string) => appearanceRule({ ...base, asOfDate })({ id: 'built-2001' });
    expect(at('1998-02-28').show).toBe(false);
    expect(at('1998-03-01')).toEqual({ show: true, alpha: PLANNED_ALPHA });
    expect(at('1999-05-10')).toEqual({ show: true, alpha: UNDER_CONSTRUCTION_ALPHA });
    expect(at('2001-06-29').alpha).toBe(UNDER_CONSTRUCTION_ALPHA);
    expect(at('2001-06-30')).toEqual({ show: true, alpha: 1 });
    expect(at('2020-01-14').show).toBe(true);
    expect(at('2020-01-15').show).toBe(false);
  });

  it('ghosts planned buildings, and shows buildings without a record or without a date as they are', () => {
    expect(appearanceRule({ ...base, asOfDate: '2026-01-01' })({ id: 'planned' }).alpha).toBe(PLANNED_ALPHA);
    expect(appearanceRule({ ...base, asOfDate: '1900-01-01' })({ id: 'no-record' })).toEqual({ show: true, alpha: 1 });
    expect(appearanceRule(base)({ id: 'planned' })).toEqual({ show: true, alpha: 1 });
  });

  it('colours by the stage reached on the date, and combines the filter with the date in the count', () => {
    const rule = appearanceRule({ ...base, theme: 'stage', asOfDate: '2000-01-01' });
    expect(rule({ id: 'built-2001', stage: 'demolition' }).colour).toBe(themeLegend('stage').find((e) => e.key === 'construction-permit')!.colour);
    const buildings = [
      { id: 'built-2001', use: 'residential', floors: 20 },
      { id: 'planned', use: 'residential', floors: 30 },
      { id: 'no-record', use: 'residential', floors: 3 },
      { id: 'other', use: 'office', floors: 40 },
    ];
    const filter = parseFilter('use=residential;floors>12');
    expect(countShown({ ...base, filter }, buildings)).toEqual({ shown: 2, total: 4 });
    expect(countShown({ ...base, filter, asOfDate: '2010-01-01' }, buildings)).toEqual({ shown: 1, total: 4 });
    expect(countShown({ ...base, filter, asOfDate: '2021-01-01' }, buildings)).toEqual({ shown: 0, total: 4 });
  });
});
