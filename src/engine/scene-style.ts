/**
 * The scene style in Cesium: in the dark style (深色/科技) the ground imagery is darkened and
 * turned towards blue (ImageryLayer brightness, saturation, hue), the globe, background and sky
 * go dark. Buildings are coloured by the layers' style (darkSceneRule: a dark-blue ramp by height)
 * and lit at their edges by a custom shader: a rim light where a face turns away from the eye, so
 * outlines and corners glow. The overlays (markers, alarm pulses, impact rings, pipes) are left
 * as they are, and are then the brightest things on screen. The original style restores all.
 */
import { Cartesian3, Color, CustomShader, CustomShaderMode, UniformType, type ImageryLayer, type Viewer } from 'cesium';
import type { SceneStyle } from '../domain/thematic/scene-style.ts';

/** Imagery adjustments of the dark ground (ImageryLayer units: 1 is unchanged; hue in radians). */
/**
 * Imagery adjustments of the dark ground (ImageryLayer units: 1 is unchanged): greyed, and let
 * through onto the globe's navy base colour, so streets and blocks stay readable in dark blue-grey.
 */
const DARK_IMAGERY = { brightness: 0.5, contrast: 1.25, saturation: 0.15, hue: 0, gamma: 1, alpha: 0.4 };
const ORIGINAL_IMAGERY = { brightness: 1, contrast: 1, saturation: 1, hue: 0, gamma: 1, alpha: 1 };
export const DARK_BACKGROUND_CSS = '#040a16';
const DARK_GROUND_CSS = '#0b1f3f';
/**
 * The rim light of the buildings, added as emissive light before Cesium multiplies in the
 * feature's style colour, so it glows in the building's own blue. Only where the tiles have normals.
 */
export function darkBuildingShader(): CustomShader {
  return new CustomShader({
    mode: CustomShaderMode.MODIFY_MATERIAL,
    uniforms: { u_rimColour: { type: UniformType.VEC3, value: new Cartesian3(2.4, 3.0, 3.4) } },
    fragmentShaderText: `
      void fragmentMain(FragmentInput fsInput, inout czm_modelMaterial material) {
        #ifdef HAS_NORMALS
        vec3 normal = normalize(fsInput.attributes.normalEC);
        vec3 toEye = normalize(-fsInput.attributes.positionEC);
        float rim = pow(1.0 - abs(dot(normal, toEye)), 3.0);
        material.emissive += u_rimColour * rim;
        #endif
      }
    `,
  });
}

export class SceneStyleView {
  private style: SceneStyle = 'original';
  private readonly originalBaseColour: Color;
  private readonly originalBackground: Color;
  private readonly removeListener: () => void;

  constructor(private readonly viewer: Viewer) {
    this.originalBaseColour = Color.clone(viewer.scene.globe.baseColor);
    this.originalBackground = Color.clone(viewer.scene.backgroundColor);
    // The ground imagery arrives after the scene is built: style each layer as it is added.
    this.removeListener = viewer.imageryLayers.layerAdded.addEventListener((layer: ImageryLayer) => this.styleImagery(layer));
  }

  get current(): SceneStyle {
    return this.style;
  }

  /** Whether the sky is hidden by the style (the dark style has a plain dark background). */
  skyHidden(): boolean {
    return this.style === 'dark';
  }

  /** Apply a style; `underground` leaves the background to the underground view. */
  apply(style: SceneStyle, underground: boolean): void {
    const scene = this.viewer.scene;
    const changed = style !== this.style;
    this.style = style;
    const dark = style === 'dark';
    if (changed) {
      scene.globe.baseColor = dark ? Color.fromCssColorString(DARK_GROUND_CSS) : this.originalBaseColour;
      for (let i = 0; i < this.viewer.imageryLayers.length; i++) this.styleImagery(this.viewer.imageryLayers.get(i));
    }
    if (!underground) scene.backgroundColor = dark ? Color.fromCssColorString(DARK_BACKGROUND_CSS) : this.originalBackground;
    scene.requestRender();
  }

  private styleImagery(layer: ImageryLayer): void {
    Object.assign(layer, this.style === 'dark' ? DARK_IMAGERY : ORIGINAL_IMAGERY);
    this.viewer.scene.requestRender();
  }

  destroy(): void {
    this.removeListener();
  }
}
