import { useEffect, useState } from 'react';
import { searchAssets, type Asset } from '../api/assets.ts';
import { PIPELINE_TYPE_NAMES, isPipelineType } from '../domain/pipelines.ts';
import { useApp, useDictionary, useServices } from './context.ts';
import { placeOf } from './go-to-asset.ts';

/** Results shown; the server ranks them best first (exact ID, ID prefix, exact name, name, the rest). */
const RESULTS = 10;
/** Typing pauses this long before a request, so a word typed fast is one request. */
const DEBOUNCE_MS = 150;

type Results = { query: string; assets: Asset[]; more: boolean } | { query: string; error: string };

/**
 * Search by name, address or ID over the asset API (buildings, pipes, valves, manholes…); the
 * server ranks and pages, so a city of a million buildings costs one small response per query.
 * Choosing a result flies to the asset and selects it.
 */
export function SearchBox() {
  const t = useDictionary();
  const services = useServices();
  const { store, engine } = services;
  const language = useApp((s) => s.language);
  const layers = useApp((s) => s.layers);
  const apiUrl = services.assetsApiUrl();
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<Results>();
  const [active, setActive] = useState(0);
  const [open, setOpen] = useState(false);
  const text = query.trim();

  useEffect(() => {
    if (!apiUrl || text === '') return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      searchAssets(apiUrl, text, { limit: RESULTS, signal: controller.signal })
        .then((page) => setResults({ query: text, assets: page.assets, more: page.next !== undefined }))
        .catch((error: unknown) => {
          if (!controller.signal.aborted) setResults({ query: text, error: error instanceof Error ? error.message : String(error) });
        });
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [apiUrl, text]);

  // Results of an earlier text are not shown for this one (no flicker of stale rows on Enter).
  const current = results?.query === text ? results : undefined;
  const shown = current && 'assets' in current ? current.assets : [];

  const choose = (asset: Asset) => {
    setOpen(false);
    setQuery(asset.name || asset.id);
    const layerId = layers.some((l) => l.config.id === asset.dataset) ? asset.dataset : undefined;
    store.getState().select({ id: asset.id, layerId });
    const place = placeOf(asset);
    void engine()?.flyToPosition(place.lonDegrees, place.latDegrees, place.heightMetres);
  };

  const kindName = (asset: Asset): string => {
    const type = asset.attributes.type;
    if (asset.kind === 'pipe' && isPipelineType(type)) return PIPELINE_TYPE_NAMES[type][language];
    if (asset.kind === 'building') return t.kind.buildings ?? asset.kind;
    return t.value[asset.kind] ?? asset.kind;
  };

  return (
    <div className="search" role="search">
      <input
        type="search"
        data-testid="search-input"
        value={query}
        placeholder={t.searchPlaceholder}
        aria-label={t.searchPlaceholder}
        onFocus={() => setOpen(true)}
        onChange={(e) => {
          setQuery(e.target.value);
          setActive(0);
          setOpen(true);
        }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') setActive((a) => Math.min(a + 1, shown.length - 1));
          else if (e.key === 'ArrowUp') setActive((a) => Math.max(a - 1, 0));
          else if (e.key === 'Enter' && shown[active]) choose(shown[active]);
          else if (e.key === 'Escape') setOpen(false);
        }}
      />
      {open && text !== '' && (
        <ul className="search-results" data-testid="search-results" role="listbox">
          {!apiUrl && <li className="muted" data-testid="search-unavailable">{t.searchUnavailable}</li>}
          {apiUrl && !current && <li className="muted">{t.searchLoading}</li>}
          {current && 'error' in current && <li className="muted">{`${t.searchFailed}: ${current.error}`}</li>}
          {current && 'assets' in current && shown.length === 0 && <li className="muted">{t.searchNoResults}</li>}
          {shown.map((asset, i) => (
            <li key={asset.id} role="option" aria-selected={i === active} className={i === active ? 'active' : ''} data-kind={asset.kind} onMouseDown={(e) => e.preventDefault()} onClick={() => choose(asset)}>
              <strong>{asset.name || asset.id}</strong>
              <span>{[kindName(asset), asset.address].filter(Boolean).join(' · ')}</span>
              <code>{asset.id}</code>
            </li>
          ))}
          {current && 'assets' in current && current.more && <li className="muted small">{t.searchMore}</li>}
        </ul>
      )}
    </div>
  );
}
