/**
 * The grid store (网格): street, community and unit grid polygons with their codes, names and
 * grid workers. One interface, two backends, one test suite (grid-store.test.ts):
 *
 *   openGridStore('data/grids.sqlite')                 SQLite: an R*Tree of the grids' bounds gives
 *                                                       the candidates, an exact point-in-polygon
 *                                                       test (src/domain/grids) decides (SpatiaLite
 *                                                       is not available)
 *   openGridStore('postgres://user@host:5432/cim')      PostgreSQL + PostGIS: a GiST index, ST_Covers
 *
 * A view asks for one level's grids in a bbox, a page at a time (never the whole city). A point on
 * a boundary belongs to every grid it touches; of those the lowest code is answered
 * (GRID_TIE_RULE). replaceAll checks the whole set (src/domain/grids checkGridSet) before it
 * writes, and writes all or nothing.
 */
import type { Bbox, Grid, GridInput, GridLayerLevel } from '../../domain/grids/grids.ts';
import { isPostgresLocation } from '../assets/asset-store.ts';

export { GridInputError } from '../../domain/grids/grids.ts';
export type { Bbox, Grid, GridInput, GridLayerLevel } from '../../domain/grids/grids.ts';

export interface GridListOptions {
  level: GridLayerLevel;
  /** Grids whose bounds intersect this box. */
  bbox: Bbox;
  /** 1–1,000, default 200. */
  limit?: number;
  /** 0–10,000, default 0. */
  offset?: number;
}

/** Where `npm start` and `npm run grids` keep the grids unless GRIDS_DATABASE says otherwise. */
export const DEFAULT_GRIDS_DATABASE = 'data/grids.sqlite';

export const MAXIMUM_GRID_PAGE = 1_000;
export const MAXIMUM_GRID_OFFSET = 10_000;

export interface GridPage {
  /** By code. */
  grids: Grid[];
  truncated: boolean;
}

/** Bad query input (a page out of range, a bad bbox): the API's 400. */
export class GridQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GridQueryError';
  }
}

export interface GridStore {
  readonly backend: 'sqlite' | 'postgres';
  /**
   * Replace every grid with these, all or nothing: a bad grid, a code given twice or two grids
   * of one level overlapping throws GridInputError naming the feature, and the store keeps what it had.
   */
  replaceAll(grids: Iterable<GridInput>, featureName?: (index: number) => string): Promise<number>;
  get(code: string): Promise<Grid | undefined>;
  /** One level's grids whose bounds intersect the bbox, by code, a page at a time. */
  list(options: GridListOptions): Promise<GridPage>;
  /** The grid of a level covering the point (inside or on its boundary); on a shared boundary the lowest code. */
  containing(lon: number, lat: number, level: GridLayerLevel): Promise<Grid | undefined>;
  /**
   * For many points at once (the check-up job places every building and pipe): the code of the
   * finest grid covering each (a unit grid, else a community, else a street; on a shared boundary
   * the lowest code), or undefined outside every grid. One query per call, the database's spatial
   * index (R*Tree, GiST) doing the search.
   */
  place(points: readonly (readonly [number, number])[]): Promise<(string | undefined)[]>;
  count(level?: GridLayerLevel): Promise<number>;
  close(): Promise<void>;
}

export function checkListOptions(options: GridListOptions): { limit: number; offset: number } {
  const limit = options.limit ?? 200;
  const offset = options.offset ?? 0;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAXIMUM_GRID_PAGE) throw new GridQueryError(`limit: must be a whole number from 1 to ${MAXIMUM_GRID_PAGE}`);
  if (!Number.isInteger(offset) || offset < 0 || offset > MAXIMUM_GRID_OFFSET) throw new GridQueryError(`offset: must be a whole number from 0 to ${MAXIMUM_GRID_OFFSET} (zoom in to see fewer grids)`);
  return { limit, offset };
}

export function checkPoint(lon: number, lat: number): void {
  if (!Number.isFinite(lon) || !Number.isFinite(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90) throw new GridQueryError(`(${lon}, ${lat}) is not a lon/lat position in degrees`);
}

/** Open the grid store at a location: a postgres:// URL (with PostGIS), or a SQLite file path (":memory:" for a throwaway one). */
export async function openGridStore(location: string): Promise<GridStore> {
  if (isPostgresLocation(location)) {
    const { PostgresGridStore } = await import('./postgres-grid-store.ts');
    return PostgresGridStore.open(location);
  }
  const { SqliteGridStore } = await import('./sqlite-grid-store.ts');
  return SqliteGridStore.open(location);
}
