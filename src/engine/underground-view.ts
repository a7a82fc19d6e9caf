/**
 * The underground view's ground: Cesium globe translucency at the chosen opacity, the camera
 * allowed below the surface, and the globe limited to what the camera can see over the horizon.
 *
 * Why the limit: with a translucent globe Cesium stops culling terrain tiles behind the horizon
 * (the far side of the Earth could show through), so it loads and draws about three times as many
 * globe tiles (99 against 29 at the opening view), each in a front-face and a back-face pass. The
 * far side adds nothing a planner reads, so while the ground is translucent the globe's
 * `cartographicLimitRectangle` is kept to the box that holds the camera's horizon (plus the
 * horizon of high relief, with a margin); outside the underground view it is the whole globe again.
 *
 * What lies beyond the near ground is earth: while the view is on, the scene's background (seen
 * through the translucent ground from above, and below the horizon from under the surface) and
 * the globe's underside far from the camera are one dark soil colour. From below, the ground
 * overhead shows its streets near the camera and fades into the soil with distance, so the pipes,
 * shafts and tunnels are the brightest things in view, with no sky, stars or atmosphere band
 * (those stay off under the surface: see `skyHidden`). Below the surface the globe is also coarser
 * (`belowSurface`, read by globe-detail.ts's `adaptGlobeDetail`): past 40 m its detail fades into soil.
 */
import { Color, NearFarScalar, Rectangle, type Viewer } from 'cesium';
import { horizonRectangleDegrees, type DegreesRectangle } from '../domain/geometry.ts';

export interface UndergroundState {
  enabled: boolean;
  /** Opacity of the ground, 0–1. */
  groundOpacity: number;
}

/** Soil: the colour of the earth around the pipes (a dark, slightly warm grey-brown). */
export const SOIL_COLOUR_CSS = '#2b2722';
/** The ground seen from below: its streets near the camera, fading into the soil from 40 m to 600 m. */
const UNDERSIDE_FADE = new NearFarScalar(40, 0.2, 600, 1);

/** A change smaller than this share of the box's size keeps the current limit. */
const LIMIT_TOLERANCE = 0.05;

export class UndergroundView {
  private enabled = false;
  private limit: DegreesRectangle | undefined;
  private readonly removePreRender: () => void;
  /** The scene's own background, restored when the view is switched off. */
  private backgroundBefore: Color | undefined;

  constructor(private readonly viewer: Viewer) {
    this.removePreRender = viewer.scene.preRender.addEventListener(() => this.updateLimit());
  }

  apply(state: UndergroundState): void {
    const scene = this.viewer.scene;
    const translucency = scene.globe.translucency;
    translucency.enabled = state.enabled;
    translucency.frontFaceAlpha = state.groundOpacity;
    translucency.backFaceAlpha = state.groundOpacity;
    scene.screenSpaceCameraController.enableCollisionDetection = !state.enabled;
    if (state.enabled && !this.enabled) {
      this.backgroundBefore = Color.clone(scene.backgroundColor);
      scene.backgroundColor = Color.fromCssColorString(SOIL_COLOUR_CSS);
      scene.globe.undergroundColor = Color.fromCssColorString(SOIL_COLOUR_CSS);
      scene.globe.undergroundColorAlphaByDistance = UNDERSIDE_FADE;
    } else if (!state.enabled && this.enabled && this.backgroundBefore) {
      scene.backgroundColor = this.backgroundBefore;
      this.backgroundBefore = undefined;
    }
    this.enabled = state.enabled;
    if (!state.enabled && this.limit) {
      scene.globe.cartographicLimitRectangle = Rectangle.clone(Rectangle.MAX_VALUE);
      this.limit = undefined;
    }
    this.updateLimit();
    scene.requestRender();
  }

  /** Whether the underground view is on and the camera is below the surface. */
  belowSurface(): boolean {
    return this.enabled && this.viewer.scene.camera.positionCartographic.height < 0;
  }

  /**
   * Beyond what distance (m) from the camera the globe shows nothing of its own: below the surface,
   * where its underside has faded wholly into the soil colour (undefined: everywhere it shows).
   */
  hiddenBeyondMetres(): number | undefined {
    return this.belowSurface() && UNDERSIDE_FADE.farValue >= 1 ? UNDERSIDE_FADE.far : undefined;
  }

  /** Whether the sky is hidden: below the surface in the underground view. */
  skyHidden(): boolean {
    return this.belowSurface();
  }

  /** The globe's limit while the ground is translucent (undefined: the whole globe). For tests and automation. */
  currentLimit(): DegreesRectangle | undefined {
    return this.limit;
  }

  private updateLimit(): void {
    if (!this.enabled) return;
    const camera = this.viewer.camera.positionCartographic;
    const target = horizonRectangleDegrees((camera.longitude * 180) / Math.PI, (camera.latitude * 180) / Math.PI, camera.height);
    if (this.limit && sameBox(this.limit, target)) return;
    this.limit = target;
    this.viewer.scene.globe.cartographicLimitRectangle = Rectangle.fromDegrees(target.westDegrees, target.southDegrees, target.eastDegrees, target.northDegrees);
  }

  destroy(): void {
    this.removePreRender();
  }
}

function sameBox(a: DegreesRectangle, b: DegreesRectangle): boolean {
  const tolerance = LIMIT_TOLERANCE * Math.max(1e-6, b.northDegrees - b.southDegrees);
  return (
    Math.abs(a.westDegrees - b.westDegrees) < tolerance &&
    Math.abs(a.eastDegrees - b.eastDegrees) < tolerance &&
    Math.abs(a.southDegrees - b.southDegrees) < tolerance &&
    Math.abs(a.northDegrees - b.northDegrees) < tolerance
  );
}
