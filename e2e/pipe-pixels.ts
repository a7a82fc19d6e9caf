/**
 * Pipe pixels of a picture of the underground view: those that change when the pipelines layer is
 * hidden and have a CJJ 61 hue (shared by the underground specs).
 */
import { PNG } from 'pngjs';
import { expect } from './fixtures.ts';

/** Hues (degrees) of the saturated CJJ 61 colours of the demo's types (src/domain/pipelines.ts). */
const CJJ61_HUES = { water: 180, gas: 300, telecom: 120, power: 0, 'heat or drainage brown': 30 } as const;

function hueAndChroma(r: number, g: number, b: number): { hue: number; chroma: number } {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const chroma = max - min;
  if (chroma === 0) return { hue: 0, chroma };
  let hue = max === r ? ((g - b) / chroma) % 6 : max === g ? (b - r) / chroma + 2 : (r - g) / chroma + 4;
  hue *= 60;
  return { hue: hue < 0 ? hue + 360 : hue, chroma };
}

/** Pixels that differ between the two pictures and have a CJJ 61 hue in the first, by type; and where they are. */
export function pipePixels(withPipes: Buffer, withoutPipes: Buffer): { counts: Record<string, number>; at: [number, number][] } {
  const a = PNG.sync.read(withPipes);
  const b = PNG.sync.read(withoutPipes);
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  const counts: Record<string, number> = Object.fromEntries(Object.keys(CJJ61_HUES).map((k) => [k, 0]));
  const at: [number, number][] = [];
  for (let i = 0; i < a.data.length; i += 4) {
    const difference = Math.abs(a.data[i]! - b.data[i]!) + Math.abs(a.data[i + 1]! - b.data[i + 1]!) + Math.abs(a.data[i + 2]! - b.data[i + 2]!);
    if (difference < 45) continue;
    const { hue, chroma } = hueAndChroma(a.data[i]!, a.data[i + 1]!, a.data[i + 2]!);
    if (chroma < 40) continue;
    for (const [type, target] of Object.entries(CJJ61_HUES)) {
      const off = Math.min(Math.abs(hue - target), 360 - Math.abs(hue - target));
      if (off <= 20) {
        counts[type]!++;
        at.push([(i / 4) % a.width, Math.floor(i / 4 / a.width)]);
      }
    }
  }
  return { counts, at };
}
