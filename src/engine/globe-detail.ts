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
import type { Viewer } from 'cesium';

/** Cesium's default, for comparison. */
export const CESIUM_GLOBE_SCREEN_SPACE_ERROR = 2;
export const GLOBE_SCREEN_SPACE_ERROR = 8;

/** Set the globe's error; returns the function that puts Cesium's default back. */
export function adaptGlobeDetail(viewer: Viewer, screenSpaceError = GLOBE_SCREEN_SPACE_ERROR): () => void {
  viewer.scene.globe.maximumScreenSpaceError = screenSpaceError;
  return () => {
    if (!viewer.isDestroyed()) viewer.scene.globe.maximumScreenSpaceError = CESIUM_GLOBE_SCREEN_SPACE_ERROR;
  };
}
