/**
 * tileset.json for a tree: 3D Tiles 1.1, region bounding volumes (radians, metres), additive
 * refinement, one content per tile (3d-tiles-renderer ignores multiple contents).
 */
import type { RegionDegrees, TreeNode } from './tree.ts';

const RADIANS_PER_DEGREE = Math.PI / 180;

export interface TilesetJsonTile {
  boundingVolume: { region: number[] };
  geometricError: number;
  refine?: 'ADD' | 'REPLACE';
  content?: { uri: string };
  children?: TilesetJsonTile[];
}

export interface TilesetJson {
  asset: { version: '1.1'; generator: string; tilesetVersion?: string };
  geometricError: number;
  root: TilesetJsonTile;
  extras?: Record<string, unknown>;
}

export function contentUri(node: Pick<TreeNode, 'level' | 'x' | 'y'>): string {
  return `content/${node.level}/${node.x}_${node.y}.glb`;
}

/**
 * A region in radians as tileset.json writes it: rounded outward, west and south down and east
 * and north up to 1e-9 rad (about 6 mm on the ground), heights to the centimetre, so the region
 * still holds everything it held and a child's region stays within its parent's (rounding
 * outward keeps order). Full doubles spend 18 characters a number where 11 do: at a million
 * buildings the tileset JSON a viewer reads is about a fifth smaller.
 */
export function regionRadians(region: RegionDegrees): number[] {
  return [
    down(region[0] * RADIANS_PER_DEGREE, ANGLE_STEPS),
    down(region[1] * RADIANS_PER_DEGREE, ANGLE_STEPS),
    up(region[2] * RADIANS_PER_DEGREE, ANGLE_STEPS),
    up(region[3] * RADIANS_PER_DEGREE, ANGLE_STEPS),
    down(region[4], HEIGHT_STEPS),
    up(region[5], HEIGHT_STEPS),
  ];
}

/** Steps per unit: 1e-9 rad, 1 cm. */
const ANGLE_STEPS = 1e9;
const HEIGHT_STEPS = 100;

/** The largest multiple of 1/steps at or below value (the product's own rounding corrected). */
function down(value: number, steps: number): number {
  let k = Math.floor(value * steps);
  if (k / steps > value) k -= 1;
  return k / steps;
}

/** The smallest multiple of 1/steps at or above value. */
function up(value: number, steps: number): number {
  let k = Math.ceil(value * steps);
  if (k / steps < value) k += 1;
  return k / steps;
}

function tileJson(node: TreeNode, isRoot: boolean): TilesetJsonTile {
  const tile: TilesetJsonTile = { boundingVolume: { region: regionRadians(node.region) }, geometricError: round(node.geometricErrorMetres) };
  if (isRoot) tile.refine = 'ADD';
  if (node.featureIndices.length > 0) tile.content = { uri: contentUri(node) };
  if (node.children.length > 0) tile.children = node.children.map((child) => tileJson(child, false));
  return tile;
}

/** A length in metres to the millimetre, as written in tileset JSON. */
export function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** Size of a region on the ground and in height (metres, approximate): the error of showing nothing at all. */
export function regionDiagonalMetres(region: RegionDegrees): number {
  const metresPerDegree = 111_320;
  const midLat = ((region[1] + region[3]) / 2) * RADIANS_PER_DEGREE;
  const dx = (region[2] - region[0]) * metresPerDegree * Math.cos(midLat);
  const dy = (region[3] - region[1]) * metresPerDegree;
  return Math.hypot(dx, dy, region[5] - region[4]);
}

export function tilesetJson(root: TreeNode, generator: string, extras?: Record<string, unknown>): TilesetJson {
  const rootTile = tileJson(root, true);
  const json: TilesetJson = {
    asset: { version: '1.1', generator },
    geometricError: round(Math.max(regionDiagonalMetres(root.region), root.geometricErrorMetres * 2, 1)),
    root: rootTile,
  };
  if (extras) json.extras = extras;
  return json;
}
