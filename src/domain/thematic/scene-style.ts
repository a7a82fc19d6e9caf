/**
 * The scene style: the original colours, or the dark "technology" style of command-centre wall
 * screens (深色/科技): a dark ground, buildings shaded by height on a dark-blue ramp, so that pipes,
 * alarms and impact rings are the brightest things on screen. Pure: the engine applies it.
 */
import type { BuildingAppearance } from './appearance.ts';
import type { BuildingAttributes } from './themes.ts';

export const SCENE_STYLES = ['original', 'dark'] as const;
export type SceneStyle = (typeof SCENE_STYLES)[number];

export function isSceneStyle(value: unknown): value is SceneStyle {
  return typeof value === 'string' && (SCENE_STYLES as readonly string[]).includes(value);
}

/** The display mode (大屏) opens dark; the normal view in its original colours. */
export function defaultSceneStyle(mode: 'display' | undefined): SceneStyle {
  return mode === 'display' ? 'dark' : 'original';
}

/**
 * Height (metres) → colour stops of the dark-blue ramp: low blocks near the ground's navy, towers
 * lighter. Kept darker and greyer than the level IV (蓝色) alarm blue, so a blue alarm stays
 * distinguishable on the buildings (see the test).
 */
export const DARK_BUILDING_RAMP: readonly (readonly [number, readonly [number, number, number]])[] = [
  [0, [12, 28, 54]],
  [24, [20, 46, 86]],
  [60, [32, 70, 120]],
  [120, [52, 100, 156]],
];

function hex(channels: readonly number[]): string {
  return `#${channels.map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`;
}

/** The ramp's colour at a height (metres); a building with no height gets the lowest stop. */
export function darkBuildingColour(heightMetres: number | undefined): string {
  const stops = DARK_BUILDING_RAMP;
  const h = heightMetres !== undefined && Number.isFinite(heightMetres) ? heightMetres : 0;
  if (h <= stops[0]![0]) return hex(stops[0]![1]);
  for (let i = 1; i < stops.length; i++) {
    const [h1, c1] = stops[i]!;
    if (h <= h1) {
      const [h0, c0] = stops[i - 1]!;
      const t = (h - h0) / (h1 - h0);
      return hex(c0.map((c, k) => c + (c1[k]! - c) * t));
    }
  }
  return hex(stops[stops.length - 1]![1]);
}

/** The appearance of a building in the dark style when no theme is on. */
export function darkSceneRule(attributes: BuildingAttributes): BuildingAppearance {
  return { show: true, colour: darkBuildingColour(attributes.height), alpha: 1 };
}
