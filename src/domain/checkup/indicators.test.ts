import { describe, expect, test } from 'vitest';
import type { BuildingLifecycle } from '../lifecycle/lifecycle.ts';
import {
  addCase, addFacts, addPipe, computeIndicators, emptyFacts, formatIndicatorValue, INDICATORS, inspectionStateOn, isMonth, lineLengthMetres,
  monthEndDate, monthOf, monthRange, monthsBetween, pipeClassOf, referenceDate, waterloggingPointKey,
} from './indicators.ts';

const building = (completion: string | undefined, inspections: string[], demolition?: string): Pick<BuildingLifecycle, 'stages' | 'inspections'> => ({
  stages: [
    ...(completion ? [{ stage: 'completion-acceptance' as const, date: completion }] : []),
    ...(demolition ? [{ stage: 'demolition' as const, date: demolition }] : []),
  ] as BuildingLifecycle['stages'],
  inspections: inspections.map((date) => ({ date, result: 'pass', inspector: 'x' })) as BuildingLifecycle['inspections'],
});

describe('the definitions file', () => {
  test('every indicator has names, definition, formula, unit, source and a national counterpart; ids unique', () => {
    expect(INDICATORS.length).toBeGreaterThanOrEqual(9);
    expect(new Set(INDICATORS.map((i) => i.id)).size).toBe(INDICATORS.length);
    for (const i of INDICATORS) {
      for (const text of [i.name, i.definition, i.formula, i.source, i.national.note]) {
        expect(text.zh.length, i.id).toBeGreaterThan(1);
        expect(text.en.length, i.id).toBeGreaterThan(1);
      }
      expect(['same', 'proxy', 'none']).toContain(i.national.relation);
      expect(typeof i.assumed).toBe('boolean');
      // A proxy or no counterpart is always our definition.
      if (i.national.relation !== 'same') expect(i.assumed, i.id).toBe(true);
    }
    expect(Object.keys(computeIndicators(emptyFacts())).sort()).toEqual(INDICATORS.map((i) => i.id).sort());
  });

  test('each indicator cites the published source its national name was checked against, or is marked assumed', () => {
    for (const i of INDICATORS) {
      const check = i.nationalCheck;
      expect(['checked', 'unchecked', 'own'], i.id).toContain(check.status);
      expect(check.note.zh.length, i.id).toBeGreaterThan(1);
      expect(check.note.en.length, i.id).toBeGreaterThan(1);
      if (check.status === 'checked') {
        expect(check.sources.length, i.id).toBeGreaterThan(0);
        for (const source of check.sources) {
          expect(source.title.length, i.id).toBeGreaterThan(1);
          expect(Number.isInteger(source.year) && source.year >= 1990 && source.year <= 2100, `${i.id} ${source.year}`).toBe(true);
          expect(source.url, i.id).toMatch(/^https?:\/\/[^\s/]+\.[^\s]+$/);
          expect(source.seen.length, i.id).toBeGreaterThan(1);
        }
      } else {
        // No source: the definition is this platform's.
        expect(check.sources, i.id).toEqual([]);
        expect(i.assumed, i.id).toBe(true);
      }
      // 'The same as the national one' is a claim only a checked source backs; no counterpart is the platform's own.
      if (i.national.relation === 'same') expect(check.status, i.id).toBe('checked');
      expect(check.status === 'own', i.id).toBe(i.national.relation === 'none');
    }
  });
});

describe('indicator formulas on hand-made data', () => {
  test('a street of two grids: ratios come from the summed facts, not from averaging the grids', () => {
    const a = { ...emptyFacts(), buildingsInUse: 10, buildingsOverdue: 1, casesDue: 4, casesDueClosed: 3, casesDueClosedOnTime: 2, sensors: 10, sensorsOnline: 9 };
    const b = { ...emptyFacts(), buildingsInUse: 30, buildingsOverdue: 9, casesDue: 0, sensors: 2, sensorsOnline: 0 };
    const street = computeIndicators(addFacts(a, b));
    // (1 + 9) / (10 + 30), not the mean of 10 % and 30 %.
    expect(street['building-inspection-overdue']).toBeCloseTo(25);
    expect(street['case-closure-rate']).toBeCloseTo(75);
    expect(street['case-on-time-rate']).toBeCloseTo(50);
    expect(street['sensors-online']).toBeCloseTo(75);
    expect(computeIndicators(b)['case-closure-rate']).toBeNull();
  });

  test('nothing to divide by gives null, never 0 % or NaN; a month without a sensor snapshot has no online rate', () => {
    const none = computeIndicators(emptyFacts(false));
    expect(none['building-inspection-overdue']).toBeNull();
    expect(none['gas-pipe-over-30']).toBeNull();
    expect(none['lifeline-incidents-per-100km']).toBeNull();
    expect(none['sensors-online']).toBeNull();
    expect(none['waterlogging-points']).toBe(0);
    expect(addFacts(emptyFacts(false), { ...emptyFacts(), sensors: 3, sensorsOnline: 3 }).sensors).toBeNull();
  });

  test('pipes: older than 30 years by the month, by type; undated pipes count in the length but not the share; a pipe laid later is not there yet', () => {
    const f = emptyFacts();
    addPipe(f, 'gas', 100, 1995, '2026-03'); // 31 years: old
    addPipe(f, 'gas', 300, 1996, '2026-03'); // 30 years: not older than 30
    addPipe(f, 'gas', 50, undefined, '2026-03');
    addPipe(f, 'gas', 999, 2027, '2026-03'); // not laid yet
    addPipe(f, 'water', 200, 1990, '2026-03');
    addPipe(f, 'drainage', 400, 2000, '2026-03');
    expect(f).toMatchObject({ gasMetres: 450, gasDatedMetres: 400, gasOldMetres: 100, waterOldMetres: 200, drainageOldMetres: 0 });
    const values = computeIndicators(f);
    expect(values['gas-pipe-over-30']).toBeCloseTo(25);
    expect(values['water-pipe-over-30']).toBeCloseTo(100);
    expect(values['drainage-pipe-over-30']).toBe(0);
    // 3 incidents over 450 + 200 + 400 = 1,050 m: 3 / 1.05 km × 100.
    f.lifelineIncidents = 3;
    expect(computeIndicators(f)['lifeline-incidents-per-100km']).toBeCloseTo(3 / 1.05 * 100);
    expect([pipeClassOf('gas'), pipeClassOf('water'), pipeClassOf('drainage-storm'), pipeClassOf('drainage-sewage'), pipeClassOf('power'), pipeClassOf(undefined)]).toEqual(['gas', 'water', 'drainage', 'drainage', undefined, undefined]);
  });

  test('buildings: in use from completion to demolition; overdue 5 years after the last inspection up to the date', () => {
    const b = building('2015-06-01', ['2019-01-10', '2024-05-01']);
    expect(inspectionStateOn(b, '2015-05-31')).toBe('not-in-use');
    expect(inspectionStateOn(b, '2018-12-31')).toBe('in-use');
    // On 2024-03-31 the 2024 inspection has not happened: the last is 2019-01-10, more than 5 years before.
    expect(inspectionStateOn(b, '2024-03-31')).toBe('overdue');
    expect(inspectionStateOn(b, '2024-05-31')).toBe('in-use');
    expect(inspectionStateOn(building('2000-01-01', []), '2005-01-01')).toBe('in-use');
    expect(inspectionStateOn(building('2000-01-01', []), '2005-01-02')).toBe('overdue');
    expect(inspectionStateOn(building('2000-01-01', [], '2010-01-01'), '2012-01-01')).toBe('not-in-use');
    expect(inspectionStateOn(building(undefined, []), '2012-01-01')).toBe('not-in-use');
  });

  test('cases: due when the deadline falls in the month before now; closed by the month end; on time when handled by the deadline', () => {
    const [start, end] = monthRange('2026-11');
    const now = end + 86_400_000;
    const f = emptyFacts();
    const day = (d: number) => start + d * 86_400_000;
    addCase(f, { dueAtMs: day(3), handledAtMs: day(2), closedAtMs: day(4) }, [start, end], now); // due, closed, on time
    addCase(f, { dueAtMs: day(3), handledAtMs: day(5), closedAtMs: day(6) }, [start, end], now); // due, closed late
    addCase(f, { dueAtMs: day(10), handledAtMs: day(9), closedAtMs: end + 1 }, [start, end], now); // closed after the month: not closed in it
    addCase(f, { dueAtMs: day(12) }, [start, end], now); // due, open
    addCase(f, { dueAtMs: start - 1, closedAtMs: day(1) }, [start, end], now); // due last month
    addCase(f, {}, [start, end], now); // never dispatched: no deadline
    expect(f).toMatchObject({ casesDue: 4, casesDueClosed: 2, casesDueClosedOnTime: 1 });
    // A deadline still ahead (after now) is not due yet.
    const g = emptyFacts();
    addCase(g, { dueAtMs: day(20) }, [start, end], day(15));
    expect(g.casesDue).toBe(0);
  });

  test('months are Beijing months; the reference date is the month end or today', () => {
    expect(monthOf(Date.parse('2026-11-30T16:00:00Z'))).toBe('2026-12');
    expect(monthOf(Date.parse('2026-11-30T15:59:59Z'))).toBe('2026-11');
    const [start, end] = monthRange('2026-02');
    expect(new Date(start).toISOString()).toBe('2026-01-31T16:00:00.000Z');
    expect(new Date(end).toISOString()).toBe('2026-02-28T16:00:00.000Z');
    expect(monthEndDate('2024-02')).toBe('2024-02-29');
    expect(referenceDate('2026-11', Date.parse('2026-12-06T00:00:00Z'))).toBe('2026-11-30');
    expect(referenceDate('2026-12', Date.parse('2026-12-06T00:00:00Z'))).toBe('2026-12-06');
    expect(monthsBetween('2025-11', '2026-02')).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
    expect(() => monthsBetween('2026-02', '2025-11')).toThrow(/before/);
    expect(() => monthsBetween('2000-01', '2026-01')).toThrow(/more than 120/);
    expect([isMonth('2026-13'), isMonth('2026-1'), isMonth('2026-01')]).toEqual([false, false, true]);
  });

  test('helpers: line length, waterlogging point key, formatting', () => {
    // 0.001° of latitude is about 111.2 m.
    expect(lineLengthMetres([[113.12, 23.02], [113.12, 23.021]])).toBeCloseTo(111.2, 0);
    expect(waterloggingPointKey(113.120004, 23.02)).toBe(waterloggingPointKey(113.12, 23.020001));
    expect(formatIndicatorValue(12.345, '%')).toBe('12.3');
    expect(formatIndicatorValue(3, '处')).toBe('3');
    expect(formatIndicatorValue(null, '%')).toBe('—');
  });
});
