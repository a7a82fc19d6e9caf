/**
 * One 3D Tiles layer: loads any 3D Tiles 1.0/1.1 tileset (b3dm with batch tables, glTF with
 * EXT_mesh_features/EXT_structural_metadata, implicit tiling, Draco or meshopt), reports load
 * state and failures naming the URL, highlights the selected asset by its ID with a style.
 */
import { Color, Cesium3DTileFeature, Cesium3DTileset, type Cartesian2, type Cesium3DTile, type Viewer } from 'cesium';
import { assetStyle } from './asset-style.ts';
import type { BuildingAppearance } from '../domain/thematic/appearance.ts';
import type { BuildingAttributes } from '../domain/thematic/themes.ts';
import type { PropertyEntry } from '../store/index.ts';
import { errorText } from '../domain/error-text.ts';
import { cityModelShader, isCityModelTileset } from './surface-style.ts';
import { DrawnTiles } from './lod-levels.ts';
import { readPropertyPacked } from './packed-strings.ts';

export const SELECTED_COLOUR_CSS = '#ffc61a';

export interface TilesetLayerCallbacks {
  onPending(pending: number): void;
  onContentFailed(message: string): void;
}

/**
 * Load only the tiles the view wants, not the levels above them (Cesium's skipLevelOfDetail with
 * immediatelyLoadDesiredLevelOfDetail). For the pipelines, whose levels replace one another:
 * Cesium's default traversal loads every level on the way down, so under a street it fetched and
 * decoded the whole network's top line tile (1.5 MB) and the four below it (1.6 MB), none of
 * them drawn there once the tube tiles were in, about half the tiles it loaded. While a new view's tiles load, the
 * pipes there appear at once instead of coarse first. Cesium turned skipping off by default
 * (CesiumGS/cesium#8631, #8636) for artifacts where a loaded ancestor is drawn under its
 * descendants: with only the desired tiles loaded that happens only while moving, and lines under
 * their own tubes are the mildest case of it. The buildings (additive, 20 tiles) keep the default.
 */
export const DESIRED_TILES_ONLY = { skipLevelOfDetail: true, immediatelyLoadDesiredLevelOfDetail: true } as const;

/**
 * Whether a feature's tile content is still loaded. Cesium unloads tiles as the camera moves;
 * a feature kept from an earlier pick must not be touched after that. (`content` is marked
 * private in Cesium's types, though it is the documented way to reach a feature's tile.)
 */
export function isFeatureAlive(feature: Cesium3DTileFeature): boolean {
  const content = (feature as unknown as { content?: { isDestroyed(): boolean } }).content;
  return !feature.tileset.isDestroyed() && content !== undefined && !content.isDestroyed();
}

/** Every property of a picked feature, from its property table or batch table. */
export function featureProperties(feature: Cesium3DTileFeature): PropertyEntry[] {
  return feature.getPropertyIds().map((id) => ({ id, value: feature.getProperty(id) as unknown }));
}

/** A feature's styling attributes (see BuildingAttributes), read from its metadata. */
export function featureAttributes(feature: Cesium3DTileFeature, idProperty: string): BuildingAttributes {
  const number = (name: string) => {
    const value = feature.getProperty(name) as unknown;
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  };
  // Strings without unpacking their columns: a style reads these for every feature (packed-strings.ts).
  const text = (name: string) => {
    const value = readPropertyPacked(feature, name);
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const id = readPropertyPacked(feature, idProperty);
  return {
    id: id === undefined || id === null || id === '' ? undefined : String(id),
    use: text('use'),
    stage: text('stage'),
    yearBuilt: number('yearBuilt'),
    floors: number('floors'),
    height: number('height'),
  };
}

export class TilesetLayer {
  private selectedId: string | undefined;
  /** Thematic appearance per feature (buildings layers); undefined: plain. */
  private rule: ((attributes: BuildingAttributes) => BuildingAppearance) | undefined;
  private readonly colours = new Map<string, Color>();
  private alpha = 1;
  private hiddenTypes: string[] = [];
  /** Asset ID → CSS colour: assets tied to active incidents, tinted by level. */
  private tints = new Map<string, string>();
  /** Buildings drawn by a detail layer (see lod-levels.ts): hidden here whatever the style says. */
  private hiddenIds: ReadonlySet<string> = new Set();
  private readonly removeListeners: (() => void)[] = [];
  private readonly drawnTiles: DrawnTiles;

  private constructor(
    private readonly viewer: Viewer,
    readonly id: string,
    readonly url: string,
    readonly tileset: Cesium3DTileset,
    readonly idProperty: string,
  ) {
    this.cityModel = isCityModelTileset(tileset);
    this.drawnTiles = new DrawnTiles(viewer.scene, tileset);
    // Roofs and walls apart in any layer kind (a ?tileset= layer is "external"); buildings layers
    // swap it for the dark-style variant in CityViewer.applyThematic.
    if (this.cityModel) tileset.customShader = cityModelShader(false);
    // Release the tiles out of view once the camera stops: a command-centre display runs for
    // days, so what it holds should follow what it shows, not every district it was ever moved
    // over (the cache bound in load() stays the ceiling while the camera moves). A view returned
    // to loads its tiles again (from the HTTP cache). The next frame drawn for any reason unloads
    // them, and cesium-command-trim.ts lets the heap actually drop them (issue 16). No frame is
    // requested for it: a display at rest draws nothing (e2e/monitoring.spec.ts counts its frames).
    this.removeListeners.push(viewer.camera.moveEnd.addEventListener(() => tileset.trimLoadedTiles()));
  }

  /** A CityJSON/CityGML tileset: surfaces carry their semantic type (feature ID set 1, label `surface`). */
  readonly cityModel: boolean;

  /**
   * The semantic surface type ("RoofSurface", "WallSurface", …) at a window position, for a city
   * model: picked through the `surface` feature ID set, then picking goes back to the objects.
   * Switching the set rebuilds the tiles' draw commands, so this is for a click, not for hover.
   */
  pickSurfaceType(position: Cartesian2): string | undefined {
    if (!this.cityModel) return undefined;
    const tileset = this.tileset;
    const objects = tileset.featureIdLabel;
    tileset.featureIdLabel = 'surface';
    try {
      const picked = this.viewer.scene.pick(position) as unknown;
      if (!(picked instanceof Cesium3DTileFeature) || picked.tileset !== tileset) return undefined;
      const type = picked.getProperty('surfaceType') as unknown;
      return typeof type === 'string' && type !== '' ? type : undefined;
    } finally {
      tileset.featureIdLabel = objects;
      this.viewer.scene.requestRender();
    }
  }

  /** Load a tileset. Rejects with an Error whose message names the URL. */
  static async load(viewer: Viewer, id: string, url: string, idProperty: string, callbacks: TilesetLayerCallbacks, loading: Partial<typeof DESIRED_TILES_ONLY> = {}): Promise<TilesetLayer> {
    let tileset: Cesium3DTileset;
    try {
      tileset = await Cesium3DTileset.fromUrl(url, {
        ...loading,
        maximumScreenSpaceError: 16,
        // Bounded cache: command-centre displays run for days (see DOMAIN.md).
        cacheBytes: 384 * 1024 * 1024,
        maximumCacheOverflowBytes: 128 * 1024 * 1024,
        enablePick: true,
      });
    } catch (error) {
      throw new Error(`${url}: ${errorText(error)}`, { cause: error });
    }
    viewer.scene.primitives.add(tileset);
    const layer = new TilesetLayer(viewer, id, url, tileset, idProperty);
    layer.removeListeners.push(
      tileset.loadProgress.addEventListener((pending: number, processing: number) => callbacks.onPending(pending + processing)),
      tileset.tileFailed.addEventListener((error: { url: string; message: string }) => callbacks.onContentFailed(`${error.url}: ${errorText(error)}`)),
    );
    return layer;
  }

  get loaded(): boolean {
    return this.tileset.tilesLoaded;
  }

  setVisible(visible: boolean): void {
    this.tileset.show = visible;
    this.viewer.scene.requestRender();
  }

  /** Highlight the feature whose ID property equals `id` (re-applied by Cesium whenever tiles load). */
  setSelectedId(id: string | undefined): void {
    if (id === this.selectedId) return;
    this.selectedId = id;
    this.applyStyle();
  }

  /** Fade the whole layer (alpha below 1) and hide features whose `pipelineType` is listed. */
  setAppearance(alpha: number, hiddenPipelineTypes: readonly string[]): void {
    if (alpha === this.alpha && hiddenPipelineTypes.join() === this.hiddenTypes.join()) return;
    this.alpha = alpha;
    this.hiddenTypes = [...hiddenPipelineTypes];
    this.applyStyle();
  }

  /**
   * Tint assets by ID (incident levels). A style, so Cesium re-applies it to every tile that
   * loads or reloads: a tinted manhole stays tinted after its tile is unloaded and read again.
   */
  setTints(tints: ReadonlyMap<string, string>): void {
    if (tints.size === this.tints.size && [...tints].every(([id, colour]) => this.tints.get(id) === colour)) return;
    this.tints = new Map(tints);
    this.applyStyle();
  }

  /**
   * Thematic colours, the attribute filter and the 4D date, as one rule evaluated per feature
   * (undefined: none). Applied through the tileset's style, so tiles loaded later get it too.
   */
  setAppearanceRule(rule: ((attributes: BuildingAttributes) => BuildingAppearance) | undefined): void {
    if (rule === undefined && this.rule === undefined) return;
    this.rule = rule;
    this.applyStyle();
  }

  /** Hide these buildings (by ID) in this layer: a detail layer draws them (see lod-levels.ts). */
  setHiddenIds(ids: ReadonlySet<string>): void {
    if (ids === this.hiddenIds || (ids.size === 0 && this.hiddenIds.size === 0)) return;
    this.hiddenIds = ids;
    this.applyStyle();
  }

  /**
   * Where a building is drawn in this layer in the last rendered frame: one entry per drawn tile
   * that shows it, with the level its tile holds (the city model's `lod`, "" for plain blocks).
   * For tests and automation: two entries, or entries in two layers, would be a doubled building.
   */
  drawnLevelsOf(id: string): string[] {
    const levels: string[] = [];
    if (!this.tileset.show) return levels;
    for (const tile of this.drawnTiles.drawn) {
      const content = (tile as unknown as { contentReady: boolean }).contentReady ? tile.content : undefined;
      if (!content) continue;
      for (let i = 0; i < content.featuresLength; i++) {
        const feature = content.getFeature(i);
        if (feature.show && this.featureId(feature) === id) levels.push(String((feature.getProperty('lod') as unknown) ?? ''));
      }
    }
    return levels;
  }

  /** How a loaded feature is drawn after the current style (for tests and automation); undefined if not loaded. */
  featureAppearance(id: string): { shown: boolean; colour: string; alpha: number } | undefined {
    const feature = this.findLoadedFeature(id);
    if (!feature) return undefined;
    const { red, green, blue, alpha } = feature.color;
    return { shown: feature.show && this.tileset.show, colour: Color.fromBytes(Math.round(red * 255), Math.round(green * 255), Math.round(blue * 255)).toCssHexString(), alpha };
  }

  /** One Cesium style for the selection, the incident tints, the fade, the hidden types and the theme (see asset-style.ts). */
  private applyStyle(): void {
    const plain = this.rule === undefined && this.selectedId === undefined && this.tints.size === 0 && this.alpha === 1 && this.hiddenTypes.length === 0 && this.hiddenIds.size === 0;
    const style = plain
      ? undefined
      : assetStyle({
          idOf: (feature) => this.featureId(feature as Cesium3DTileFeature),
          attributesOf: (feature) => featureAttributes(feature as Cesium3DTileFeature, this.idProperty),
          selectedId: this.selectedId,
          selectedColour: SELECTED_COLOUR_CSS,
          tints: this.tints,
          alpha: this.alpha,
          hiddenPipelineTypes: new Set(this.hiddenTypes),
          rule: this.rule,
          colourCache: this.colours,
        });
    if (style && this.hiddenIds.size > 0) {
      const hidden = this.hiddenIds;
      const show = style.show as unknown as { evaluate(feature: Cesium3DTileFeature): boolean };
      style.show = {
        evaluate: (feature: Cesium3DTileFeature) => {
          const id = this.featureId(feature);
          return (id === undefined || !hidden.has(id)) && show.evaluate(feature);
        },
      } as unknown as typeof style.show;
    }
    this.tileset.style = style;
    this.viewer.scene.requestRender();
  }

  /** The asset ID of a feature of this layer, if it has one (read without unpacking the ID column: packed-strings.ts). */
  featureId(feature: Cesium3DTileFeature): string | undefined {
    const value = readPropertyPacked(feature, this.idProperty);
    return value === undefined || value === null || value === '' ? undefined : String(value);
  }

  /** Look through loaded tiles for the feature with this ID; undefined if its tile is not loaded. */
  findLoadedFeature(id: string): Cesium3DTileFeature | undefined {
    const stack: Cesium3DTile[] = [this.tileset.root];
    while (stack.length) {
      const tile = stack.pop()!;
      const content = (tile as unknown as { contentReady: boolean }).contentReady ? tile.content : undefined;
      if (content) {
        for (let i = 0; i < content.featuresLength; i++) {
          const feature = content.getFeature(i);
          if (this.featureId(feature) === id) return feature;
        }
      }
      for (const child of tile.children) stack.push(child);
    }
    return undefined;
  }

  destroy(): void {
    for (const remove of this.removeListeners) remove();
    this.drawnTiles.destroy();
    if (!this.viewer.isDestroyed() && !this.tileset.isDestroyed()) this.viewer.scene.primitives.remove(this.tileset);
  }
}
