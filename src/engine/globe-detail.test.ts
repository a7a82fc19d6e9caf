import { EllipsoidTerrainProvider, GeographicTilingScheme, HeightmapTerrainData } from 'cesium';
import { describe, expect, it, vi } from 'vitest';
import type { Globe, Viewer } from 'cesium';
import { adaptGlobeDetail, globeViewLoaded, CESIUM_LOAD_TIME_SLICE_MILLISECONDS, CESIUM_LOADING_DESCENDANT_LIMIT, setGlobeLoadTimeSlice, SOFTWARE_LOAD_TIME_SLICE_MILLISECONDS, ELLIPSOID_DETAIL_LEVEL, ellipsoidMeshErrorMetres, GLOBE_SCREEN_SPACE_ERROR, globeDetailFor, LOADING_DESCENDANT_LIMIT, SmoothEllipsoidTerrainProvider, UNDERGROUND_DETAIL_LEVEL } from './globe-detail.ts';

describe('globe detail', () => {
  it("keeps Cesium's ellipsoid errors above the detail level and stops refining at it", () => {
    const cesium = new EllipsoidTerrainProvider();
    const smooth = new SmoothEllipsoidTerrainProvider();
    for (let level = 0; level < ELLIPSOID_DETAIL_LEVEL; level++) {
      expect(smooth.getLevelMaximumGeometricError(level)).toBe(cesium.getLevelMaximumGeometricError(level));
      expect(smooth.getLevelMaximumGeometricError(level)).toBeGreaterThan(0);
    }
    // Error 0: Cesium's screen-space error of the tile is 0, so it never refines.
    expect(smooth.getLevelMaximumGeometricError(ELLIPSOID_DETAIL_LEVEL)).toBe(0);
    expect(smooth.getLevelMaximumGeometricError(ELLIPSOID_DETAIL_LEVEL + 7)).toBe(0);
  });

  it('stops where the mesh is within a few millimetres of the ellipsoid, and Cesium would refine much further', () => {
    expect(ellipsoidMeshErrorMetres(ELLIPSOID_DETAIL_LEVEL)).toBeLessThan(0.003);
    // Level 0: cells of 1,300 km, 35 km under the ellipsoid's arc.
    expect(ellipsoidMeshErrorMetres(0)).toBeGreaterThan(30_000);
    // What Cesium asks for 8 m from the ground at 8 px on a 720 px screen (60° field of view across
    // 1280 px): the level whose error is 8 px; our cap is well above it.
    const sseDenominator = 2 * Math.tan(Math.atan(Math.tan(Math.PI / 6) * (720 / 1280)));
    const cesium = new EllipsoidTerrainProvider();
    let level = 0;
    while ((cesium.getLevelMaximumGeometricError(level) * 720) / (8 * sseDenominator) > 8) level++;
    expect(level).toBeGreaterThan(ELLIPSOID_DETAIL_LEVEL + 4);
  });

  it('says every ellipsoid tile exists, so the globe can refine before a tile has loaded its mesh', () => {
    // Cesium's ellipsoid answers "unknown", which makes the globe load each level before asking for the next.
    expect(new EllipsoidTerrainProvider().getTileDataAvailable(0, 0, 1)).toBeUndefined();
    const smooth = new SmoothEllipsoidTerrainProvider();
    for (const [x, y, level] of [[0, 0, 1], [3405, 1200, 12], [27244, 9600, ELLIPSOID_DETAIL_LEVEL + 1]] as const) expect(smooth.getTileDataAvailable(x, y, level)).toBe(true);
  });

  it("lets the globe load a view's tiles at once, coarser below the surface, and puts Cesium's defaults back", () => {
    const globe = { maximumScreenSpaceError: 2, loadingDescendantLimit: CESIUM_LOADING_DESCENDANT_LIMIT };
    const listeners = new Set<() => void>();
    const preRender = { addEventListener: (f: () => void) => (listeners.add(f), () => listeners.delete(f)) };
    const terrainProvider = new SmoothEllipsoidTerrainProvider();
    const viewer = { scene: { globe, preRender }, terrainProvider, isDestroyed: () => false } as unknown as Viewer;
    let below = false;
    const restore = adaptGlobeDetail(viewer, () => below);
    expect(globe).toEqual({ maximumScreenSpaceError: GLOBE_SCREEN_SPACE_ERROR, loadingDescendantLimit: LOADING_DESCENDANT_LIMIT });
    expect(terrainProvider.detailLevel).toBe(ELLIPSOID_DETAIL_LEVEL);
    // More than the globe tiles of the view under a street (about 30 with the cap at level 14).
    expect(LOADING_DESCENDANT_LIMIT).toBeGreaterThan(100);
    // The camera goes below the surface in the underground view: the next frame uses the coarser globe …
    below = true;
    for (const f of listeners) f();
    expect(globe.maximumScreenSpaceError).toBeGreaterThan(GLOBE_SCREEN_SPACE_ERROR);
    expect(terrainProvider.detailLevel).toBe(UNDERGROUND_DETAIL_LEVEL);
    expect(terrainProvider.getLevelMaximumGeometricError(UNDERGROUND_DETAIL_LEVEL)).toBe(0);
    // … and back above, the usual one.
    below = false;
    for (const f of listeners) f();
    expect(globe.maximumScreenSpaceError).toBe(GLOBE_SCREEN_SPACE_ERROR);
    expect(terrainProvider.getLevelMaximumGeometricError(UNDERGROUND_DETAIL_LEVEL)).toBeGreaterThan(0);
    restore();
    expect(listeners.size).toBe(0);
    expect(globe).toEqual({ maximumScreenSpaceError: 2, loadingDescendantLimit: CESIUM_LOADING_DESCENDANT_LIMIT });
  });

  it('below the surface stops a few levels higher, still within a few centimetres of the ellipsoid', () => {
    const above = globeDetailFor(false);
    const below = globeDetailFor(true);
    expect(above).toEqual({ maximumScreenSpaceError: GLOBE_SCREEN_SPACE_ERROR, detailLevel: ELLIPSOID_DETAIL_LEVEL });
    expect(below.detailLevel).toBeLessThanOrEqual(ELLIPSOID_DETAIL_LEVEL - 2);
    expect(below.maximumScreenSpaceError).toBeGreaterThanOrEqual(4 * GLOBE_SCREEN_SPACE_ERROR);
    // Seen from 8 m below, the ground near the camera (where it has not yet faded into soil) is off by under 5 cm.
    expect(ellipsoidMeshErrorMetres(below.detailLevel)).toBeLessThan(0.05);
  });

  it('makes its meshes at once on the page, not in the worker (no throttle, no round trip)', async () => {
    // Cesium's worker path (none in Node): it must not be taken.
    const workerMesh = vi.spyOn(HeightmapTerrainData.prototype as unknown as { createMesh(o: object): unknown }, 'createMesh').mockReturnValue(undefined);
    try {
      const data = (await new SmoothEllipsoidTerrainProvider().requestTileGeometry(3405, 1200, 12)) as unknown as { createMesh(o: object): unknown };
      expect(data).toBeInstanceOf(HeightmapTerrainData);
      // As GlobeSurfaceTile asks for it: throttled, through the worker.
      const mesh = (await data.createMesh({ tilingScheme: new GeographicTilingScheme(), x: 3405, y: 1200, level: 12, throttle: true })) as { vertices: Float32Array; indices: ArrayLike<number> } | undefined;
      expect(workerMesh).not.toHaveBeenCalled();
      // A 16 × 16 grid with its skirts.
      expect(mesh?.vertices.length).toBeGreaterThan(16 * 16);
      expect(mesh?.indices.length).toBeGreaterThanOrEqual(15 * 15 * 6);
    } finally {
      workerMesh.mockRestore();
    }
  });
});

describe('globe load time per frame', () => {
  it('sets the globe surface’s time slice, and leaves a globe without one alone', () => {
    const globe = { _surface: { _loadQueueTimeSlice: CESIUM_LOAD_TIME_SLICE_MILLISECONDS } };
    setGlobeLoadTimeSlice(globe as unknown as Globe, SOFTWARE_LOAD_TIME_SLICE_MILLISECONDS);
    expect(globe._surface._loadQueueTimeSlice).toBe(SOFTWARE_LOAD_TIME_SLICE_MILLISECONDS);
    expect(SOFTWARE_LOAD_TIME_SLICE_MILLISECONDS).toBeGreaterThanOrEqual(10 * CESIUM_LOAD_TIME_SLICE_MILLISECONDS);
    expect(() => setGlobeLoadTimeSlice({} as Globe, 100)).not.toThrow();
  });
});

describe('globe view loaded (ready)', () => {
  const globeWith = (high: object[], medium: object[]) => ({ tilesLoaded: false, _surface: { _tileLoadQueueHigh: high, _tileLoadQueueMedium: medium } }) as unknown as Globe;

  it('waits for the high and medium queues, not for preloads', () => {
    expect(globeViewLoaded(globeWith([], []))).toBe(true);
    expect(globeViewLoaded(globeWith([{ _distance: 10 }], []))).toBe(false);
    expect(globeViewLoaded(globeWith([], [{ _distance: 5000 }]))).toBe(false);
  });

  it('below the surface, does not wait for tiles past the distance where the underside is plain soil', () => {
    expect(globeViewLoaded(globeWith([{ _distance: 700 }], [{ _distance: 5000 }]), 600)).toBe(true);
    expect(globeViewLoaded(globeWith([], [{ _distance: 5000 }, { _distance: 300 }]), 600)).toBe(false);
    // A tile whose distance Cesium has not computed counts.
    expect(globeViewLoaded(globeWith([{}], []), 600)).toBe(false);
  });

  it('falls back to tilesLoaded when the queues are not there', () => {
    expect(globeViewLoaded({ tilesLoaded: true } as unknown as Globe)).toBe(true);
    expect(globeViewLoaded({ tilesLoaded: false } as unknown as Globe, 600)).toBe(false);
  });
});
