/**
 * How finely the globe is tiled, by the camera's height.
 *
 * Cesium refines globe tiles until each one's geometric error is under `maximumScreenSpaceError`
 * (2 px by default) as seen from the camera. Near the ground that never ends: at street level, or
 * below the surface in the underground view, the tile under the camera is a few metres away, and
 * the ellipsoid refines to level 21–24 with about 200 tiles drawn (measured from 8 m below a
 * street: 199 tiles over levels 9–21, two minutes to settle in software WebGL on a loaded machine).
 * Our globe is a smooth ellipsoid under imagery whose finest source is the district's ground
 * image, one texture at 0.5 m per pixel on every tile, so those levels add no detail: only tiles,
 * draws and time. Near the ground the error allowed is 8 px (49 tiles, 14 s in the same run);
 * from 400 m up it is Cesium's default, so views from above draw exactly as before.
 */
import type { Viewer } from 'cesium';

export const GLOBE_SCREEN_SPACE_ERROR_DEFAULT = 2;
export const GLOBE_SCREEN_SPACE_ERROR_NEAR_GROUND = 8;
/** Up to this height (and below the surface) the near-ground error applies. */
export const NEAR_GROUND_METRES = 100;
/** From this height up, Cesium's default; in between, a linear blend. */
export const ABOVE_GROUND_METRES = 400;

/** The globe's maximum screen-space error for a camera at this height above the ellipsoid (negative: below it). */
export function globeScreenSpaceError(heightMetres: number): number {
  if (!(heightMetres > NEAR_GROUND_METRES)) return GLOBE_SCREEN_SPACE_ERROR_NEAR_GROUND;
  if (heightMetres >= ABOVE_GROUND_METRES) return GLOBE_SCREEN_SPACE_ERROR_DEFAULT;
  const t = (heightMetres - NEAR_GROUND_METRES) / (ABOVE_GROUND_METRES - NEAR_GROUND_METRES);
  return GLOBE_SCREEN_SPACE_ERROR_NEAR_GROUND + t * (GLOBE_SCREEN_SPACE_ERROR_DEFAULT - GLOBE_SCREEN_SPACE_ERROR_NEAR_GROUND);
}

/** Keep the globe's error by the camera height before each frame; returns the function that stops it. */
export function adaptGlobeDetail(viewer: Viewer): () => void {
  const scene = viewer.scene;
  const remove = scene.preRender.addEventListener(() => {
    const value = globeScreenSpaceError(scene.camera.positionCartographic.height);
    if (scene.globe.maximumScreenSpaceError !== value) scene.globe.maximumScreenSpaceError = value;
  });
  return () => {
    remove();
    if (!viewer.isDestroyed()) scene.globe.maximumScreenSpaceError = GLOBE_SCREEN_SPACE_ERROR_DEFAULT;
  };
}
