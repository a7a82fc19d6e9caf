/**
 * The viewer's client of the asset API (src/server/assets/routes.ts): search, lookup by ID and
 * filter counts, each bounded by a page or an ID, so the viewer never downloads the city.
 */
import type { Asset, Bbox } from '../domain/assets.ts';
import { ApiError, apiUrl, getJson } from './http.ts';

export type { Asset } from '../domain/assets.ts';

export interface SearchPage {
  assets: Asset[];
  /** Path of the next page, when there is one. */
  next?: string;
}

export function searchAssets(base: string, text: string, options: { limit?: number; offset?: number; signal?: AbortSignal } = {}): Promise<SearchPage> {
  return getJson<SearchPage>(apiUrl(base, 'assets', { q: text, limit: options.limit, offset: options.offset }), { signal: options.signal });
}

/** One asset by ID, or undefined when the store has none (404). */
export async function getAsset(base: string, id: string): Promise<Asset | undefined> {
  try {
    return await getJson<Asset>(apiUrl(base, `assets/${encodeURIComponent(id)}`));
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  }
}

/**
 * How many assets meet a filter (the filter box's text) over the whole store, or within a bbox;
 * with `asOf` (the 4D date, YYYY-MM-DD), less the buildings the 4D view hides on that date.
 */
export async function countMatching(base: string, filter: string, options: { bbox?: Bbox; kinds?: string[]; asOf?: string; signal?: AbortSignal } = {}): Promise<number> {
  const body = await getJson<{ count: number }>(apiUrl(base, 'assets', { count: 'filter', filter, bbox: options.bbox?.join(','), kinds: options.kinds?.join(','), asOf: options.asOf }), { signal: options.signal });
  return body.count;
}

/** A height in metres for flying to an asset: a building's height attribute, else 0. */
export function assetHeightMetres(asset: Asset): number {
  const height = Number(asset.attributes.height);
  return Number.isFinite(height) ? height : 0;
}
