/**
 * Levels by distance between layers (issue 18 §3). A detail layer (config `detailOf`) holds finer
 * levels of some buildings of a base layer, and picks its own level by distance (the demo's LoD2
 * patch: LoD1 blocks refined by REPLACE into LoD2, src/demo/lod2-tiles.ts). While it is shown, the
 * base layer hides those buildings by ID, so each building is drawn once: by the base layer when
 * the detail layer is off, else by the detail layer at the level its distance calls for.
 *
 * The IDs come from the detail layer's tiles as they load (`tileIds`): a detail tile can only be
 * drawn once loaded, and the base layer hides its buildings from then on.
 */
import type { Cesium3DTile, Cesium3DTileset, Scene } from 'cesium';

/**
 * The building IDs a loaded tile holds (its features' `idProperty`), read from the tile's own
 * metadata, so a detail layer's IDs are known tile by tile as its tiles load and nothing
 * whole-dataset is fetched for them (a city's LoD2 would be a whole-city ID list).
 */
export function tileIds(tile: Cesium3DTile, idProperty = 'id'): string[] {
  const ids: string[] = [];
  const visit = (content: { featuresLength?: number; getFeature?: (i: number) => { getProperty(name: string): unknown }; innerContents?: unknown[] } | undefined) => {
    if (!content) return;
    for (let i = 0; i < (content.featuresLength ?? 0); i++) {
      const id = content.getFeature?.(i).getProperty(idProperty);
      if (id !== undefined && id !== null && id !== '') ids.push(String(id));
    }
    for (const inner of content.innerContents ?? []) visit(inner as Parameters<typeof visit>[0]);
  };
  visit(tile.content as unknown as Parameters<typeof visit>[0]);
  return ids;
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
