import { describe, expect, it } from 'vitest';
import { applyRenderSettings, effectiveQuality, isSoftwareRenderer, RENDER_SETTINGS, type QualityTarget } from './render-quality.ts';

describe('render quality', () => {
  it('recognises the software rasterisers WebGL falls back to, and not GPUs', () => {
    // Strings as Chromium, Firefox and Windows report them.
    expect(isSoftwareRenderer('ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)')).toBe(true);
    expect(isSoftwareRenderer('llvmpipe (LLVM 15.0.6, 256 bits)')).toBe(true);
    expect(isSoftwareRenderer('ANGLE (Microsoft, Microsoft Basic Render Driver Direct3D11 vs_5_0 ps_5_0, D3D11)')).toBe(true);
    expect(isSoftwareRenderer('ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11 vs_5_0 ps_5_0, D3D11)')).toBe(false);
    expect(isSoftwareRenderer('Mali-G78')).toBe(false);
    expect(isSoftwareRenderer(undefined)).toBe(false);
  });

  it('auto is smooth on a software renderer and high on a GPU; a forced choice stands', () => {
    expect(effectiveQuality('auto', true)).toBe('smooth');
    expect(effectiveQuality('auto', false)).toBe('high');
    expect(effectiveQuality('high', true)).toBe('high');
    expect(effectiveQuality('smooth', false)).toBe('smooth');
  });

  it('applies the settings once and asks for a frame only when something changed', () => {
    let frames = 0;
    const target: QualityTarget = { resolutionScale: 1, scene: { msaaSamples: 4, requestRender: () => frames++ } };
    expect(applyRenderSettings(target, RENDER_SETTINGS.high)).toBe(false);
    expect(frames).toBe(0);
    expect(applyRenderSettings(target, RENDER_SETTINGS.smooth)).toBe(true);
    expect(target).toMatchObject({ resolutionScale: 0.5, scene: { msaaSamples: 1 } });
    expect(frames).toBe(1);
    expect(applyRenderSettings(target, RENDER_SETTINGS.smooth)).toBe(false);
    expect(frames).toBe(1);
  });
});
