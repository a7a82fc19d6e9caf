/**
 * The viewer's client of the grid API (网格, src/server/grids/routes.ts): one level's grids in the
 * view (a page, never the city), one grid, and what is in it.
 */
import type { Bbox, GridGeometry, GridLayerLevel, GridWorker } from '../domain/grids/grids.ts';
import { apiUrl, getJson } from './http.ts';

export interface GridFeature {
  type: 'Feature';
  id: string;
  bbox: Bbox;
  properties: { code: string; level: GridLayerLevel; name: string; parentCode?: string; workers: GridWorker[] };
  geometry: GridGeometry;
}

export interface GridCollection {
  type: 'FeatureCollection';
  features: GridFeature[];
  next?: string;
}

export interface GridStats {
  code: string;
  level: GridLayerLevel;
  name: string;
  cases: { open: number; overdue: number } | null;
  buildings: { count: number; residents: number; truncated: boolean } | null;
  sensors: { count: number; inAlarm: number; openIncidents: number } | null;
  inspections: { overdue: number; intervalYears: number } | null;
}

export function listGrids(base: string, level: GridLayerLevel, bbox: Bbox, options: { limit?: number; signal?: AbortSignal } = {}): Promise<GridCollection> {
  return getJson<GridCollection>(apiUrl(base, 'grids', { level, bbox: bbox.map((n) => n.toFixed(6)).join(','), limit: options.limit }), { signal: options.signal });
}

export function getGrid(base: string, code: string, options: { signal?: AbortSignal } = {}): Promise<GridFeature> {
  return getJson<GridFeature>(apiUrl(base, `grids/${encodeURIComponent(code)}`), options);
}

export function gridStats(base: string, code: string, options: { signal?: AbortSignal } = {}): Promise<GridStats> {
  return getJson<GridStats>(apiUrl(base, `grids/${encodeURIComponent(code)}/stats`), options);
}
