/**
 * Assets: every building, pipe segment, network node and point asset, under its one stable ID
 * (see ARCHITECTURE.md, "One identity for every asset"). The rules both asset-store backends
 * share: what a valid asset is, its bounds and position, and what a valid query is (search text,
 * bbox, radius, page). Pure: the stores in src/server/assets apply them and do the SQL.
 */
import { FILTER_ATTRIBUTES, FilterSyntaxError, parseFilter, type FilterAttribute, type FilterClause } from './thematic/filter.ts';

/** Kinds the importers write; the store accepts any lower-case identifier (BIM elements, sensors, grids…). */
export const KNOWN_ASSET_KINDS = ['building', 'pipe', 'manhole', 'well', 'valve', 'hydrant', 'junction', 'service-connection', 'tank', 'reservoir', 'pump'] as const;

export type Position = [number, number] | [number, number, number];

/** GeoJSON geometry in WGS84 lon/lat degrees (RFC 7946); a third coordinate, if any, is metres. */
export type AssetGeometry =
  | { type: 'Point'; coordinates: Position }
  | { type: 'MultiPoint'; coordinates: Position[] }
  | { type: 'LineString'; coordinates: Position[] }
  | { type: 'MultiLineString'; coordinates: Position[][] }
  | { type: 'Polygon'; coordinates: Position[][] }
  | { type: 'MultiPolygon'; coordinates: Position[][][] };

/** A degrees rectangle: west, south, east, north (the GeoJSON bbox order). */
export type Bbox = [west: number, south: number, east: number, north: number];

/** What an importer hands the store. */
export interface AssetInput {
  /** The stable ID (tile metadata `id`, SensorThings `assetId`, URLs…), unique across datasets. */
  id: string;
  /** Kind: "building", "pipe", "valve"… (a lower-case identifier). */
  kind: string;
  name?: string;
  address?: string;
  /** The full attribute record (JSON object). */
  attributes?: Record<string, unknown>;
  geometry: AssetGeometry;
  /** Representative point [lon, lat] degrees (a building's centroid). Default: the bounds' centre. */
  position?: [number, number];
}

/** An asset as stored and returned. */
export interface Asset {
  id: string;
  /** The dataset it was loaded with (a tileset's name: "demo-buildings", "hefei-water"…). */
  dataset: string;
  kind: string;
  name: string;
  address: string;
  attributes: Record<string, unknown>;
  geometry: AssetGeometry;
  /** [west, south, east, north] degrees of the geometry. */
  bounds: Bbox;
  /** [lon, lat] degrees. */
  position: [number, number];
}

/**
 * The attributes the stores keep in indexed columns besides the JSON record: the filter
 * attributes (use, stage, yearBuilt, floors, height), so the filter parser's clauses become
 * indexed, parameterised SQL.
 */
export const INDEXED_ATTRIBUTES: readonly FilterAttribute[] = FILTER_ATTRIBUTES;

/** The value an indexed column holds for an attribute: a number or text of the right kind, else null. */
export function indexedValue(attributes: Record<string, unknown>, attribute: FilterAttribute): string | number | null {
  const value = attributes[attribute];
  if (attribute === 'use' || attribute === 'stage') return typeof value === 'string' && value !== '' ? value : null;
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  return Number.isFinite(n) ? n : null;
}

/** A bad asset in a load: names the asset (by ID or position in the input) and the reason. */
export class AssetInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AssetInputError';
  }
}

/** A bad query (search text, bbox, radius, page): the message says what is wrong. */
export class AssetQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AssetQueryError';
  }
}

export const MAXIMUM_ID_LENGTH = 256;
export const MAXIMUM_TEXT_LENGTH = 1_000;
const IDENTIFIER = /^[a-z0-9][a-z0-9._-]{0,127}$/;
// C0/C1 controls (NUL breaks PostgreSQL text) and lone surrogates (not UTF-8).
// eslint-disable-next-line no-control-regex
const UNSAFE_TEXT = /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

// JSON.stringify writes a surrogate pair as is and escapes NUL and unpaired surrogates only.
const UNSAFE_JSON_ESCAPE = /(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f][0-9a-f]{2})/i;

/** Check a dataset name: a lower-case identifier (letters, digits, ".", "_", "-"). */
export function checkDatasetName(dataset: unknown): string {
  if (typeof dataset !== 'string' || !IDENTIFIER.test(dataset)) {
    throw new AssetInputError(`dataset name ${JSON.stringify(dataset)} is not valid (expected 1–128 lower-case letters, digits, ".", "_" or "-")`);
  }
  return dataset;
}

/**
 * Where in the input a problem is, for its message: made into text only when one is thrown (a
 * load checks a million assets and fails on at most one).
 */
class Place {
  constructor(private readonly text: () => string) {}
  toString(): string {
    return this.text();
  }
}

function finiteNumbers(values: readonly unknown[]): boolean {
  for (const n of values) if (typeof n !== 'number' || !Number.isFinite(n)) return false;
  return true;
}

function checkPosition(value: unknown, where: string | Place): Position {
  if (!Array.isArray(value) || value.length < 2 || value.length > 3 || !finiteNumbers(value)) {
    throw new AssetInputError(`${where}: a position must be 2 or 3 finite numbers, got ${JSON.stringify(value)?.slice(0, 80)}`);
  }
  const [lon, lat] = value as number[];
  if (lon! < -180 || lon! > 180 || lat! < -90 || lat! > 90) throw new AssetInputError(`${where}: [${lon}, ${lat}] is outside lon/lat degrees (expected WGS84, lon −180…180, lat −90…90)`);
  return value as Position;
}

/** The checked positions of `value`, nested `depth` deep, appended to `out`. */
function positions(value: unknown, depth: number, where: string | Place, minimum: number, out: Position[]): Position[] {
  if (!Array.isArray(value)) throw new AssetInputError(`${where}: coordinates must be an array`);
  if (depth === 0) {
    out.push(checkPosition(value, where));
    return out;
  }
  if (depth === 1 && value.length < minimum) throw new AssetInputError(`${where}: needs at least ${minimum} positions, got ${value.length}`);
  if (value.length === 0) throw new AssetInputError(`${where}: empty coordinates`);
  for (const v of value) positions(v, depth - 1, where, minimum, out);
  return out;
}

const GEOMETRY_DEPTH: Record<AssetGeometry['type'], { depth: number; minimum: number }> = {
  Point: { depth: 0, minimum: 1 },
  MultiPoint: { depth: 1, minimum: 1 },
  LineString: { depth: 1, minimum: 2 },
  MultiLineString: { depth: 2, minimum: 2 },
  Polygon: { depth: 2, minimum: 4 },
  MultiPolygon: { depth: 3, minimum: 4 },
};

/** The positions of a geometry, checked; throws AssetInputError naming the problem. */
export function geometryPositions(geometry: unknown, where: string | Place): Position[] {
  const g = geometry as { type?: unknown; coordinates?: unknown } | null;
  if (!g || typeof g !== 'object' || typeof g.type !== 'string' || !(g.type in GEOMETRY_DEPTH)) {
    throw new AssetInputError(`${where}: geometry must be a GeoJSON ${Object.keys(GEOMETRY_DEPTH).join(', ')}, got ${JSON.stringify(g?.type ?? g)}`);
  }
  const { depth, minimum } = GEOMETRY_DEPTH[g.type as AssetGeometry['type']];
  const all = positions(g.coordinates, depth, new Place(() => `${where} (${g.type})`), minimum, []);
  if (g.type === 'Polygon' || g.type === 'MultiPolygon') {
    const rings = (g.type === 'Polygon' ? (g.coordinates as Position[][]) : (g.coordinates as Position[][][]).flat()) ;
    for (const ring of rings) {
      const first = ring[0]!, last = ring[ring.length - 1]!;
      if (first[0] !== last[0] || first[1] !== last[1]) throw new AssetInputError(`${where} (${g.type}): a ring must end where it starts (RFC 7946 §3.1.6)`);
    }
  }
  return all;
}

export function boundsOf(points: readonly Position[]): Bbox {
  let west = Infinity, south = Infinity, east = -Infinity, north = -Infinity;
  for (const [lon, lat] of points) {
    if (lon < west) west = lon;
    if (lon > east) east = lon;
    if (lat < south) south = lat;
    if (lat > north) north = lat;
  }
  return [west, south, east, north];
}

function checkText(value: unknown, field: string, where: string | Place, maximum = MAXIMUM_TEXT_LENGTH): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new AssetInputError(`${where}: ${field} must be text, got ${typeof value}`);
  if (value.length > maximum) throw new AssetInputError(`${where}: ${field} is longer than ${maximum} characters`);
  if (UNSAFE_TEXT.test(value)) throw new AssetInputError(`${where}: ${field} contains a control character or an unpaired surrogate`);
  return value;
}

/**
 * Check one asset of a load and complete it (bounds, position, defaults). `index` is its place
 * in the input, for the message when the ID itself is wrong.
 */
export function checkAsset(input: unknown, dataset: string, index: number): Asset {
  return checkAssetRecord(input, dataset, index).asset;
}

/**
 * checkAsset, with the attributes' JSON text it checked (what `asset.attributes` was parsed
 * from): a store writes that text as is instead of stringifying the attributes again.
 */
export function checkAssetRecord(input: unknown, dataset: string, index: number): { asset: Asset; attributesJson: string } {
  const a = input as Partial<AssetInput> | null;
  if (!a || typeof a !== 'object') throw new AssetInputError(`asset ${index + 1} of dataset ${dataset}: not an object`);
  if (typeof a.id !== 'string' || a.id === '') throw new AssetInputError(`asset ${index + 1} of dataset ${dataset}: missing ID`);
  const idText = a.id;
  const where = new Place(() => `asset ${JSON.stringify(idText.slice(0, 80))} (${index + 1} of dataset ${dataset})`);
  const id = checkText(a.id, 'the ID', where, MAXIMUM_ID_LENGTH);
  if (typeof a.kind !== 'string' || !IDENTIFIER.test(a.kind)) throw new AssetInputError(`${where}: kind ${JSON.stringify(a.kind)} is not a lower-case identifier`);
  const attributes = a.attributes ?? {};
  if (typeof attributes !== 'object' || Array.isArray(attributes)) throw new AssetInputError(`${where}: attributes must be a JSON object`);
  let attributesJson: string;
  try {
    attributesJson = JSON.stringify(attributes);
  } catch (error) {
    throw new AssetInputError(`${where}: attributes are not JSON (${(error as Error).message})`);
  }
  // JSON.stringify escapes NUL and unpaired surrogates; PostgreSQL's jsonb rejects both escapes.
  if (UNSAFE_JSON_ESCAPE.test(attributesJson)) throw new AssetInputError(`${where}: attributes contain a NUL character or an unpaired surrogate`);
  const points = geometryPositions(a.geometry, where);
  const bounds = boundsOf(points);
  const position = a.position === undefined ? ([(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2] as [number, number]) : (checkPosition(a.position, new Place(() => `${where} position`)).slice(0, 2) as [number, number]);
  const asset: Asset = {
    id,
    dataset,
    kind: a.kind,
    name: checkText(a.name, 'name', where),
    address: checkText(a.address, 'address', where),
    attributes: JSON.parse(attributesJson) as Record<string, unknown>,
    geometry: { type: (a.geometry as AssetGeometry).type, coordinates: (a.geometry as AssetGeometry).coordinates } as AssetGeometry,
    bounds,
    position,
  };
  return { asset, attributesJson };
}

// ---------------------------------------------------------------------------------------------
// Queries

/** Longest search text accepted, characters. */
export const MAXIMUM_SEARCH_LENGTH = 200;
/** Most whitespace-separated terms in a search. */
export const MAXIMUM_SEARCH_TERMS = 8;
/**
 * Shortest term the trigram indexes (FTS5 trigram, pg_trgm) can look up. A search whose terms
 * are all shorter (合肥, 区) is matched by a scan of the names instead, which is slower at city scale.
 */
export const TRIGRAM_LENGTH = 3;
/** Largest page any asset query returns. */
export const MAXIMUM_PAGE_SIZE = 1_000;
export const DEFAULT_PAGE_SIZE = 20;
/** Largest offset into a result list (deep paging is a scan). */
export const MAXIMUM_OFFSET = 10_000;
/** Largest radius, metres. */
export const MAXIMUM_RADIUS_METRES = 50_000;

export interface SearchQuery {
  /** Lower-case terms, each matched as a substring of the ID, name or address. */
  terms: string[];
  /** The terms joined by one space: what an exact ID or name match compares with. */
  whole: string;
  /** Whether at least one term is long enough for the trigram index. */
  indexed: boolean;
}

/** Characters are counted as code points, as the trigram tokenizers do. */
const codePoints = (text: string) => [...text].length;

/**
 * Parse search text: whitespace-separated terms, every one of which must occur (case-insensitive)
 * in the ID, name or address. Any character is literal (quotes, %, _, parentheses…). An empty
 * text has no terms (no results); text over the limits, or with control characters, is an error.
 */
export function parseSearchQuery(text: unknown): SearchQuery {
  if (typeof text !== 'string') throw new AssetQueryError('search text must be a string');
  if (codePoints(text) > MAXIMUM_SEARCH_LENGTH) throw new AssetQueryError(`search text is longer than ${MAXIMUM_SEARCH_LENGTH} characters`);
  if (UNSAFE_TEXT.test(text.replace(/[\t\n\r]/g, ' '))) throw new AssetQueryError('search text contains a control character or an unpaired surrogate');
  const terms = [...new Set(text.trim().toLowerCase().split(/\s+/).filter(Boolean))];
  if (terms.length > MAXIMUM_SEARCH_TERMS) throw new AssetQueryError(`search text has more than ${MAXIMUM_SEARCH_TERMS} terms`);
  return { terms, whole: terms.join(' '), indexed: terms.some((t) => codePoints(t) >= TRIGRAM_LENGTH) };
}

/** Escape a LIKE pattern's wildcards (%, _) and the escape character itself (\). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function checkBbox(value: unknown): Bbox {
  if (!Array.isArray(value) || value.length !== 4 || !value.every((n) => typeof n === 'number' && Number.isFinite(n))) {
    throw new AssetQueryError(`a bbox must be 4 finite numbers [west, south, east, north], got ${JSON.stringify(value)?.slice(0, 80)}`);
  }
  const [west, south, east, north] = value as Bbox;
  if (west < -180 || east > 180 || south < -90 || north > 90) throw new AssetQueryError(`bbox [${value.join(', ')}] is outside lon −180…180, lat −90…90 degrees`);
  if (south > north) throw new AssetQueryError(`bbox [${value.join(', ')}]: south ${south} is north of north ${north}`);
  if (west > east) throw new AssetQueryError(`bbox [${value.join(', ')}]: west ${west} is east of east ${east} (a bbox across the antimeridian is not supported; split it in two)`);
  return [west, south, east, north];
}

export interface Page {
  limit: number;
  offset: number;
}

export function checkPage(options: { limit?: unknown; offset?: unknown } = {}, maximum = MAXIMUM_PAGE_SIZE): Page {
  const limit = options.limit ?? DEFAULT_PAGE_SIZE;
  const offset = options.offset ?? 0;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > maximum) throw new AssetQueryError(`limit must be an integer from 1 to ${maximum}, got ${String(limit)}`);
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0 || offset > MAXIMUM_OFFSET) throw new AssetQueryError(`offset must be an integer from 0 to ${MAXIMUM_OFFSET}, got ${String(offset)}`);
  return { limit, offset };
}

export function checkKinds(kinds: unknown): string[] | undefined {
  if (kinds === undefined) return undefined;
  if (!Array.isArray(kinds) || kinds.length === 0 || kinds.length > 32 || !kinds.every((k) => typeof k === 'string' && IDENTIFIER.test(k))) {
    throw new AssetQueryError(`kinds must be 1–32 lower-case identifiers, got ${JSON.stringify(kinds)?.slice(0, 80)}`);
  }
  return [...new Set(kinds as string[])];
}

/** The mean Earth radius (IUGG R1), which PostGIS uses for geography on the sphere. */
export const MEAN_EARTH_RADIUS_METRES = 6_371_008.7714;

/** Great-circle distance between two lon/lat points on the mean sphere (haversine), metres. */
export function greatCircleDistanceMetres(lon0: number, lat0: number, lon1: number, lat1: number): number {
  const radians = Math.PI / 180;
  const dLat = (lat1 - lat0) * radians;
  const dLon = (lon1 - lon0) * radians;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(lat0 * radians) * Math.cos(lat1 * radians) * Math.sin(dLon / 2) ** 2;
  return 2 * MEAN_EARTH_RADIUS_METRES * Math.asin(Math.min(1, Math.sqrt(h)));
}

export function checkCircle(lon: unknown, lat: unknown, metres: unknown): { lon: number; lat: number; metres: number } {
  if (typeof lon !== 'number' || typeof lat !== 'number' || !Number.isFinite(lon) || !Number.isFinite(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90) {
    throw new AssetQueryError(`centre [${String(lon)}, ${String(lat)}] is not a lon/lat position in degrees`);
  }
  if (typeof metres !== 'number' || !Number.isFinite(metres) || metres < 0 || metres > MAXIMUM_RADIUS_METRES) {
    throw new AssetQueryError(`radius must be 0 to ${MAXIMUM_RADIUS_METRES} metres, got ${String(metres)}`);
  }
  return { lon, lat, metres };
}

/**
 * A bbox that holds every point within `metres` of the centre (for an index look-up before the
 * exact distance): latitude by the arc, longitude widened at the bbox's pole-most latitude.
 */
export function circleBbox(lon: number, lat: number, metres: number): Bbox {
  const arcDegrees = (metres / MEAN_EARTH_RADIUS_METRES) * (180 / Math.PI) * 1.000001 + 1e-9;
  const south = Math.max(-90, lat - arcDegrees);
  const north = Math.min(90, lat + arcDegrees);
  const poleward = Math.max(Math.abs(south), Math.abs(north));
  const cos = Math.cos((poleward * Math.PI) / 180);
  const lonDegrees = poleward >= 89.999 || cos < 1e-6 ? 180 : Math.min(180, arcDegrees / cos);
  return [Math.max(-180, lon - lonDegrees), south, Math.min(180, lon + lonDegrees), north];
}

/** Longest attribute-filter text accepted, characters, and most clauses. */
export const MAXIMUM_FILTER_LENGTH = 500;
export const MAXIMUM_FILTER_CLAUSES = 16;

/**
 * An attribute filter for a store query: the filter box's text ("use=residential;floors>12",
 * parsed by the thematic filter's own parser) or its clauses. An empty text is no filter.
 */
export function checkFilter(filter: unknown): FilterClause[] | undefined {
  if (filter === undefined) return undefined;
  if (typeof filter !== 'string') throw new AssetQueryError('a filter must be text such as use=residential;floors>12');
  if (filter.length > MAXIMUM_FILTER_LENGTH) throw new AssetQueryError(`filter is longer than ${MAXIMUM_FILTER_LENGTH} characters`);
  let clauses: FilterClause[];
  try {
    clauses = parseFilter(filter);
  } catch (error) {
    if (error instanceof FilterSyntaxError) throw new AssetQueryError(`filter: ${error.message}`);
    throw error;
  }
  if (clauses.length > MAXIMUM_FILTER_CLAUSES) throw new AssetQueryError(`filter has more than ${MAXIMUM_FILTER_CLAUSES} clauses`);
  return clauses.length === 0 ? undefined : clauses;
}
