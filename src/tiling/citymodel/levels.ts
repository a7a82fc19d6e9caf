/**
 * Levels by distance in one tileset (issue 18 §3): a city model with two LoDs (LoD1 blocks far,
 * LoD2 roofs near) tiled once, every far tile refined by REPLACE into a near tile of exactly the
 * same objects, so any 3D Tiles runtime draws each object once, at one level or the other.
 *
 * The spatial tree is the building tiler's quadtree (additive refinement: each node holds the
 * most significant objects of its area, its children add the rest), built once over both levels'
 * bounds. Refining a tile by REPLACE swaps its content for its children's, and happens at the
 * tile's own geometric error; the LoD switch and the tree's additions must happen at different
 * distances, so a node is three tiles:
 *
 *   node (no content, ADD)                 error: that of leaving the node out (its parent's), at least the switch
 *   ├── far tile (its objects at LoD1)     error: the switch (LEVEL_SWITCH_ERROR_METRES), REPLACE
 *   │   └── near tile (same objects, LoD2) error 0
 *   └── child nodes …                      (the same, recursively)
 *
 * The node tile has no content, so when it is reached it must refine at once, as its objects
 * would have been drawn in the additive tree: its error is the error its parent gave for leaving
 * its children out (the tileset's for the root), so it refines where the additive tree would have
 * drawn its tile. Errors never grow downwards: a node's is at least the switch, its far tile's is
 * the switch, its near tile's 0, a child node's at most its parent's. Pure: plain data in, JSON out.
 */
import { regionDiagonalMetres, regionRadians, round, type TilesetJson, type TilesetJsonTile } from '../tileset.ts';
import { featuresRegion, type FeatureSummary, type TreeNode } from '../tree.ts';

/**
 * The geometric error of drawing an object's LoD1 block instead of its LoD2 solid, metres (the
 * demo's LoD2 patch's reasoning): the roofs' rise alone (about 3.5 m for old-town houses) would
 * switch at about 140 m at 720 px and the default maximum screen-space error of 16; 12 m switches
 * within about 470 m, a neighbourhood view, where the roof shapes read.
 */
export const LEVEL_SWITCH_ERROR_METRES = 12;

/** Where a node's objects at one level go: `content/lod1/<level>/<x>_<y>.glb`, `content/lod2/…`. */
export function levelContentUri(node: Pick<TreeNode, 'level' | 'x' | 'y'>, lod: string): string {
  return `content/lod${lod}/${node.level}/${node.x}_${node.y}.glb`;
}

export interface LevelsTilesetOptions {
  /** The far and near LoDs as requested ("1", "2"): they name the content folders. */
  far: string;
  near: string;
  switchErrorMetres: number;
  generator: string;
  extras?: Record<string, unknown>;
}

/** The levels tileset of a tree (see the file comment). `summaries` are indexed as the tree's featureIndices. */
export function levelsTilesetJson(root: TreeNode, summaries: readonly FeatureSummary[], options: LevelsTilesetOptions): TilesetJson {
  const switchError = round(options.switchErrorMetres);
  if (!(switchError > 0)) throw new Error('the level switch error must be a positive number of metres');
  const top = round(Math.max(regionDiagonalMetres(root.region), root.geometricErrorMetres * 2, switchError * 2, 1));
  const nodeTile = (node: TreeNode, geometricError: number): TilesetJsonTile => {
    const children: TilesetJsonTile[] = [];
    if (node.featureIndices.length > 0) {
      const boundingVolume = { region: regionRadians(featuresRegion(node.featureIndices.map((i) => summaries[i]!))) };
      children.push({
        boundingVolume,
        geometricError: switchError,
        refine: 'REPLACE',
        content: { uri: levelContentUri(node, options.far) },
        children: [{ boundingVolume, geometricError: 0, content: { uri: levelContentUri(node, options.near) } }],
      });
    }
    const childError = round(Math.max(node.geometricErrorMetres, switchError));
    for (const child of node.children) children.push(nodeTile(child, childError));
    return { boundingVolume: { region: regionRadians(node.region) }, geometricError: geometricError, refine: 'ADD', children };
  };
  const json: TilesetJson = { asset: { version: '1.1', generator: options.generator }, geometricError: top, root: nodeTile(root, top) };
  if (options.extras) json.extras = options.extras;
  return json;
}
