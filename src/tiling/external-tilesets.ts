/**
 * City-scale tilesets as a tree of tileset files: past a bound on tiles per file, subtrees move
 * to external tilesets (a tile whose content is another tileset.json), so the root file a viewer
 * opens first stays small whatever the size of the city (a 62 MB tileset.json took about 10 s to
 * open in CesiumJS, CesiumGS/cesium#3453). External tilesets, not implicit tiling: both readers
 * of our tiles load them (CesiumJS and 3d-tiles-renderer refine into an external tileset
 * unconditionally, as its tile has nothing of its own to draw), and our trees are not the full
 * quadtrees implicit tiling describes (the pipe tiles mix REPLACE line levels and ADD tube trees).
 *
 * A tileset of at most the bound is one file, as before. Pure: JSON in, JSON out.
 */
import type { TilesetJson, TilesetJsonTile } from './tileset.ts';

/**
 * Most tiles in one tileset file (about 200 bytes a tile: at most about 20 KB a file). A
 * million buildings are about 5,500 tiles. CesiumJS and 3d-tiles-renderer load an external
 * tileset whenever its tile is reached and keep an object per tile of it (a few KB of heap each
 * in CesiumJS), so a file should hold little more than a view reaches: with 1,000 a file, the 1M
 * city's view held about 2,700 tiles' objects for the few hundred it drew.
 */
export const DEFAULT_MAXIMUM_TILES_PER_FILE = 100;

export interface TilesetFile {
  /** Relative to the output directory: `tileset.json` for the root, then `tileset-<n>.json`. */
  path: string;
  json: TilesetJson;
}

export interface SplitOptions {
  /** Default DEFAULT_MAXIMUM_TILES_PER_FILE. */
  maximumTilesPerFile?: number;
}

/** Name of the n-th external tileset (n from 1). Beside tileset.json, so content URIs need no rewriting. */
export function externalTilesetPath(n: number): string {
  return `tileset-${n}.json`;
}

/**
 * The files of a tileset: the root (`tileset.json`) first, then the external tilesets. Subtrees
 * are cut from the bottom up: a tile whose file would hold more than the bound moves its largest
 * children's subtrees (each within the bound itself) to files of their own, each replaced by one
 * tile that points to its file. Every tile keeps its content URI, bounding volume and error. A
 * file holds more than the bound only where one tile has more children than the bound (a tile
 * and its children, each at least as a reference, share a file).
 */
export function splitTileset(tileset: TilesetJson, options: SplitOptions = {}): TilesetFile[] {
  const maximum = options.maximumTilesPerFile ?? DEFAULT_MAXIMUM_TILES_PER_FILE;
  if (!(maximum >= 2)) throw new Error('maximumTilesPerFile must be at least 2');
  const cut = new Set<TilesetJsonTile>();
  planCuts(tileset.root, maximum, cut);
  if (cut.size === 0) return [{ path: 'tileset.json', json: tileset }];

  const files: TilesetFile[] = [];
  const pending: { tile: TilesetJsonTile; refine: 'ADD' | 'REPLACE'; geometricError: number; path: string }[] = [];
  let named = 0;
  /** A copy of the tile in which every cut child is a reference to the file its subtree moves to. */
  const copy = (tile: TilesetJsonTile, refine: 'ADD' | 'REPLACE'): TilesetJsonTile => {
    const out: TilesetJsonTile = { ...tile };
    if (!tile.children) return out;
    out.children = tile.children.map((child) => {
      const childRefine = child.refine ?? refine;
      if (!cut.has(child)) return copy(child, childRefine);
      const path = externalTilesetPath(++named);
      // The error of leaving the subtree out is its parent's: the tile the viewer refined to reach it.
      pending.push({ tile: child, refine: childRefine, geometricError: tile.geometricError, path });
      const reference: TilesetJsonTile = { boundingVolume: child.boundingVolume, geometricError: tile.geometricError, content: { uri: path } };
      if (child.refine) reference.refine = child.refine;
      return reference;
    });
    return out;
  };
  const rootRefine = tileset.root.refine ?? 'REPLACE';
  files.push({ path: 'tileset.json', json: { ...tileset, root: copy(tileset.root, rootRefine) } });
  // Breadth-first: the files a viewer reaches first get the lowest numbers.
  for (let k = 0; k < pending.length; k++) {
    const { tile, refine, geometricError, path } = pending[k]!;
    // The root tile of a tileset must say how it refines.
    const root = copy({ ...tile, refine }, refine);
    files.push({ path, json: { asset: tileset.asset, geometricError, root } });
  }
  return files;
}

/** Decide which subtrees move out; returns the number of tiles this tile's file holds for its subtree. */
function planCuts(tile: TilesetJsonTile, maximum: number, cut: Set<TilesetJsonTile>): number {
  const children = tile.children ?? [];
  const sizes = children.map((child) => planCuts(child, maximum, cut));
  let size = 1 + sizes.reduce((sum, s) => sum + s, 0);
  if (size <= maximum) return size;
  // Largest first: the fewest files that bring this one within the bound. A lone leaf is not worth a file.
  const order = children.map((_, i) => i).sort((a, b) => sizes[b]! - sizes[a]! || a - b);
  for (const i of order) {
    if (size <= maximum || sizes[i]! <= 1) break;
    cut.add(children[i]!);
    size -= sizes[i]! - 1;
  }
  return size;
}

/** Total tiles over all files, not counting the references (for reports and tests). */
export function countTiles(tile: TilesetJsonTile): number {
  return 1 + (tile.children ?? []).reduce((sum, child) => sum + countTiles(child), 0);
}

export interface WrittenTilesets {
  /** Tileset files written: 1 for a tileset within the bound. */
  files: number;
  /** Bytes of all of them. */
  bytes: number;
  /** Bytes of tileset.json alone: what a viewer reads before it can show anything. */
  rootBytes: number;
}

/** Split a tileset (splitTileset) and write its files as JSON with `write` (path relative to the output directory). */
export async function writeTilesetFiles(tileset: TilesetJson, write: (path: string, text: string) => Promise<void>, options: SplitOptions = {}): Promise<WrittenTilesets> {
  const written: WrittenTilesets = { files: 0, bytes: 0, rootBytes: 0 };
  for (const file of splitTileset(tileset, options)) {
    const text = JSON.stringify(file.json);
    await write(file.path, text);
    const bytes = Buffer.byteLength(text);
    written.files++;
    written.bytes += bytes;
    if (file.path === 'tileset.json') written.rootBytes = bytes;
  }
  return written;
}
