/**
 * Levels by distance between layers (issue 18 §3). A detail layer (config `detailOf`) holds finer
 * levels of some buildings of a base layer, and picks its own level by distance (the demo's LoD2
 * patch: LoD1 blocks refined by REPLACE into LoD2, src/demo/lod2-tiles.ts). While it is shown, the
 * base layer hides those buildings by ID, so each building is drawn once: by the base layer when
 * the detail layer is off, else by the detail layer at the level its distance calls for.
 *
 * The IDs come from the detail tileset's search-index.json (beside its tileset.json), read once.
 */
import type { Cesium3DTile, Cesium3DTileset, Scene } from 'cesium';

/** The IDs of the buildings in a tileset, from the search index beside its tileset.json. */
export async function detailLayerIds(tilesetUrl: string, idField = 'id'): Promise<Set<string>> {
  const url = new URL('search-index.json', tilesetUrl).href;
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const index = (await response.json()) as { fields?: unknown; rows?: unknown };
  const fields = Array.isArray(index.fields) ? index.fields : [];
  const column = fields.indexOf(idField);
  if (column < 0 || !Array.isArray(index.rows)) throw new Error(`${url}: not a search index with an "${idField}" field`);
  return new Set((index.rows as unknown[][]).map((row) => String(row[column])));
}

/**
 * The tiles of a tileset drawn in the last rendered frame (Cesium raises `tileVisible` for each
 * tile it draws, in render passes only), for telling which level of a building is on screen.
 */
export class DrawnTiles {
  private tiles = new Set<Cesium3DTile>();
  private readonly removers: (() => void)[];

  constructor(scene: Scene, tileset: Cesium3DTileset) {
    let drawing = new Set<Cesium3DTile>();
    this.removers = [
      scene.preRender.addEventListener(() => {
        drawing = new Set();
      }),
      tileset.tileVisible.addEventListener((tile: Cesium3DTile) => {
        drawing.add(tile);
      }),
      scene.postRender.addEventListener(() => {
        this.tiles = drawing;
      }),
    ];
  }

  /** The tiles drawn in the last rendered frame. */
  get drawn(): ReadonlySet<Cesium3DTile> {
    return this.tiles;
  }

  destroy(): void {
    for (const remove of this.removers.splice(0)) remove();
  }
}
