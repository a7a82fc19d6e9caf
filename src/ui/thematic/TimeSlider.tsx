import { useEffect } from 'react';
import { TIME_SLIDER_FIRST_YEAR, TIME_SLIDER_LAST_YEAR } from '../../store/thematic.ts';
import { useApp, useServices } from '../context.ts';
import { NO_DATES_ROUTE, useViewLifecycleDates, VIEW_DATES_LIMIT } from './lifecycle-dates.ts';
import { thematicDictionaries } from './i18n.ts';

/** Milliseconds between years while animating: long enough for a software-rendered frame. */
const PLAY_STEP_MILLISECONDS = 1500;

const endOfYear = (year: number) => `${year}-12-31`;

/** Today as a calendar date in China Standard Time (the lifecycle records' time zone). */
function todayInChina(): string {
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
}

/**
 * The 4D time slider (时空演变): the city as of a date. Buildings not yet there are hidden,
 * approved or under construction ones are ghosted, demolished ones disappear after their
 * demolition date. A year slider with play/pause, and a date field for a precise day.
 */
export function TimeSlider() {
  const { store, lifecycleApiUrl } = useServices();
  const language = useApp((s) => s.language);
  const t = thematicDictionaries[language];
  const asOfDate = useApp((s) => s.asOfDate);
  const playing = useApp((s) => s.playing);
  const datesLoaded = useApp((s) => s.lifecycleDates !== undefined);
  const datesError = useApp((s) => s.lifecycleDatesError);
  const datesView = useApp((s) => s.lifecycleDatesView);
  const theme = useApp((s) => s.theme);
  const comparingDates = useApp((s) => s.swipeMode === 'dates');
  const hasBuildings = useApp((s) => s.layers.some((l) => l.config.kind === 'buildings'));
  const apiUrl = lifecycleApiUrl();

  // The 4D view, the stage theme and the swipe compare of two dates read the dates of the buildings
  // in view (this panel is always mounted, so it asks for them all).
  useViewLifecycleDates(asOfDate !== undefined || theme === 'stage' || comparingDates);

  useEffect(() => {
    if (!playing) return;
    const timer = window.setInterval(() => {
      const state = store.getState();
      const year = Number((state.asOfDate ?? endOfYear(TIME_SLIDER_FIRST_YEAR)).slice(0, 4));
      if (year >= TIME_SLIDER_LAST_YEAR) state.setPlaying(false);
      else state.setAsOfDate(endOfYear(year + 1));
    }, PLAY_STEP_MILLISECONDS);
    return () => window.clearInterval(timer);
  }, [playing, store]);

  if (!hasBuildings) return null;
  const actions = store.getState();
  const year = asOfDate ? Number(asOfDate.slice(0, 4)) : undefined;
  return (
    <section className="panel time-slider" aria-label={t.time} data-testid="time-slider">
      <label className="toggle">
        <input
          type="checkbox"
          data-testid="time-toggle"
          checked={asOfDate !== undefined}
          onChange={(e) => actions.setAsOfDate(e.target.checked ? todayInChina() : undefined)}
        />
        <strong>{t.time}</strong>
      </label>
      {asOfDate !== undefined && (
        <>
          <button
            type="button"
            data-testid="time-play"
            aria-label={playing ? t.pause : t.play}
            title={playing ? t.pause : t.play}
            onClick={() => {
              if (!playing && year !== undefined && year >= TIME_SLIDER_LAST_YEAR) actions.setAsOfDate(endOfYear(TIME_SLIDER_FIRST_YEAR));
              actions.setPlaying(!playing);
            }}
          >
            {playing ? '❚❚' : '▶'}
          </button>
          <input
            type="range"
            data-testid="time-year"
            aria-label={t.year}
            min={TIME_SLIDER_FIRST_YEAR}
            max={TIME_SLIDER_LAST_YEAR}
            step={1}
            value={year}
            onChange={(e) => actions.setAsOfDate(endOfYear(Number(e.target.value)))}
          />
          <input
            type="date"
            data-testid="time-date"
            aria-label={t.date}
            value={asOfDate}
            min={`${TIME_SLIDER_FIRST_YEAR}-01-01`}
            max={`${TIME_SLIDER_LAST_YEAR}-12-31`}
            onChange={(e) => e.target.value && actions.setAsOfDate(e.target.value)}
          />
          <span className="as-of" data-testid="time-as-of">
            {t.asOf(asOfDate)}
          </span>
          <span className="note" data-testid="time-note">
            {!apiUrl ? t.noLifecycleApi : datesError === NO_DATES_ROUTE ? t.noDatesRoute : datesError ? `${t.datesFailed}: ${datesError}` : !datesLoaded ? t.datesLoading : datesView?.truncated ? t.datesTruncated(VIEW_DATES_LIMIT) : t.ghostNote}
          </span>
        </>
      )}
    </section>
  );
}
