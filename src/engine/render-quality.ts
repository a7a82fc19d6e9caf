/**
 * Render quality: how many pixels and samples a frame costs. Many city-operations desks run the
 * viewer in a virtual desktop (云桌面) or on a display PC with no GPU, where WebGL falls back to a
 * software rasteriser (SwiftShader, llvmpipe, Microsoft Basic Render Driver) and a full frame
 * takes several hundred milliseconds. "auto" draws those at half resolution without MSAA
 * ("smooth"), so an alarm's colour reaches the screen in one short frame; with a GPU it keeps
 * full quality. The user can force either. No Cesium import: the decisions are pure, and the
 * target is anything with a resolution scale and a scene with MSAA samples.
 */

/** What the user chose: "auto" follows the renderer. */
export type RenderQuality = 'auto' | 'high' | 'smooth';
/** What is drawn. */
export type EffectiveQuality = Exclude<RenderQuality, 'auto'>;

export interface RenderSettings {
  /** Cesium `Viewer.resolutionScale`: drawing-buffer pixels per CSS pixel (before the browser's own ratio). */
  resolutionScale: number;
  /** Cesium `Scene.msaaSamples` (1 = off). */
  msaaSamples: number;
}

export const RENDER_SETTINGS: Readonly<Record<EffectiveQuality, RenderSettings>> = {
  // Cesium's defaults.
  high: { resolutionScale: 1, msaaSamples: 4 },
  // A quarter of the pixels, one sample each. Measured on SwiftShader (README): POST → colour
  // on screen p95 from ~700 ms to ~230 ms in the same run.
  smooth: { resolutionScale: 0.5, msaaSamples: 1 },
};

/** Renderer strings of the software rasterisers WebGL falls back to. */
const SOFTWARE_RENDERERS = /swiftshader|llvmpipe|softpipe|basic render driver|software rasterizer|software adapter/i;

export function isSoftwareRenderer(renderer: string | undefined): boolean {
  return renderer !== undefined && SOFTWARE_RENDERERS.test(renderer);
}

export function isRenderQuality(value: unknown): value is RenderQuality {
  return value === 'auto' || value === 'high' || value === 'smooth';
}

/** The quality drawn for a choice: "auto" is smooth on a software renderer and high otherwise. */
export function effectiveQuality(choice: RenderQuality, softwareRenderer: boolean): EffectiveQuality {
  return choice === 'auto' ? (softwareRenderer ? 'smooth' : 'high') : choice;
}

/**
 * The renderer behind a canvas's WebGL context, read from the context the canvas already has
 * (getContext with the same type returns it; no second context is made). Undefined when the
 * browser hides it.
 */
export function webglRendererOf(canvas: HTMLCanvasElement): string | undefined {
  const gl = (canvas.getContext('webgl2') ?? canvas.getContext('webgl')) as WebGLRenderingContext | null;
  if (!gl) return undefined;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer: unknown = gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER);
  return typeof renderer === 'string' ? renderer : undefined;
}

/** Something drawn by Cesium: a Viewer (or a CesiumWidget) fits. */
export interface QualityTarget {
  resolutionScale: number;
  scene: { msaaSamples: number; requestRender(): void };
}

/** Apply a quality's settings; returns whether anything changed. */
export function applyRenderSettings(target: QualityTarget, settings: RenderSettings): boolean {
  if (target.resolutionScale === settings.resolutionScale && target.scene.msaaSamples === settings.msaaSamples) return false;
  target.resolutionScale = settings.resolutionScale;
  target.scene.msaaSamples = settings.msaaSamples;
  target.scene.requestRender();
  return true;
}
