/**
 * Measurement (量测) and the swipe compare (卷帘): the measuring tool open, the measurements made
 * (values only: the engine keeps the positions and draws them), the one being drawn, and the
 * swipe's mode, split position and compare date. Also the pointer mode: what a click on the map
 * does, one answer for every click handler of the engine.
 */
import type { StoreApi } from 'zustand/vanilla';
import type { MeasureKind, SnapTarget } from '../domain/measure.ts';

export interface Measurement {
  id: number;
  kind: MeasureKind;
  /** Distance or height difference (m). */
  metres?: number;
  /** Areas (m²): horizontal projected and surface (see src/domain/measure.ts). */
  area?: { horizontal: number; surface: number };
  /** What each point snapped to. */
  snaps: SnapTarget[];
}

/** A measurement being drawn: its points so far. */
export interface MeasureDraft {
  kind: MeasureKind;
  snaps: SnapTarget[];
}

/**
 * The swipe compare: left and right of a vertical line. 'dates': the buildings as of the 4D
 * view's date (or as tiled) on the left, as of `swipeDate` on the right; 'layers': the buildings
 * on the left, the pipelines on the right (in the underground view, which it turns on).
 */
export type SwipeMode = 'dates' | 'layers';

export type SwipeStatus = 'loading' | 'ready' | 'error';

/** What a click on the map does: select (the default), measure, pick a new case's place, draw a section line, pick a BIM element. */
export type PointerMode = 'select' | 'measure' | 'case-pick' | 'section' | 'bim';

export interface MeasureSlice {
  measureTool?: MeasureKind;
  measurements: Measurement[];
  measureDraft?: MeasureDraft;
  swipeMode?: SwipeMode;
  /** Where the split line is, 0 (left edge) to 1 (right edge). */
  swipePosition: number;
  /** The right side's date in the 'dates' compare (YYYY-MM-DD). */
  swipeDate: string;
  /** The compare side's tiles, once the swipe is on. */
  swipeStatus?: SwipeStatus;
  /** Open a measuring tool (undefined closes it; the drawn measurements stay until cleared). */
  setMeasureTool(kind: MeasureKind | undefined): void;
  setMeasureDraft(draft: MeasureDraft | undefined): void;
  addMeasurement(measurement: Omit<Measurement, 'id'>): void;
  clearMeasurements(): void;
  setSwipeMode(mode: SwipeMode | undefined): void;
  setSwipePosition(position: number): void;
  setSwipeDate(date: string): void;
  setSwipeStatus(status: SwipeStatus | undefined): void;
}

/** The state the pointer mode reads. */
interface PointerState {
  measureTool?: MeasureKind;
  casePicking: boolean;
  tool?: string;
  /** A BIM model is open (src/store/bim.ts). */
  bimModel?: unknown;
}

/**
 * What a click on the map does now. A measuring tool takes clicks first; then a case pick; then a
 * section line; then, inside an open BIM model, picking its elements.
 */
export function pointerMode(state: PointerState): PointerMode {
  if (state.measureTool !== undefined) return 'measure';
  if (state.casePicking) return 'case-pick';
  if (state.tool === 'section') return 'section';
  if (state.bimModel !== undefined) return 'bim';
  return 'select';
}

/** The right side's date when the compare opens: the end of 2005, before much of the district was built. */
export const DEFAULT_SWIPE_DATE = '2005-12-31';

type Set_<T> = StoreApi<T>['setState'];
type Get<T> = StoreApi<T>['getState'];

export function measureSlice<T extends MeasureSlice & PointerState>(set: Set_<T>, get: Get<T>): MeasureSlice {
  const setPartial = set as unknown as Set_<MeasureSlice & { casePicking: boolean; underground: boolean }>;
  let nextId = 1;
  return {
    measureTool: undefined,
    measurements: [],
    measureDraft: undefined,
    swipeMode: undefined,
    swipePosition: 0.5,
    swipeDate: DEFAULT_SWIPE_DATE,
    swipeStatus: undefined,
    // Measuring ends a case pick in progress: one pointer mode at a time.
    setMeasureTool: (measureTool) => setPartial(measureTool !== undefined && get().casePicking ? { measureTool, measureDraft: undefined, casePicking: false } : { measureTool, measureDraft: undefined }),
    setMeasureDraft: (measureDraft) => setPartial({ measureDraft }),
    addMeasurement: (measurement) => setPartial({ measurements: [...get().measurements, { ...measurement, id: nextId++ }], measureDraft: undefined }),
    clearMeasurements: () => setPartial({ measurements: [], measureDraft: undefined }),
    // Buildings beside pipes: the pipes lie under the ground, seen in the underground view (turned on, and left on after).
    setSwipeMode: (swipeMode) => {
      if (swipeMode === get().swipeMode) return;
      setPartial(swipeMode === 'layers' ? { swipeMode, swipeStatus: undefined, underground: true } : { swipeMode, swipeStatus: undefined });
    },
    setSwipePosition: (position) => setPartial({ swipePosition: Math.min(1, Math.max(0, Number.isFinite(position) ? position : 0.5)) }),
    setSwipeDate: (swipeDate) => {
      if (/^\d{4}-\d{2}-\d{2}$/.test(swipeDate)) setPartial({ swipeDate });
    },
    setSwipeStatus: (swipeStatus) => setPartial({ swipeStatus }),
  };
}
