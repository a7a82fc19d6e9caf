import { describe, expect, it } from 'vitest';
import { createAppStore } from './index.ts';
import { DEFAULT_SWIPE_DATE, pointerMode } from './measure.ts';

describe('pointer mode', () => {
  it('is select by default; a measuring tool comes before a case pick, which comes before a section line', () => {
    expect(pointerMode({ casePicking: false })).toBe('select');
    expect(pointerMode({ casePicking: false, tool: 'clearance' })).toBe('select');
    expect(pointerMode({ casePicking: false, tool: 'section' })).toBe('section');
    expect(pointerMode({ casePicking: true, tool: 'section' })).toBe('case-pick');
    expect(pointerMode({ casePicking: true, tool: 'section', measureTool: 'area' })).toBe('measure');
  });

  it('opening a measuring tool ends a case pick in progress', () => {
    const store = createAppStore();
    store.getState().setCasePicking(true);
    expect(pointerMode(store.getState())).toBe('case-pick');
    store.getState().setMeasureTool('height');
    expect(store.getState().casePicking).toBe(false);
    expect(pointerMode(store.getState())).toBe('measure');
    store.getState().setMeasureTool(undefined);
    expect(pointerMode(store.getState())).toBe('select');
  });
});

describe('measure slice', () => {
  it('numbers measurements, drops the draft when one is added or the tool changes, and clears them all', () => {
    const store = createAppStore();
    const s = () => store.getState();
    s().setMeasureTool('horizontal');
    s().setMeasureDraft({ kind: 'horizontal', snaps: ['ground'] });
    s().addMeasurement({ kind: 'horizontal', metres: 18, snaps: ['ground', 'ground'] });
    s().addMeasurement({ kind: 'area', area: { horizontal: 10, surface: 12 }, snaps: ['building', 'building', 'building'] });
    expect(s().measurements.map((m) => m.id)).toEqual([1, 2]);
    expect(s().measureDraft).toBeUndefined();
    s().setMeasureDraft({ kind: 'horizontal', snaps: ['pipe'] });
    s().setMeasureTool('area');
    expect(s().measureDraft).toBeUndefined();
    s().clearMeasurements();
    expect(s().measurements).toEqual([]);
  });

  it('keeps the split inside the view and takes only whole dates', () => {
    const store = createAppStore();
    const s = () => store.getState();
    expect(s().swipeDate).toBe(DEFAULT_SWIPE_DATE);
    s().setSwipePosition(1.7);
    expect(s().swipePosition).toBe(1);
    s().setSwipePosition(-0.2);
    expect(s().swipePosition).toBe(0);
    s().setSwipePosition(Number.NaN);
    expect(s().swipePosition).toBe(0.5);
    s().setSwipeDate('1990');
    expect(s().swipeDate).toBe(DEFAULT_SWIPE_DATE);
    s().setSwipeDate('1990-12-31');
    expect(s().swipeDate).toBe('1990-12-31');
  });

  it('forgets the compare status when the mode changes', () => {
    const store = createAppStore();
    const s = () => store.getState();
    s().setSwipeMode('dates');
    s().setSwipeStatus('ready');
    s().setSwipeMode('dates');
    expect(s().swipeStatus).toBe('ready');
    s().setSwipeMode('layers');
    expect(s().swipeStatus).toBeUndefined();
    // Buildings beside pipes: in the underground view, where the pipes are seen.
    expect(s().underground).toBe(true);
  });
});
