import { useMemo, useRef, useState } from 'react';
import { searchEntries, type SearchEntry } from '../search/search-index.ts';
import { useApp, useDictionary, useServices } from './context.ts';
import { loadSearchEntries } from './search-loader.ts';

/** Search by name, address or ID; choosing a result flies to the building and selects it. */
export function SearchBox() {
  const t = useDictionary();
  const { store, engine } = useServices();
  const layers = useApp((s) => s.layers);
  const [query, setQuery] = useState('');
  const [entries, setEntries] = useState<SearchEntry[] | undefined>(undefined);
  const [active, setActive] = useState(0);
  const [open, setOpen] = useState(false);
  const loading = useRef(false);

  const ensureLoaded = () => {
    if (entries || loading.current) return;
    loading.current = true;
    void loadSearchEntries(layers.map((l) => l.config)).then((loaded) => {
      setEntries(loaded);
      loading.current = false;
    });
  };
  const results = useMemo(() => (entries ? searchEntries(entries, query, 10) : []), [entries, query]);

  const choose = (entry: SearchEntry) => {
    setOpen(false);
    setQuery(entry.name || entry.id);
    store.getState().select({ id: entry.id, layerId: entry.layerId });
    void engine()?.flyToPosition(entry.lonDegrees, entry.latDegrees, entry.heightMetres);
  };

  return (
    <div className="search" role="search">
      <input
        type="search"
        data-testid="search-input"
        value={query}
        placeholder={t.searchPlaceholder}
        aria-label={t.searchPlaceholder}
        onFocus={() => {
          ensureLoaded();
          setOpen(true);
        }}
        onChange={(e) => {
          ensureLoaded();
          setQuery(e.target.value);
          setActive(0);
          setOpen(true);
        }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') setActive((a) => Math.min(a + 1, results.length - 1));
          else if (e.key === 'ArrowUp') setActive((a) => Math.max(a - 1, 0));
          else if (e.key === 'Enter' && results[active]) choose(results[active]);
          else if (e.key === 'Escape') setOpen(false);
        }}
      />
      {open && query.trim() !== '' && (
        <ul className="search-results" data-testid="search-results" role="listbox">
          {!entries && <li className="muted">{t.searchLoading}</li>}
          {entries && results.length === 0 && <li className="muted">{t.searchNoResults}</li>}
          {results.map((entry, i) => (
            <li key={entry.id} role="option" aria-selected={i === active} className={i === active ? 'active' : ''} onMouseDown={(e) => e.preventDefault()} onClick={() => choose(entry)}>
              <strong>{entry.name || entry.id}</strong>
              <span>{entry.address}</span>
              <code>{entry.id}</code>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
