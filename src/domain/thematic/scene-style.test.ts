import { describe, expect, it } from 'vitest';
import { SENSOR_STATE_COLOURS, WARNING_LEVELS } from '../monitoring/warning.ts';
import { darkBuildingColour, darkSceneRule, defaultSceneStyle, isSceneStyle } from './scene-style.ts';

/** Relative luminance of a #rrggbb colour (sRGB coefficients on the channel values, 0–1). */
function luminance(css: string): number {
  const n = Number.parseInt(css.slice(1), 16);
  return (0.2126 * (n >> 16) + 0.7152 * ((n >> 8) & 255) + 0.0722 * (n & 255)) / 255;
}

describe('scene style', () => {
  it('the display opens dark, the normal view in its original colours', () => {
    expect(defaultSceneStyle('display')).toBe('dark');
    expect(defaultSceneStyle(undefined)).toBe('original');
    expect(isSceneStyle('dark')).toBe(true);
    expect(isSceneStyle('bright')).toBe(false);
  });

  it('buildings get lighter with height on a dark-blue ramp, and stay dark', () => {
    const heights = [undefined, 0, 10, 24, 40, 60, 90, 120, 300];
    const colours = heights.map((h) => darkBuildingColour(h));
    for (const colour of colours) {
      const n = Number.parseInt(colour.slice(1), 16);
      expect(n & 255, `${colour} is blue-dominant`).toBeGreaterThan(n >> 16);
      expect(luminance(colour)).toBeLessThan(0.5);
    }
    const lum = colours.slice(1).map(luminance);
    for (let i = 1; i < lum.length; i++) expect(lum[i]).toBeGreaterThanOrEqual(lum[i - 1]!);
    expect(lum[lum.length - 1]).toBeGreaterThan(lum[0]! + 0.2);
  });

  it('the dark rule shows every building, opaque, in its ramp colour', () => {
    expect(darkSceneRule({ id: 'b', height: 60 })).toEqual({ show: true, colour: darkBuildingColour(60), alpha: 1 });
  });
  it('every alarm level colour stands apart from every building colour of the ramp', () => {
    const rgb = (css: string) => {
      const n = Number.parseInt(css.slice(1), 16);
      return [n >> 16, (n >> 8) & 255, n & 255] as const;
    };
    for (const level of WARNING_LEVELS) {
      const alarm = rgb(SENSOR_STATE_COLOURS[level]);
      for (let height = 0; height <= 200; height += 5) {
        const building = rgb(darkBuildingColour(height));
        const distance = Math.hypot(alarm[0] - building[0], alarm[1] - building[1], alarm[2] - building[2]);
        expect(distance, `level ${level} against a ${height} m building`).toBeGreaterThan(100);
      }
    }
  });
});
