/**
 * The asset store: every building, pipe segment, node and point asset with its ID, dataset,
 * kind, name, address, attributes and geometry, for search and spatial queries on the server.
 * One interface, two backends (SQLite embedded, PostgreSQL + PostGIS), one test suite
 * (asset-store.test.ts). Open one by its location:
 *
 *   openAssetStore('data/assets.sqlite')                 SQLite file (created if missing)
 *   openAssetStore('postgres://user@host:5432/cim')      PostgreSQL with PostGIS and pg_trgm
 *
 * The rules (what a valid asset or query is) are in src/domain/assets.ts; the stores throw its
 * AssetInputError (a load) and AssetQueryError (a query) with messages meant for the caller,
 * never a database error for bad input.
 */
import type { Asset, AssetInput, Bbox } from '../../domain/assets.ts';

export { AssetInputError, AssetQueryError } from '../../domain/assets.ts';
export type { Asset, AssetInput, AssetGeometry, Bbox } from '../../domain/assets.ts';

export interface PageOptions {
  /** Results per page, 1–1,000. Default 20. */
  limit?: number;
  /** Results to skip, 0–10,000. Default 0. */
  offset?: number;
}

export interface SpatialOptions {
  /** Only these kinds ("building", "valve"…). Default: every kind. */
  kinds?: string[];
  /** Only assets meeting this attribute filter ("use=residential;floors>12", the filter box's text). */
  filter?: string;
  /** Most results, 1–1,000. Default 20. */
  limit?: number;
}

export interface CountOptions {
  bbox?: Bbox;
  kinds?: string[];
  /** Only assets with these IDs (at most MAXIMUM_ID_PAGE). */
  ids?: readonly string[];
}

/** Most IDs one idsWithinBbox call returns. */
export const MAXIMUM_ID_PAGE = 10_000;

export interface AssetPage {
  assets: Asset[];
  /** More assets matched than were returned (ask for the next page or a smaller area). */
  truncated: boolean;
}

export interface RadiusHit {
  asset: Asset;
  /** Great-circle distance from the centre to the asset's position, metres. */
  distanceMetres: number;
}

export interface RadiusPage {
  hits: RadiusHit[];
  truncated: boolean;
}

export interface StreamOptions {
  /** Only this dataset's assets. Default: every dataset. */
  dataset?: string;
  /** Only these kinds. Default: every kind. */
  kinds?: string[];
  /** Only assets whose bounds intersect this bbox. */
  bbox?: Bbox;
}

export interface LoadReport {
  dataset: string;
  /** Assets the dataset now has. */
  loaded: number;
  /** Assets it had before the load. */
  replaced: number;
  seconds: number;
}

export interface LoadOptions {
  /**
   * The load commits only once this resolves, and loads nothing if it rejects (its error is then
   * the load's): what a tiler's tiles being written are, so that the store can finish its work on
   * a load whose input has ended (index builds) while the tiles are still being written.
   */
  commitAfter?: Promise<unknown>;
}

export interface AssetStore {
  /** "sqlite" or "postgres". */
  readonly backend: 'sqlite' | 'postgres';
  /**
   * Replace one dataset's assets with these, all or nothing: if any asset is invalid, or its ID
   * belongs to another dataset, or the input throws, the dataset keeps its previous assets and
   * the error (AssetInputError for bad assets) is thrown. Other datasets are never touched.
   */
  replaceDataset(dataset: string, assets: Iterable<AssetInput> | AsyncIterable<AssetInput>, options?: LoadOptions): Promise<LoadReport>;
  /** One asset by ID, or undefined. */
  get(id: string): Promise<Asset | undefined>;
  /**
   * Assets whose ID, name or address contains every whitespace-separated term of `text`
   * (case-insensitive substrings; Chinese too), best first: exact ID, ID prefix, exact name,
   * name containing the whole text, then the rest; shorter names first, then by ID.
   */
  search(text: string, options?: PageOptions): Promise<AssetPage>;
  /** Assets whose bounds intersect the bbox, by ID. */
  withinBbox(bbox: Bbox, options?: SpatialOptions): Promise<AssetPage>;
  /**
   * Only the IDs of the assets whose bounds intersect the bbox, by ID: what another store is
   * joined on (the lifecycle dates of the buildings in view). `limit` 1–10,000, default 1,000.
   * The query stops at `limit` + 1 matches, so a box holding a city costs no more than one
   * holding a street: when `truncated`, which `limit` IDs come back is left to the index.
   */
  idsWithinBbox(bbox: Bbox, options?: SpatialOptions): Promise<{ ids: string[]; truncated: boolean }>;
  /** Assets whose position is within `metres` of the centre, nearest first. */
  withinRadius(lonDegrees: number, latDegrees: number, metres: number, options?: SpatialOptions): Promise<RadiusPage>;
  /**
   * How many assets meet an attribute filter ("use=residential;yearBuilt<2000"), over the whole
   * store or within a bbox, of some kinds only, or among some IDs only (at most 10,000: what a
   * caller joins with another store, as the filter count leaves out the buildings the 4D date
   * hides).
   */
  countMatching(filter: string, options?: CountOptions): Promise<number>;
  /** Assets in one dataset, or in all. */
  count(dataset?: string): Promise<number>;
  /**
   * Every asset meeting the options (of a dataset, of some kinds, within a bbox), by ID (in the
   * database's order for IDs: byte order on SQLite, the collation on PostgreSQL), read in pages of a few thousand rows (never the whole result at once, and no connection held
   * between pages): what a server reads its pipe networks from at start, or the buildings of an
   * impact ring. Bad options throw AssetQueryError (or AssetInputError for a dataset name).
   */
  streamAssets(options?: StreamOptions): AsyncIterable<Asset>;
  /** The datasets and their asset counts. */
  datasets(): Promise<{ dataset: string; count: number }[]>;
  /**
   * A number per dataset ever loaded that changes with every load of it (committed), read from
   * one small table: how a server that keeps something built from a dataset (the pipe networks)
   * notices, cheaply, that it was loaded again, by this process or another.
   */
  datasetGenerations(): Promise<Map<string, number>>;
  close(): Promise<void>;
}

/** Whether a location names a PostgreSQL database rather than a SQLite file. */
export function isPostgresLocation(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/**
 * Open the asset store at a location: a `postgres://` (or `postgresql://`) URL, or a SQLite file
 * path (":memory:" for a throwaway one). Creates the tables and indexes if missing.
 */
export async function openAssetStore(location: string): Promise<AssetStore> {
  if (isPostgresLocation(location)) {
    const { PostgresAssetStore } = await import('./postgres-asset-store.ts');
    return PostgresAssetStore.open(location);
  }
  const { SqliteAssetStore } = await import('./sqlite-asset-store.ts');
  return SqliteAssetStore.open(location);
}
