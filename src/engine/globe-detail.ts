/**
 * How finely the globe is tiled.
 *
 * Cesium refines globe tiles until each one's geometric error is under `maximumScreenSpaceError`
 * (2 px by default) as seen from the camera. Our globe is a smooth ellipsoid (no terrain) under
 * imagery whose finest source is the district's ground image, one texture at 0.5 m per pixel on
 * every tile (Natural Earth II stops at level 2), so the levels that an error of 2 px asks for add
 * tiles, draws and loading time, and no detail:
 *  - the opening view (1,350 m up): 29 globe tiles at 2 px, 4 at 8 px, and the same picture
 *    (a screenshot of each: no pixel differs by more than 1 of 255);
 *  - near the ground it never ends: 8 m under a street, the ellipsoid refined to level 21 with
 *    199 tiles and was still loading after two minutes in software WebGL; at 8 px, 49 tiles.
 * With an error of 8 px the globe is done loading when the picture is (see CityViewer's ready).
 * A deployment that drapes detailed imagery (an orthophoto pyramid) would lower it again, since
 * Cesium picks imagery levels to match the globe tile's level.
 */
import { EllipsoidTerrainProvider, HeightmapTerrainData, type Globe, type TerrainData, type Viewer } from 'cesium';

/** Cesium's default, for comparison. */
export const CESIUM_GLOBE_SCREEN_SPACE_ERROR = 2;
export const GLOBE_SCREEN_SPACE_ERROR = 8;

/** Cesium's default: more tiles of a subtree still loading than this, and their ancestor is loaded and drawn first. */
export const CESIUM_LOADING_DESCENDANT_LIMIT = 20;
/**
 * Ours: more than the tiles of any view (32 under a street with the cap at level 14, 24 at 12), so the globe loads the
 * tiles in view at once instead of each ancestor level first. Cesium's limit shows something
 * coarse sooner; here every level costs frames that take a second each in software WebGL, and
 * the picture the user waits for is the finished one.
 */
export const LOADING_DESCENDANT_LIMIT = 200;

/**
 * How long (ms) the globe may spend loading tiles after each frame. Cesium's 5 ms suits 60 frames a
 * second on a GPU (300 ms of loading a second); in software WebGL a frame takes 0.5–2 s, so 5 ms a
 * frame starved the loading: with the meshes made on the page (below), under a street only a few
 * of the 24 tiles in view took a step per frame, and the globe needed 8 frames more. 100 ms is
 * 5–20 % of such a frame. With a GPU Cesium's default stays.
 */
export const CESIUM_LOAD_TIME_SLICE_MILLISECONDS = 5;
export const SOFTWARE_LOAD_TIME_SLICE_MILLISECONDS = 100;

/** Set the globe's loading time per frame (a field of its QuadtreePrimitive, private in CesiumJS 1.140; absent: nothing done). */
export function setGlobeLoadTimeSlice(globe: Globe, milliseconds: number): void {
  const surface = (globe as unknown as { _surface?: { _loadQueueTimeSlice?: number } })._surface;
  if (surface && typeof surface._loadQueueTimeSlice === 'number') surface._loadQueueTimeSlice = milliseconds;
}

/** The globe's settings for where the camera is. */
export interface GlobeDetail {
  maximumScreenSpaceError: number;
  /** The level past which the smooth ellipsoid is not refined (see ELLIPSOID_DETAIL_LEVEL). */
  detailLevel: number;
}

/**
 * Below the surface in the underground view the ground is seen from underneath, and past 40 m it
 * fades into the soil colour (fully soil at 600 m: see underground-view.ts), so the globe's tiles
 * there carry no detail anyone sees; near the camera what shows is the ground image, one texture
 * whatever the tile's level. Level 10 tiles (19.6 km across) are within 3.3 cm of the ellipsoid
 * (chord sagitta of their 1.3 km cells: from 8 m below, under a tenth of a pixel at 40 m), and an
 * error of 64 px keeps the tiles around the camera's own from refining. Under a street this took
 * the globe from 24 tiles (levels 7–12) to the few that hold the camera's surroundings.
 */
export const UNDERGROUND_DETAIL_LEVEL = 10;
export const UNDERGROUND_SCREEN_SPACE_ERROR = 64;

/** The globe's settings: coarser below the surface in the underground view, where the ground seen from below fades into soil. */
export function globeDetailFor(belowSurface: boolean): GlobeDetail {
  return belowSurface
    ? { maximumScreenSpaceError: UNDERGROUND_SCREEN_SPACE_ERROR, detailLevel: UNDERGROUND_DETAIL_LEVEL }
    : { maximumScreenSpaceError: GLOBE_SCREEN_SPACE_ERROR, detailLevel: ELLIPSOID_DETAIL_LEVEL };
}

/**
 * Set the globe's error and loading limit, and before each frame the settings for where the camera
 * is (`belowSurface`: under the surface in the underground view); returns the function that puts
 * Cesium's defaults back.
 */
export function adaptGlobeDetail(viewer: Viewer, belowSurface: () => boolean = () => false): () => void {
  const globe = viewer.scene.globe;
  globe.loadingDescendantLimit = LOADING_DESCENDANT_LIMIT;
  const apply = () => {
    const detail = globeDetailFor(belowSurface());
    globe.maximumScreenSpaceError = detail.maximumScreenSpaceError;
    const terrain = viewer.terrainProvider;
    if (terrain instanceof SmoothEllipsoidTerrainProvider) terrain.detailLevel = detail.detailLevel;
  };
  apply();
  const remove = viewer.scene.preRender.addEventListener(apply);
  return () => {
    remove();
    if (viewer.isDestroyed()) return;
    globe.maximumScreenSpaceError = CESIUM_GLOBE_SCREEN_SPACE_ERROR;
    globe.loadingDescendantLimit = CESIUM_LOADING_DESCENDANT_LIMIT;
  };
}

/**
 * An ellipsoid tile's heightmap whose mesh is made at once, on the page, instead of in Cesium's
 * worker. Cesium makes at most five globe meshes at a time there (TerrainData.maximumAsynchronousTasks)
 * and starts the next ones only in a later frame: with frames of 1–2 s in software WebGL, the 24
 * tiles under a street took seven frames. Unthrottled, each mesh still went to the worker and came
 * back a frame later, and the first one waited for the worker itself to start (its script and
 * Cesium's modules, loaded and compiled while the page loads its tiles): 5–10 s under the street
 * on a busy machine before the globe's first tile could ask for its imagery (Cesium loads a globe
 * tile's imagery only once its mesh is in). A 16 × 16 ellipsoid mesh is a fraction of a
 * millisecond of work (`_createMeshSync`, Cesium's own code for the same mesh, used where it needs one at once).
 */
class MainThreadHeightmapTerrainData extends HeightmapTerrainData {
  constructor(options: ConstructorParameters<typeof HeightmapTerrainData>[0]) {
    super(options);
    // createMesh and _createMeshSync are the globe's (marked private in CesiumJS's documentation, absent from its types).
    const own = this as unknown as { createMesh(options: object): unknown; _createMeshSync?: (options: object) => unknown };
    const createMeshSync = own._createMeshSync?.bind(this);
    if (!createMeshSync) {
      // Another CesiumJS without it: the worker, without its throttle.
      const createMesh = own.createMesh.bind(this);
      own.createMesh = (meshOptions: { throttle?: boolean }) => createMesh({ ...meshOptions, throttle: false });
      return;
    }
    own.createMesh = (meshOptions: object) => Promise.resolve(createMeshSync(meshOptions));
  }
}

/**
 * The deepest globe level that adds anything on a smooth ellipsoid. Cesium sizes the ellipsoid's
 * errors as if it were a 64-post heightmap (78 km at level 0, halving per level), so with no
 * terrain at all the globe near a camera a few metres from the ground still refines level after
 * level: 8 m under a street it went down to level 19–21, each level costing a few software-WebGL
 * frames of loading before the next could start. A level-12 tile is about 4.9 km across and its
 * 16 × 16 mesh is off the ellipsoid by about 2 mm (chord sagitta of its 330 m cells): from 8 m
 * away a quarter of a pixel, from farther less; and the ground image is one texture whatever the
 * level. Each level below the cap adds a ring of tiles around the camera: under a street the cap
 * at 14 left 32 globe tiles to load and to draw twice (front and back faces), at 12 there are 24
 * (levels 7–12). The opening view (1,350 m up) used level 13 at most: it gets one level coarser,
 * the same picture.
 */
export const ELLIPSOID_DETAIL_LEVEL = 12;

/** The ellipsoid, with no refinement below ELLIPSOID_DETAIL_LEVEL (its error there is 0). */
export class SmoothEllipsoidTerrainProvider extends EllipsoidTerrainProvider {
  /** Read by the globe every frame, so a change takes effect at the next one. */
  constructor(public detailLevel = ELLIPSOID_DETAIL_LEVEL) {
    super();
  }

  override requestTileGeometry(_x: number, _y: number, _level: number): Promise<TerrainData> {
    return Promise.resolve(new MainThreadHeightmapTerrainData({ buffer: new Uint8Array(16 * 16), width: 16, height: 16 }));
  }

  override getLevelMaximumGeometricError(level: number): number {
    return level >= this.detailLevel ? 0 : super.getLevelMaximumGeometricError(level);
  }

  /**
   * Every tile of the ellipsoid exists. Cesium's own provider answers "unknown", and the globe
   * then refines a tile only after its own mesh has arrived (GlobeSurfaceTileProvider.canRefine),
   * one level per few frames: 8 m under a street, fourteen levels of round trips through the
   * mesh worker, each a frame of over a second in software WebGL, before the tiles in view could
   * even be asked for. Known availability lets the traversal reach the tiles in view at once.
   */
  override getTileDataAvailable(_x: number, _y: number, _level: number): boolean {
    return true;
  }
}

/** How far (metres) the flat cells of a 16 × 16 ellipsoid tile at `level` lie from the ellipsoid: the chord sagitta. */
export function ellipsoidMeshErrorMetres(level: number, radiusMetres = 6_378_137): number {
  // Geographic tiling: level 0 is 2 × 1 tiles of π radians of latitude; 15 cells per tile side.
  const cellMetres = (Math.PI * radiusMetres) / 2 ** level / 15;
  return (cellMetres * cellMetres) / (8 * radiusMetres);
}

/**
 * Whether the globe tiles of the current view are loaded: Cesium's `tilesLoaded` also waits for its
 * low-priority queue, the ancestors it preloads and culled level-0 tiles, none of which is drawn
 * (measured on the opening view: the picture stopped changing 10–20 s before `tilesLoaded`). The
 * queues are private in CesiumJS 1.140 (QuadtreePrimitive: high = blocking refinement, medium =
 * drawn and still loading, low = preloads); if they are absent, fall back to `tilesLoaded`.
 *
 * `hiddenBeyondMetres`: tiles whose nearest point is farther from the camera than this are not seen
 * (below the surface in the underground view the globe's underside is plain soil past 600 m, see
 * underground-view.ts), so what they still load does not count. Measured under a street: the
 * picture was final three frames (about 2 s) before the last of those far tiles' imagery came in.
 */
export function globeViewLoaded(globe: Globe, hiddenBeyondMetres?: number): boolean {
  const surface = (globe as unknown as { _surface?: { _tileLoadQueueHigh?: unknown[]; _tileLoadQueueMedium?: unknown[] } })._surface;
  if (!surface || !Array.isArray(surface._tileLoadQueueHigh) || !Array.isArray(surface._tileLoadQueueMedium)) return globe.tilesLoaded;
  const seen = (tile: unknown): boolean => {
    if (hiddenBeyondMetres === undefined) return true;
    const distance = (tile as { _distance?: unknown })._distance;
    return typeof distance !== 'number' || distance <= hiddenBeyondMetres;
  };
  return !surface._tileLoadQueueHigh.some(seen) && !surface._tileLoadQueueMedium.some(seen);
}
