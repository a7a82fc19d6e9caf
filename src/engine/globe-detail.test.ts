import { EllipsoidTerrainProvider } from 'cesium';
import { describe, expect, it } from 'vitest';
import type { Viewer } from 'cesium';
import { adaptGlobeDetail, CESIUM_LOADING_DESCENDANT_LIMIT, ELLIPSOID_DETAIL_LEVEL, ellipsoidMeshErrorMetres, GLOBE_SCREEN_SPACE_ERROR, LOADING_DESCENDANT_LIMIT, SmoothEllipsoidTerrainProvider } from './globe-detail.ts';

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

  it("lets the globe load a view's tiles at once, and puts Cesium's defaults back", () => {
    const globe = { maximumScreenSpaceError: 2, loadingDescendantLimit: CESIUM_LOADING_DESCENDANT_LIMIT };
    const viewer = { scene: { globe }, isDestroyed: () => false } as unknown as Viewer;
    const restore = adaptGlobeDetail(viewer);
    expect(globe).toEqual({ maximumScreenSpaceError: GLOBE_SCREEN_SPACE_ERROR, loadingDescendantLimit: LOADING_DESCENDANT_LIMIT });
    // More than the globe tiles of the view under a street (about 30 with the cap at level 14).
    expect(LOADING_DESCENDANT_LIMIT).toBeGreaterThan(100);
    restore();
    expect(globe).toEqual({ maximumScreenSpaceError: 2, loadingDescendantLimit: CESIUM_LOADING_DESCENDANT_LIMIT });
  });
});
