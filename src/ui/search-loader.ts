/**
 * Loads and caches the search indexes of the configured layers (lazily: only when first needed).
 * On its way out (issue 16): the search box, go-to links and deep links use the asset API; the
 * impact lists and the filter count still read whole-layer indexes through this until they move.
 */
import { parseSearchIndex, type SearchEntry } from '../search/search-index.ts';
import type { LayerConfig } from '../store/index.ts';

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
