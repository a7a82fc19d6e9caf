/**
 * Thematic views and the 4D time slider: which theme colours the buildings, the attribute
 * filter (its text, the parsed clauses or the error), and the date the city is shown as of,
 * with the lifecycle dates that date is read against.
 */
import type { StoreApi } from 'zustand/vanilla';
import { FilterSyntaxError, parseFilter, type FilterClause } from '../domain/thematic/filter.ts';
import type { Theme } from '../domain/thematic/themes.ts';
import type { LifecycleStage, StageRecord } from '../domain/lifecycle/lifecycle.ts';

/** Each building's stage dates, as /api/lifecycle/summary serves them. */
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
  setTheme(theme: Theme): void;
  setFilterText(text: string): void;
  setAsOfDate(date: string | undefined): void;
  setPlaying(playing: boolean): void;
  setLifecycleDates(dates: LifecycleDates | undefined, error?: string): void;
}

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

export const thematicSlice = (set: StoreApi<ThematicSlice>['setState']): ThematicSlice => ({
  theme: 'none',
  filterText: '',
  filter: [],
  filterError: undefined,
  asOfDate: undefined,
  playing: false,
  lifecycleDates: undefined,
  lifecycleDatesError: undefined,
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
});
