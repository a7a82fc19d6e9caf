/**
 * The sky atmosphere drawn only when some of the sky is in view.
 *
 * Cesium draws the sky atmosphere every frame, over the whole screen, before the globe covers
 * it: looking down on a district (the usual view of a planner, an incident, the display's tour)
 * not one of its pixels survives, yet in software WebGL it costs about a third of the frame.
 * Before each frame this checks the four corners of the view: the directions that hit the globe
 * form a convex cone, so when all four corners land on the ellipsoid the whole view does and no
 * sky can show. The same holds through a translucent ground (the underground view): what the
 * atmosphere would add there is the far side of its shell seen through the Earth, a faint tint
 * behind the ground outside the district, not sky. Below the surface the caller decides (the
 * underground view shows soil there, not sky).
 */
import { Cartesian2, Cartesian3, SceneMode, type Viewer } from 'cesium';

const corner = new Cartesian2();
const hit = new Cartesian3();

/** Whether any part of the sky can be seen from the camera: false only when every corner of the view lands on the ground. */
export function skyInView(viewer: Viewer): boolean {
  const scene = viewer.scene;
  if (scene.mode !== SceneMode.SCENE3D || !scene.globe.show) return true;
  const camera = scene.camera;
  if (camera.positionCartographic.height <= 0) return true;
  const width = scene.canvas.clientWidth;
  const height = scene.canvas.clientHeight;
  if (width === 0 || height === 0) return true;
  for (const [x, y] of [
    [0, 0],
    [width, 0],
    [0, height],
    [width, height],
  ] as const) {
    corner.x = x;
    corner.y = y;
    if (!camera.pickEllipsoid(corner, scene.globe.ellipsoid, hit)) return true;
  }
  return false;
}

/**
 * Show or hide the sky atmosphere before each frame; returns the function that stops it (and shows
 * it again). `hidden` hides the sky whatever is in view (under the surface in the underground view).
 */
export function cullSkyOutOfView(viewer: Viewer, hidden: () => boolean = () => false): () => void {
  const scene = viewer.scene;
  const apply = (show: boolean) => {
    if (scene.skyAtmosphere) scene.skyAtmosphere.show = show;
    // The star box is another full-screen pass behind the globe; the sun and moon sit in the sky.
    // (SkyBox.show is documented in CesiumJS but missing from its type declarations.)
    if (scene.skyBox) (scene.skyBox as typeof scene.skyBox & { show: boolean }).show = show;
    if (scene.sun) scene.sun.show = show;
    if (scene.moon) scene.moon.show = show;
  };
  const remove = scene.preRender.addEventListener(() => apply(!hidden() && skyInView(viewer)));
  return () => {
    remove();
    if (!viewer.isDestroyed()) apply(true);
  };
}
