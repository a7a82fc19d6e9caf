/**
 * Reading our tiles back in tests, with loaders.gl (an independent glTF reader): property
 * tables, feature IDs per vertex, and vertex positions in ECEF.
 */
import { parse } from '@loaders.gl/core';
import { GLTFLoader, postProcessGLTF } from '@loaders.gl/gltf';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Matrix4, Quaternion, Vector3 } from 'three';
import type { TilesetJson, TilesetJsonTile } from '../tileset.ts';

export interface ReadTile {
  uri: string;
  /** Property table columns by property ID. */
  columns: Record<string, unknown[]>;
  rowCount: number;
  featureIds: ArrayLike<number>;
  /** Vertex positions in ECEF metres (x, y, z interleaved). */
  positionsEcef: Float64Array;
  /** Triangle vertex indices of the first primitive. */
  indices: ArrayLike<number>;
  /** The second feature ID set (`_FEATURE_ID_1`: city models' surface rows), if any. */
  surfaceIds?: ArrayLike<number>;
  /** Columns of every property table, in order (the first is `columns`). */
  tables: Record<string, unknown[]>[];
  json: Record<string, unknown>;
}

export async function readTileset(directory: string): Promise<TilesetJson> {
  return JSON.parse(await readFile(join(directory, 'tileset.json'), 'utf8')) as TilesetJson;
}

/** Every tileset file of an output: tileset.json and the external tilesets (`tileset-<n>.json`) beside it. */
export async function readTilesetFiles(directory: string): Promise<Map<string, TilesetJson>> {
  const files = new Map<string, TilesetJson>();
  for (const name of (await readdir(directory)).filter((n) => /^tileset(-\d+)?\.json$/.test(n)).sort()) {
    files.set(name, JSON.parse(await readFile(join(directory, name), 'utf8')) as TilesetJson);
  }
  return files;
}

/** A tile whose content is another tileset, not a model. */
export function isExternalTilesetTile(tile: TilesetJsonTile): boolean {
  return tile.content?.uri.endsWith('.json') === true;
}

/**
 * The whole tree of a tileset split into files: each tile that points to an external tileset is
 * replaced by that tileset's root. Throws if a file is missing, reached twice (a cycle or a
 * shared file), or if a file is never reached; `reached` lists the files in the order found.
 */
export function resolveExternalTilesets(files: ReadonlyMap<string, TilesetJson>, rootPath = 'tileset.json'): { root: TilesetJsonTile; reached: string[] } {
  const reached: string[] = [];
  const open = (path: string): TilesetJsonTile => {
    const file = files.get(path);
    if (!file) throw new Error(`${path}: no such tileset file`);
    if (reached.includes(path)) throw new Error(`${path}: reached twice`);
    reached.push(path);
    return resolve(file.root);
  };
  const resolve = (tile: TilesetJsonTile): TilesetJsonTile => {
    if (isExternalTilesetTile(tile)) {
      if (tile.children) throw new Error(`${tile.content!.uri}: a tile pointing to an external tileset has children`);
      return open(tile.content!.uri);
    }
    return tile.children ? { ...tile, children: tile.children.map(resolve) } : tile;
  };
  const root = open(rootPath);
  const unreached = [...files.keys()].filter((path) => !reached.includes(path));
  if (unreached.length > 0) throw new Error(`tileset files never reached: ${unreached.join(', ')}`);
  return { root, reached };
}

/** The whole tree of a tileset directory, external tilesets resolved (see resolveExternalTilesets). */
export async function readWholeTileset(directory: string): Promise<TilesetJson> {
  const files = await readTilesetFiles(directory);
  return { ...files.get('tileset.json')!, root: resolveExternalTilesets(files).root };
}

export function contentTiles(tile: TilesetJsonTile): TilesetJsonTile[] {
  return [...(tile.content ? [tile] : []), ...(tile.children ?? []).flatMap(contentTiles)];
}

/** glTF is Y-up; 3D Tiles rotate it to Z-up before the tile transform. */
const Y_UP_TO_Z_UP = new Matrix4().makeRotationX(Math.PI / 2);

export async function readTile(directory: string, uri: string): Promise<ReadTile> {
  const bytes = await readFile(join(directory, uri));
  const raw = await parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, GLTFLoader, {
    gltf: { loadBuffers: true, decompressMeshes: true },
  } as never);
  const gltf = postProcessGLTF(raw as never) as unknown as {
    meshes: { primitives: { attributes: Record<string, { value: ArrayLike<number>; normalized?: boolean; componentType: number }>; indices?: { value: ArrayLike<number> } }[] }[];
    nodes: { matrix?: number[]; translation?: number[]; rotation?: number[]; scale?: number[] }[];
    extensions?: { EXT_structural_metadata?: { propertyTables: { count: number; properties: Record<string, { data: unknown[] }> }[] } };
  };
  const tables = (gltf.extensions?.EXT_structural_metadata?.propertyTables ?? []).map((t) => Object.fromEntries(Object.entries(t.properties).map(([id, property]) => [id, Array.from(property.data)])));
  const table = gltf.extensions?.EXT_structural_metadata?.propertyTables[0];
  const columns: Record<string, unknown[]> = tables[0] ?? {};
  const primitive = gltf.meshes[0]!.primitives[0]!;
  const node = gltf.nodes[0]!;
  const nodeMatrix = node.matrix
    ? new Matrix4().fromArray(node.matrix)
    : new Matrix4().compose(new Vector3(...((node.translation ?? [0, 0, 0]) as [number, number, number])), new Quaternion(...((node.rotation ?? [0, 0, 0, 1]) as [number, number, number, number])), new Vector3(...((node.scale ?? [1, 1, 1]) as [number, number, number])));
  const world = Y_UP_TO_Z_UP.clone().multiply(nodeMatrix);
  const position = primitive.attributes.POSITION!;
  const divisor = position.normalized ? ({ 5120: 127, 5121: 255, 5122: 32767, 5123: 65535 } as Record<number, number>)[position.componentType] ?? 1 : 1;
  const count = position.value.length / 3;
  const positionsEcef = new Float64Array(count * 3);
  const v = new Vector3();
  // three's Matrix4 is float64, so ECEF stays exact to the millimetre.
  for (let i = 0; i < count; i++) {
    v.set(position.value[3 * i]! / divisor, position.value[3 * i + 1]! / divisor, position.value[3 * i + 2]! / divisor).applyMatrix4(world);
    positionsEcef[3 * i] = v.x;
    positionsEcef[3 * i + 1] = v.y;
    positionsEcef[3 * i + 2] = v.z;
  }
  return {
    uri,
    columns,
    rowCount: table?.count ?? 0,
    featureIds: primitive.attributes._FEATURE_ID_0!.value,
    positionsEcef,
    indices: primitive.indices?.value ?? Array.from({ length: count }, (_, i) => i),
    surfaceIds: primitive.attributes._FEATURE_ID_1?.value,
    tables,
    json: gltf as unknown as Record<string, unknown>,
  };
}
