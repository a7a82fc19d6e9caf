/**
 * Thematic views and the 4D time slider: which theme colours the buildings, the attribute
 * filter (its text, the parsed clauses or the error), and the date the city is shown as of,
 * with the lifecycle dates that date is read against: those of the buildings in view, asked for
 * as the view moves (never every building's), kept up to a bound.
 */
import type { StoreApi } from 'zustand/vanilla';
import { FilterSyntaxError, parseFilter, type FilterClause } from '../domain/thematic/filter.ts';
import type { Theme } from '../domain/thematic/themes.ts';
import { LIFECYCLE_STAGES, type LifecycleStage, type StageRecord } from '../domain/lifecycle/lifecycle.ts';

/** Stage dates per building: those of the buildings in the recent views (GET /api/lifecycle/dates). */
export type LifecycleDates = ReadonlyMap<string, readonly Pick<StageRecord, 'stage' | 'date'>[]>;

/** First and last years the time slider covers. */
export const TIME_SLIDER_FIRST_YEAR = 1960;
export const TIME_SLIDER_LAST_YEAR = 2030;

export interface ThematicSlice {
  theme: Theme;
  filterText: string;
  /** The clauses of the last valid filter text. */
  filter: FilterClause[];
  filterError?: string;
  /** The 4D view: the city as of this date (YYYY-MM-DD); undefined shows the tiles as they are. */
  asOfDate?: string;
  /** Animating the 4D view year by year. */
  playing: boolean;
  lifecycleDates?: LifecycleDates;
  lifecycleDatesError?: string;
  /** What the last answer for the view covered: buildings looked up, and whether the view held more. */
  lifecycleDatesView?: { buildings: number; truncated: boolean };
  setTheme(theme: Theme): void;
  setFilterText(text: string): void;
  setAsOfDate(date: string | undefined): void;
  setPlaying(playing: boolean): void;
  setLifecycleDates(dates: LifecycleDates | undefined, error?: string): void;
  /** Add the dates of the buildings in view (an answer of GET /api/lifecycle/dates) to those held. */
  addViewLifecycleDates(answer: { dates: Record<string, Record<string, string>>; buildings: number; truncated: boolean }): void;
}

/** Buildings whose dates are kept from earlier views; past it, only the current view's are kept. */
export const LIFECYCLE_DATES_KEPT = 20_000;

/** Turn the summary JSON ({ id: { stage: date } }) into stage lists. Unknown stages are kept out. */
export function lifecycleDatesFromSummary(summary: Record<string, Record<string, string>>, stages: readonly LifecycleStage[]): LifecycleDates {
  const known = new Set<string>(stages);
  const dates = new Map<string, Pick<StageRecord, 'stage' | 'date'>[]>();
  for (const [id, byStage] of Object.entries(summary)) {
    dates.set(
      id,
      Object.entries(byStage)
        .filter(([stage, date]) => known.has(stage) && typeof date === 'string')
        .map(([stage, date]) => ({ stage: stage as LifecycleStage, date })),
    );
  }
  return dates;
}

/**
 * The dates held after a view's answer: the earlier views' (so a building that leaves and comes
 * back is not shown as built while its dates are asked again) and the new ones, or only the new
 * ones once more than `kept` buildings are held.
 */
export function mergeLifecycleDates(held: LifecycleDates | undefined, answer: Record<string, Record<string, string>>, stages: readonly LifecycleStage[], kept = LIFECYCLE_DATES_KEPT): LifecycleDates {
  const added = lifecycleDatesFromSummary(answer, stages);
  if (!held || held.size + added.size > kept) return added;
  const merged = new Map(held);
  for (const [id, dates] of added) merged.set(id, dates);
  return merged;
}

export const thematicSlice = (set: StoreApi<ThematicSlice>['setState']): ThematicSlice => ({
  theme: 'none',
  filterText: '',
  filter: [],
  filterError: undefined,
  asOfDate: undefined,
  playing: false,
  lifecycleDates: undefined,
  lifecycleDatesError: undefined,
  lifecycleDatesView: undefined,
  setTheme: (theme) => set({ theme }),
  setFilterText: (filterText) => {
    try {
      set({ filterText, filter: parseFilter(filterText), filterError: undefined });
    } catch (error) {
      if (!(error instanceof FilterSyntaxError)) throw error;
      // Keep the last valid filter applied while the text is being edited.
      set({ filterText, filterError: error.message });
    }
  },
  setAsOfDate: (asOfDate) => set(asOfDate === undefined ? { asOfDate, playing: false } : { asOfDate }),
  setPlaying: (playing) => set({ playing }),
  setLifecycleDates: (lifecycleDates, lifecycleDatesError) => set({ lifecycleDates, lifecycleDatesError }),
  addViewLifecycleDates: (answer) =>
    set((state) => ({ lifecycleDates: mergeLifecycleDates(state.lifecycleDates, answer.dates, LIFECYCLE_STAGES), lifecycleDatesError: undefined, lifecycleDatesView: { buildings: answer.buildings, truncated: answer.truncated } })),
});
