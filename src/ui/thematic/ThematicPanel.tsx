import { useEffect, useMemo, useState } from 'react';
import { countMatching } from '../../api/assets.ts';
import { allowedValues, FILTER_ATTRIBUTES, FILTER_OPERATORS, formatFilter, isNumericAttribute, type FilterAttribute, type FilterClause, type FilterOperator } from '../../domain/thematic/filter.ts';
import { THEMES, themeLegend, UNKNOWN_ENTRY, type Theme } from '../../domain/thematic/themes.ts';
import { LIFECYCLE_STAGE_NAMES, type LifecycleStage } from '../../domain/lifecycle/lifecycle.ts';
import { useApp, useDictionary, useServices } from '../context.ts';
import { thematicDictionaries } from './i18n.ts';
import { NO_DATES_ROUTE, VIEW_DATES_LIMIT } from './lifecycle-dates.ts';

/** A clause being edited: its value may not be valid yet. */
interface DraftClause {
  attribute: FilterAttribute;
  operator: FilterOperator;
  value: string;
}

const DEFAULT_VALUE: Record<FilterAttribute, string> = { use: 'residential', stage: 'operation', yearBuilt: '2000', floors: '12', height: '24' };

type CountState = { status: 'counting' } | { status: 'failed'; message: string } | { status: 'ready'; shown: number; total: number };

/**
 * Thematic views (专题图): colour the buildings by stage, age, use, height or live risk, with the
 * legend; an attribute filter built from conditions, with the number of buildings it matches over
 * the whole city, counted by the asset API (GET /assets?count=filter), on the 4D date when one is
 * set (asOf: the buildings not there yet or demolished by then are not counted, as the map hides
 * them).
 */
export function ThematicPanel() {
  const { store, assetsApiUrl, lifecycleApiUrl } = useServices();
  const lifecycleUrl = lifecycleApiUrl();
  const datesError = useApp((s) => s.lifecycleDatesError);
  const datesView = useApp((s) => s.lifecycleDatesView);
  const language = useApp((s) => s.language);
  const t = thematicDictionaries[language];
  const common = useDictionary();
  const theme = useApp((s) => s.theme);
  const filter = useApp((s) => s.filter);
  const filterText = useApp((s) => s.filterText);
  const filterError = useApp((s) => s.filterError);
  const asOfDate = useApp((s) => s.asOfDate);
  const layers = useApp((s) => s.layers);
  const buildingLayers = useMemo(() => layers.filter((l) => l.config.kind === 'buildings').map((l) => l.config), [layers]);
  const [answered, setAnswered] = useState<{ key: string; count: CountState }>();
  const [drafts, setDrafts] = useState<DraftClause[]>(() => filter.map((c) => ({ ...c, value: String(c.value) })));
  const assetsUrl = assetsApiUrl();

  // A filter set from outside the conditions (the URL, the expression box) replaces them
  // (adjusted while rendering, as React recommends for state derived from props).
  const [syncedFilter, setSyncedFilter] = useState(filter);
  if (filter !== syncedFilter) {
    setSyncedFilter(filter);
    if (formatFilter(drafts as unknown as FilterClause[]) !== formatFilter(filter)) setDrafts(filter.map((c) => ({ ...c, value: String(c.value) })));
  }

  // The count of the last valid filter over the whole city on the 4D date, from the server; the
  // buildings' total on that date beside it. A newer filter or date cancels the older count.
  const needCount = filter.length > 0;
  const filterKey = formatFilter(filter);
  const countKey = `${assetsUrl}|${filterKey}|${asOfDate ?? ''}`;
  useEffect(() => {
    if (!needCount || !assetsUrl) return;
    const controller = new AbortController();
    const key = `${assetsUrl}|${filterKey}|${asOfDate ?? ''}`;
    const options = { kinds: ['building'], asOf: asOfDate, signal: controller.signal };
    Promise.all([countMatching(assetsUrl, filterKey, options), countMatching(assetsUrl, '', options)])
      .then(([shown, total]) => setAnswered({ key, count: { status: 'ready', shown, total } }))
      .catch((error: unknown) => {
        if (!controller.signal.aborted) setAnswered({ key, count: { status: 'failed', message: error instanceof Error ? error.message : String(error) } });
      });
    return () => controller.abort();
  }, [needCount, assetsUrl, filterKey, asOfDate]);
  const count: CountState = answered?.key === countKey ? answered.count : { status: 'counting' };

  if (buildingLayers.length === 0) return null;
  const actions = store.getState();
  const commit = (next: DraftClause[]) => {
    setDrafts(next);
    actions.setFilterText(formatFilter(next as unknown as FilterClause[]));
  };
  const legend = themeLegend(theme);
  // The stage theme reads the dates of the buildings in view (asked by the time slider's hook).
  const stageNote = !lifecycleUrl ? t.noLifecycleApi : datesError === NO_DATES_ROUTE ? t.noDatesRoute : datesError ? `${t.datesFailed}: ${datesError}` : datesView?.truncated ? t.datesTruncated(VIEW_DATES_LIMIT) : undefined;
  const showUnknown = theme === 'stage' || theme === 'age' || theme === 'use' || theme === 'height';

  return (
    <section className="panel thematic-panel" aria-label={t.title} data-testid="thematic-panel">
      <h3>{t.title}</h3>
      <label className="row">
        <span>{t.theme}</span>
        <select value={theme} data-testid="theme-select" onChange={(e) => actions.setTheme(e.target.value as Theme)}>
          {THEMES.map((value) => (
            <option key={value} value={value}>
              {t.themes[value]}
            </option>
          ))}
        </select>
      </label>
      {legend.length > 0 && (
        <ul className="legend thematic-legend" data-testid="theme-legend" data-theme={theme}>
          {[...legend, ...(showUnknown ? [UNKNOWN_ENTRY] : [])].map((entry) => (
            <li key={entry.key} data-key={entry.key}>
              <span className="swatch" style={{ background: entry.colour }} />
              {entry[language]}
            </li>
          ))}
        </ul>
      )}
      {theme === 'stage' && stageNote && (
        <p className="note small" data-testid="theme-stage-note">
          {stageNote}
        </p>
      )}
      <h3>{t.filter}</h3>
      <ul className="filter-clauses" data-testid="filter-clauses">
        {drafts.map((draft, index) => {
          const values = allowedValues(draft.attribute);
          const update = (change: Partial<DraftClause>) => commit(drafts.map((d, i) => (i === index ? { ...d, ...change } : d)));
          return (
            <li key={index}>
              <select
                value={draft.attribute}
                aria-label={t.filter}
                onChange={(e) => {
                  const attribute = e.target.value as FilterAttribute;
                  update({ attribute, operator: isNumericAttribute(attribute) ? '>' : '=', value: DEFAULT_VALUE[attribute] });
                }}
              >
                {FILTER_ATTRIBUTES.map((a) => (
                  <option key={a} value={a}>
                    {t.attributes[a]}
                  </option>
                ))}
              </select>
              <select value={draft.operator} aria-label="operator" onChange={(e) => update({ operator: e.target.value as FilterOperator })}>
                {FILTER_OPERATORS.filter((op) => isNumericAttribute(draft.attribute) || op === '=' || op === '!=').map((op) => (
                  <option key={op} value={op}>
                    {op === '!=' ? '≠' : op === '<=' ? '≤' : op === '>=' ? '≥' : op}
                  </option>
                ))}
              </select>
              {values.length ? (
                <select value={draft.value} aria-label="value" onChange={(e) => update({ value: e.target.value })}>
                  {values.map((v) => (
                    <option key={v} value={v}>
                      {draft.attribute === 'stage' ? LIFECYCLE_STAGE_NAMES[v as LifecycleStage][language] : (common.value[v] ?? v)}
                    </option>
                  ))}
                </select>
              ) : (
                <input type="number" value={draft.value} aria-label="value" onChange={(e) => update({ value: e.target.value })} />
              )}
              <button type="button" className="icon" title={t.removeClause} aria-label={t.removeClause} onClick={() => commit(drafts.filter((_, i) => i !== index))}>
                ×
              </button>
            </li>
          );
        })}
      </ul>
      <div className="row">
        <button type="button" data-testid="filter-add" onClick={() => commit([...drafts, { attribute: 'use', operator: '=', value: 'residential' }])}>
          {t.addClause}
        </button>
        {drafts.length > 0 && (
          <button type="button" onClick={() => commit([])}>
            {t.clearFilter}
          </button>
        )}
      </div>
      <input
        className="filter-text"
        data-testid="filter-text"
        aria-label={t.filterText}
        placeholder="use=residential;yearBuilt<2000;floors>12"
        value={filterText}
        onChange={(e) => actions.setFilterText(e.target.value)}
      />
      {filterError && (
        <p className="error" role="alert" data-testid="filter-error">
          {filterError}
        </p>
      )}
      {needCount && (
        <p
          className="match-count"
          data-testid="filter-count"
          data-status={!assetsUrl ? 'unavailable' : count.status}
          data-shown={count.status === 'ready' ? count.shown : undefined}
          data-total={count.status === 'ready' ? count.total : undefined}
        >
          {!assetsUrl ? t.noAssetsApi : count.status === 'ready' ? t.matches(count.shown, count.total) : count.status === 'failed' ? `${t.countFailed}: ${count.message}` : t.counting}
          {assetsUrl && count.status === 'ready' && asOfDate !== undefined && <span className="note" data-testid="filter-count-date"> {t.countAsOf(asOfDate)}</span>}
        </p>
      )}
    </section>
  );
}
