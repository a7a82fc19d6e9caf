/** The thematic slice's lifecycle dates: those of the buildings in view, merged up to a bound. */
import { describe, expect, it } from 'vitest';
import { LIFECYCLE_STAGES } from '../domain/lifecycle/lifecycle.ts';
import { boxToAsk } from '../ui/thematic/lifecycle-dates.ts';
import { createAppStore } from './index.ts';
import { mergeLifecycleDates } from './thematic.ts';

describe('lifecycle dates of the buildings in view', () => {
  it('a view answer adds its dates to those held, and a newer answer replaces a building', () => {
    const store = createAppStore();
    store.getState().addViewLifecycleDates({ dates: { 'B-1': { 'project-approval': '2001-01-01', 'not-a-stage': '2002-01-01' } }, buildings: 3, truncated: false });
    store.getState().addViewLifecycleDates({ dates: { 'B-2': { 'completion-acceptance': '1999-01-01' } }, buildings: 5000, truncated: true });
    const held = store.getState().lifecycleDates!;
    expect([...held.keys()]).toEqual(['B-1', 'B-2']);
    expect(held.get('B-1')).toEqual([{ stage: 'project-approval', date: '2001-01-01' }]);
    expect(store.getState().lifecycleDatesView).toEqual({ buildings: 5000, truncated: true });
    store.getState().addViewLifecycleDates({ dates: { 'B-1': { demolition: '2020-01-01' } }, buildings: 1, truncated: false });
    expect(store.getState().lifecycleDates!.get('B-1')).toEqual([{ stage: 'demolition', date: '2020-01-01' }]);
  });

  it('past the bound only the new view is kept', () => {
    const held = mergeLifecycleDates(undefined, { a: { demolition: '2020-01-01' }, b: { demolition: '2020-01-01' } }, LIFECYCLE_STAGES, 3);
    expect([...mergeLifecycleDates(held, { c: {} }, LIFECYCLE_STAGES, 3).keys()]).toEqual(['a', 'b', 'c']);
    expect([...mergeLifecycleDates(held, { c: {}, d: {} }, LIFECYCLE_STAGES, 3).keys()]).toEqual(['c', 'd']);
  });

  it('an error keeps the dates held and says what failed', () => {
    const store = createAppStore();
    store.getState().addViewLifecycleDates({ dates: { 'B-1': { 'project-approval': '2001-01-01' } }, buildings: 1, truncated: false });
    store.getState().setLifecycleDates(store.getState().lifecycleDates, 'HTTP 503');
    expect(store.getState().lifecycleDates?.size).toBe(1);
    expect(store.getState().lifecycleDatesError).toBe('HTTP 503');
  });
});

describe('the box asked for the view', () => {
  it('is the view rectangle when it is within the bound', () => {
    expect(boxToAsk([117.27, 31.85, 117.29, 31.87], [117.28, 31.86])).toEqual([117.27, 31.85, 117.29, 31.87]);
  });

  it('is cut to the bound around the view centre when the view reaches the horizon', () => {
    const box = boxToAsk([110, 25, 125, 40], [117.28, 31.86]);
    expect(box[2] - box[0]).toBeLessThanOrEqual(0.5);
    expect(box[3] - box[1]).toBeLessThanOrEqual(0.5);
    expect(box[0]).toBeLessThan(117.28);
    expect(box[2]).toBeGreaterThan(117.28);
  });

  it('is the bound around the centre when there is no rectangle, or one across the antimeridian', () => {
    for (const view of [undefined, [179, 0, -179, 1] as [number, number, number, number], [Number.NaN, 0, 1, 1] as [number, number, number, number]]) {
      const box = boxToAsk(view, [117.28, 31.86]);
      expect(box[0]).toBeCloseTo(117.28 - 0.245, 6);
      expect(box[3]).toBeCloseTo(31.86 + 0.245, 6);
    }
  });
});
