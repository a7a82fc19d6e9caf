import { describe, expect, it } from 'vitest';
import { regionRadians } from './tileset.ts';
import type { RegionDegrees } from './tree.ts';

const RAD = Math.PI / 180;

/** A deterministic stream of numbers in [0, 1). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function regionAt(next: () => number): RegionDegrees {
  const west = 73 + next() * 60;
  const south = 18 + next() * 35;
  const low = -30 + next() * 40;
  return [west, south, west + next() * 0.05, south + next() * 0.05, low, low + next() * 300];
}

describe('regionRadians', () => {
  it('holds the region it was given, within 1e-9 rad and 1 cm', () => {
    const next = random(7);
    for (let n = 0; n < 5000; n++) {
      const degrees = regionAt(next);
      const [w, s, e, nn, lo, hi] = regionRadians(degrees) as [number, number, number, number, number, number];
      const exact = [degrees[0] * RAD, degrees[1] * RAD, degrees[2] * RAD, degrees[3] * RAD, degrees[4], degrees[5]];
      expect(w).toBeLessThanOrEqual(exact[0]!);
      expect(s).toBeLessThanOrEqual(exact[1]!);
      expect(e).toBeGreaterThanOrEqual(exact[2]!);
      expect(nn).toBeGreaterThanOrEqual(exact[3]!);
      expect(lo).toBeLessThanOrEqual(exact[4]!);
      expect(hi).toBeGreaterThanOrEqual(exact[5]!);
      expect(exact[0]! - w).toBeLessThan(1.01e-9);
      expect(e - exact[2]!).toBeLessThan(1.01e-9);
      expect(exact[4]! - lo).toBeLessThan(0.0101);
      expect(hi - exact[5]!).toBeLessThan(0.0101);
    }
  });

  it('writes short numbers: at most 9 decimals of radians and 2 of metres', () => {
    const next = random(11);
    for (let n = 0; n < 2000; n++) {
      const region = regionRadians(regionAt(next));
      for (const value of region.slice(0, 4)) expect(String(value)).toMatch(/^-?\d+(\.\d{1,9})?$/);
      for (const value of region.slice(4)) expect(String(value)).toMatch(/^-?\d+(\.\d{1,2})?$/);
    }
  });

  it('keeps a child within its parent (rounding outward keeps order)', () => {
    const next = random(13);
    for (let n = 0; n < 2000; n++) {
      const parent = regionAt(next);
      const t = [next(), next(), next(), next()].sort();
      const child: RegionDegrees = [
        parent[0] + (parent[2] - parent[0]) * t[0]!,
        parent[1] + (parent[3] - parent[1]) * t[1]!,
        parent[0] + (parent[2] - parent[0]) * t[2]!,
        parent[1] + (parent[3] - parent[1]) * t[3]!,
        parent[4] + (parent[5] - parent[4]) * t[0]!,
        parent[4] + (parent[5] - parent[4]) * t[3]!,
      ];
      const p = regionRadians(parent);
      const c = regionRadians(child);
      expect(c[0]).toBeGreaterThanOrEqual(p[0]!);
      expect(c[1]).toBeGreaterThanOrEqual(p[1]!);
      expect(c[2]).toBeLessThanOrEqual(p[2]!);
      expect(c[3]).toBeLessThanOrEqual(p[3]!);
      expect(c[4]).toBeGreaterThanOrEqual(p[4]!);
      expect(c[5]).toBeLessThanOrEqual(p[5]!);
    }
  });
});
