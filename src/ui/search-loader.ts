/** Loads and caches the search indexes of the configured layers (lazily: only when first needed). */
import { findById, parseSearchIndex, type SearchEntry } from '../search/search-index.ts';
import type { AppStore, LayerConfig } from '../store/index.ts';
import type { CityViewer } from '../engine/city-viewer.ts';

const cache = new Map<string, Promise<SearchEntry[]>>();

function loadOne(layer: LayerConfig & { searchIndex: string }): Promise<SearchEntry[]> {
  let promise = cache.get(layer.searchIndex);
  if (!promise) {
    promise = fetch(layer.searchIndex)
      .then((r) => {
        if (!r.ok) throw new Error(`${layer.searchIndex}: HTTP ${r.status}`);
        return r.json();
      })
      .then((json) => parseSearchIndex(json, layer.id));
    cache.set(layer.searchIndex, promise);
    promise.catch(() => cache.delete(layer.searchIndex));
  }
  return promise;
}

export async function loadSearchEntries(layers: readonly LayerConfig[]): Promise<SearchEntry[]> {
  const withIndex = layers.filter((l): l is LayerConfig & { searchIndex: string } => typeof l.searchIndex === 'string');
  const results = await Promise.allSettled(withIndex.map(loadOne));
  return results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
}

/** Select an asset by its ID and fly to it when a layer's search index knows where it is. */
export async function goToAsset(services: { store: AppStore; engine: () => CityViewer | undefined }, id: string): Promise<void> {
  const { store, engine } = services;
  store.getState().select({ id });
  const entry = findById(await loadSearchEntries(store.getState().layers.map((l) => l.config)), id);
  if (entry) await engine()?.flyToPosition(entry.lonDegrees, entry.latDegrees, entry.heightMetres);
}
