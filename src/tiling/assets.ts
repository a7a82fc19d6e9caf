/**
 * What the tilers hand the asset store: every building, pipe segment and point asset they tile,
 * under the same ID the tiles carry, with its full attribute record and its geometry in lon/lat.
 * The building tiler streams these from its record store (never the whole city in memory).
 */
import type { AssetGeometry, AssetInput } from '../domain/assets.ts';
import type { PipeNetwork } from '../domain/pipelines.ts';
import type { FootprintPart } from './packed-footprint.ts';

/**
 * Loads a tiler's assets into the store (all or nothing) and resolves to how many it loaded. A
 * tiler calls it before its tiles are moved into place, so a failed load leaves both the old tiles
 * and the old assets. The pipe and city-model tilers call it after their tiles are written; the
 * building tiler calls it when it starts writing tiles, with assets that are also an AsyncIterable
 * whose end waits for the last tile (see BuildingTilingOptions.loadAssets), so the stores (which
 * read with `for await`) load a city while it is tiled. Those assets are TiledAssets too.
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
