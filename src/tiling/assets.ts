/**
 * What the tilers hand the asset store: every building, pipe segment and point asset they tile,
 * under the same ID the tiles carry, with its full attribute record and its geometry in lon/lat.
 * The building tiler streams these from its record store (never the whole city in memory).
 */
import type { AssetGeometry, AssetInput } from '../domain/assets.ts';
import type { PipeNetwork } from '../domain/pipelines.ts';
import { unpackParts, type FootprintPart } from './packed-footprint.ts';
import { scanRecordFile, type RecordFile, type StoredRecord } from './record-store.ts';

/**
 * Loads a tiler's assets into the store (all or nothing) and resolves to how many it loaded. A
 * tiler calls it before its tiles are moved into place, so a failed load leaves both the old tiles
 * and the old assets. The pipe and city-model tilers call it after their tiles are written; the
 * building tiler calls it when it starts writing tiles, with assets that are also an AsyncIterable
 * whose end waits for the last tile (see BuildingTilingOptions.loadAssets), so the stores (which
 * read with `for await`) load a city while it is tiled. Those assets are TiledAssets too, and
 * WorkerReadableAssets: the asset store's loader reads them on a worker thread of its own.
 */
export type AssetLoader = (assets: Iterable<AssetInput>) => Promise<number>;

/**
 * Assets handed out while their tiles are still being written. A loader that calls
 * `tilesWritten()` takes on the wait: the input then ends at its last asset instead of when the
 * tiles are written, and the loader must not commit before the returned promise resolves (it
 * rejects with the tiling's error, and then the loader must load nothing). The asset store's own
 * loader (openAssetLoader) does, so a store builds its indexes while the tiles are written.
 */
export interface TiledAssets {
  tilesWritten(): Promise<void>;
}

/** Whether these assets come from a tiler that is still writing their tiles. */
export function isTiledAssets(assets: unknown): assets is TiledAssets {
  return typeof (assets as Partial<TiledAssets> | null)?.tilesWritten === 'function';
}

/**
 * The building tiler's buildings as another thread can read them itself (buildingRecordAssets):
 * its spilled records, and each building's centre and footprint area (NaN: none) by record.
 * Structured-cloneable, so a loader can hand it to a worker thread and keep the tiler's thread
 * for the tiles. Readable until the tiling ends (the record file is deleted then).
 */
export interface BuildingRecords {
  records: RecordFile;
  lonDegrees: Float64Array;
  latDegrees: Float64Array;
  footprintSquareMetres: Float64Array;
}

/** Assets that a worker thread can read on its own (the building tiler's). */
export interface WorkerReadableAssets {
  buildingRecords(): BuildingRecords;
}

export function isWorkerReadable(assets: unknown): assets is WorkerReadableAssets {
  return typeof (assets as Partial<WorkerReadableAssets> | null)?.buildingRecords === 'function';
}

function textOf(...values: unknown[]): string {
  for (const v of values) if (typeof v === 'string' && v.trim()) return v.trim();
  return '';
}

/** A building's name and address from its properties (name, name:zh…; address, else street + number). */
export function searchColumns(p: Record<string, unknown>): { name: string; address: string } {
  const street = textOf(p['addr_street'], p['addr:street']);
  const number = textOf(String(p['addr_housenumber'] ?? ''), String(p['addr:housenumber'] ?? ''));
  return { name: textOf(p['name'], p['name:zh'], p['name:en']), address: textOf(p['address'], street ? `${street}${number}` : '') };
}

/** One building record of the tiler as an asset. */
function buildingRecordAsset(record: StoredRecord, centre: { lonDegrees: number; latDegrees: number; footprintSquareMetres?: number }): AssetInput {
  const properties = JSON.parse(record.json) as Record<string, unknown>;
  return buildingAsset({ properties, parts: unpackParts(record.packed), ...searchColumns(properties), ...centre });
}

/** Every building of a tiler's records as an asset, in record order (on the calling thread). */
export function* buildingRecordAssets(source: BuildingRecords): Generator<AssetInput> {
  let i = 0;
  for (const record of scanRecordFile(source.records)) {
    const footprint = source.footprintSquareMetres[i]!;
    yield buildingRecordAsset(record, { lonDegrees: source.lonDegrees[i]!, latDegrees: source.latDegrees[i]!, footprintSquareMetres: Number.isNaN(footprint) ? undefined : footprint });
    i++;
  }
}

/** Close a flat ring [lon, lat, lon, lat, …] as GeoJSON wants (last position = first). */
function closedRing(flat: ArrayLike<number>): [number, number][] {
  const ring: [number, number][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) ring.push([flat[i]!, flat[i + 1]!]);
  const first = ring[0];
  const last = ring[ring.length - 1];
  if (first && last && (first[0] !== last[0] || first[1] !== last[1])) ring.push([first[0], first[1]]);
  return ring;
}

/** A building's footprint parts as GeoJSON: one Polygon, or a MultiPolygon for a building in parts. */
export function footprintGeometry(parts: readonly FootprintPart[]): AssetGeometry {
  const polygons = parts.map((part) => Array.from(part.rings, (ring) => closedRing(ring)));
  return polygons.length === 1 ? { type: 'Polygon', coordinates: polygons[0]! } : { type: 'MultiPolygon', coordinates: polygons };
}

export interface BuildingAssetSource {
  /** The building's properties as the tiles carry them (id, name, height, …). */
  properties: Record<string, unknown>;
  parts: readonly FootprintPart[];
  name: string;
  address: string;
  /** Centre of the footprint's bounds, degrees. */
  lonDegrees: number;
  latDegrees: number;
  footprintSquareMetres?: number;
}

export function buildingAsset(source: BuildingAssetSource): AssetInput {
  const attributes = { ...source.properties };
  if (source.footprintSquareMetres !== undefined) attributes.footprint = Math.round(source.footprintSquareMetres);
  return {
    id: String(source.properties.id),
    kind: 'building',
    name: source.name,
    address: source.address,
    attributes,
    geometry: footprintGeometry(source.parts),
    position: [source.lonDegrees, source.latDegrees],
  };
}

/** A pipe network's segments (kind "pipe", a LineString) and point assets (their own kind, a Point). */
export function* networkAssets(network: PipeNetwork): Generator<AssetInput> {
  for (const { path, id, ...rest } of network.segments) {
    yield { id, kind: 'pipe', attributes: { ...rest }, geometry: { type: 'LineString', coordinates: path.map(([lon, lat]) => [lon, lat]) } };
  }
  for (const { id, kind, lonDegrees, latDegrees, ...rest } of network.assets) {
    yield { id, kind, attributes: { ...rest }, geometry: { type: 'Point', coordinates: [lonDegrees, latDegrees] } };
  }
}
