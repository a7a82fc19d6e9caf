/**
 * The SQL both asset-store backends share, written once (kysely's habit): the columns, the
 * search ranking and the row → Asset decoding. Every value goes in as a parameter; the only text
 * put into SQL is placeholders and fixed column names.
 */
import { AssetQueryError, escapeLike, INDEXED_ATTRIBUTES, type Asset, type AssetGeometry, type SearchQuery } from '../../domain/assets.ts';
import type { FilterAttribute, FilterClause, FilterOperator } from '../../domain/thematic/filter.ts';

export type Dialect = 'sqlite' | 'postgres';

/** Rows a load inserts in one statement (both backends). */
export const LOAD_BATCH = 2_000;

/** Rows a stream (AssetStore.streamAssets) reads per query. */
export const STREAM_BATCH = 2_000;

/** A match as ranked: what the best-first order needs (src/search/search-index.ts's order). */
export interface RankedRow {
  id: string;
  rank: number;
  name_length: number;
}

/** The best-first order: rank, then (names) shorter first, then ID in byte order (SQLite's, and COLLATE "C"). */
export function compareRanked(a: RankedRow, b: RankedRow): number {
  return a.rank - b.rank || (a.rank >= 2 ? a.name_length - b.name_length : 0) || Buffer.compare(Buffer.from(a.id), Buffer.from(b.id));
}

/** Collects parameter values; `p(value)` returns the placeholder for it ("?" or "$n"). */
export class Parameters {
  readonly values: unknown[] = [];
  constructor(private readonly dialect: Dialect) {}
  p = (value: unknown): string => {
    this.values.push(value);
    return this.dialect === 'sqlite' ? '?' : `$${this.values.length}`;
  };
  list(values: readonly unknown[]): string {
    return values.map((v) => this.p(v)).join(', ');
  }
}

/** The column that holds each indexed attribute. */
export const ATTRIBUTE_COLUMNS: Record<FilterAttribute, string> = {
  use: 'use_class',
  stage: 'stage',
  yearBuilt: 'year_built',
  floors: 'floors',
  height: 'height_metres',
};

export const INDEXED_COLUMNS = INDEXED_ATTRIBUTES.map((a) => ATTRIBUTE_COLUMNS[a]);

/** The columns a query selects (prefixed with the table alias `a`); the geometry comes as GeoJSON text. */
export function selectColumns(geometryJson: string): string {
  return `a.id, a.dataset, a.kind, a.name, a.address, a.attributes, ${geometryJson} AS geometry, a.min_lon, a.min_lat, a.max_lon, a.max_lat, a.lon, a.lat`;
}

export interface AssetRow {
  id: string;
  dataset: string;
  kind: string;
  name: string;
  address: string;
  /** JSON text (SQLite) or already parsed (PostgreSQL jsonb). */
  attributes: string | Record<string, unknown>;
  geometry: string;
  min_lon: number;
  min_lat: number;
  max_lon: number;
  max_lat: number;
  lon: number;
  lat: number;
}

export function assetFromRow(row: AssetRow): Asset {
  return {
    id: row.id,
    dataset: row.dataset,
    kind: row.kind,
    name: row.name,
    address: row.address,
    attributes: typeof row.attributes === 'string' ? (JSON.parse(row.attributes) as Record<string, unknown>) : row.attributes,
    geometry: JSON.parse(row.geometry) as AssetGeometry,
    bounds: [row.min_lon, row.min_lat, row.max_lon, row.max_lat],
    position: [row.lon, row.lat],
  };
}

/**
 * The search rank of a row (alias `a`), as in src/search/search-index.ts: 0 exact ID, 1 ID
 * prefix, 2 exact name, 3 name containing the whole text, 4 the rest.
 */
export function searchRank(query: SearchQuery, p: Parameters['p'], columns: RankColumns = LOWER_COLUMNS): string {
  const whole = query.whole;
  return `CASE WHEN ${columns.lowerId} = ${p(whole)} THEN 0
    WHEN ${columns.lowerId} LIKE ${p(`${escapeLike(whole)}%`)} ESCAPE '\\' THEN 1
    WHEN ${columns.lowerName} = ${p(whole)} THEN 2
    WHEN ${columns.lowerName} LIKE ${p(`%${escapeLike(whole)}%`)} ESCAPE '\\' THEN 3
    ELSE 4 END`;
}

/** What the rank reads of a row: its lower-cased ID and name (computed, or stored by a backend). */
export interface RankColumns {
  lowerId: string;
  lowerName: string;
}

const LOWER_COLUMNS: RankColumns = { lowerId: 'lower(a.id)', lowerName: 'lower(a.name)' };

/**
 * A page of search results best first: rank and order over the matching IDs only, then fetch the
 * full rows of the page (a common term matches thousands; decoding them all would dominate).
 * `where` filters rows of `assets a` (or of `source.from`, aliased `a`, with an `id` and the name's
 * length); `collate` is the ID's byte-order collation clause, if any.
 */
export function rankedPage(where: string, rank: string, geometryJson: string, collate: string, limit: string, offset: string, source: { from: string; nameLength: string } = { from: 'assets a', nameLength: 'length(a.name)' }): string {
  const order = (t: string) => `${t}rank, CASE WHEN ${t}rank >= 2 THEN ${t}name_length ELSE 0 END, ${t}id${collate}`;
  return `WITH ranked AS (SELECT a.id AS id, ${rank} AS rank, ${source.nameLength} AS name_length FROM ${source.from} WHERE ${where}),
    page AS (SELECT * FROM ranked ORDER BY ${order('')} LIMIT ${limit} OFFSET ${offset})
    SELECT ${selectColumns(geometryJson)} FROM page JOIN assets a ON a.id = page.id ORDER BY ${order('page.')}`;
}

/** `%term%` for LIKE, wildcards escaped. */
export const containing = (term: string) => `%${escapeLike(term)}%`;

const SQL_OPERATORS: Record<FilterOperator, string> = { '=': '=', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

/**
 * The conditions of an attribute filter on `assets a`: fixed column names and operators from
 * closed lists, every value a parameter. A missing attribute (NULL) fails its clause, even "!=",
 * as in the thematic filter's matchesFilter.
 */
export function filterConditions(clauses: readonly FilterClause[] | undefined, p: Parameters['p']): string[] {
  return (clauses ?? []).map((c) => `a.${ATTRIBUTE_COLUMNS[c.attribute]} ${SQL_OPERATORS[c.operator]} ${p(c.value)}`);
}

/** An `ids` option: undefined, or at most `maximum` strings. */
export function checkIdList(ids: unknown, maximum: number): readonly string[] | undefined {
  if (ids === undefined) return undefined;
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) throw new AssetQueryError('ids must be a list of asset IDs');
  if (ids.length > maximum) throw new AssetQueryError(`ids: at most ${maximum} IDs, got ${ids.length}`);
  return ids as string[];
}

/** `a.kind IN (…)` for a kinds option, or nothing. */
export function kindCondition(kinds: readonly string[] | undefined, p: Parameters['p']): string[] {
  return kinds ? [`a.kind IN (${kinds.map((k) => p(k)).join(', ')})`] : [];
}
