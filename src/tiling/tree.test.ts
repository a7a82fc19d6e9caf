import { describe, expect, it } from 'vitest';
import { buildQuadtree, walkTree, type FeatureSummary, type TreeNode } from './tree.ts';

function summaries(count: number, seed = 1): FeatureSummary[] {
  let s = seed;
  const random = () => ((s = (s * 16807) % 2147483647) - 1) / 2147483646;
  return Array.from({ length: count }, () => {
    const lon = 113.1 + random() * 0.05;
    const lat = 23.0 + random() * 0.05;
    const height = 3 + random() * 150;
    return { lonDegrees: lon, latDegrees: lat, westDegrees: lon - 1e-4, southDegrees: lat - 1e-4, eastDegrees: lon + 1e-4, northDegrees: lat + 1e-4, minimumHeightMetres: 0, maximumHeightMetres: height, sizeMetres: height };
  });
}

function contains(outer: number[], inner: number[]): boolean {
  return outer[0]! <= inner[0]! && outer[1]! <= inner[1]! && outer[2]! >= inner[2]! && outer[3]! >= inner[3]! && outer[4]! <= inner[4]! && outer[5]! >= inner[5]!;
}

describe.each([
  ['uniform, 5,000 features, 500 per tile', summaries(5000), 500],
  ['uniform, 1,234 features, 100 per tile', summaries(1234, 7), 100],
  ['all at one point (must still terminate and honour the bound)', summaries(900).map((f) => ({ ...f, lonDegrees: 113, latDegrees: 23 })), 50],
])('quadtree: %s', (_, features, maximum) => {
  const root = buildQuadtree(features, { maximumFeaturesPerTile: maximum })!;
  const nodes = [...walkTree(root)];

  it('places every feature in exactly one tile, and no tile holds more than the bound', () => {
    const seen = new Set<number>();
    for (const node of nodes) {
      expect(node.featureIndices.length).toBeLessThanOrEqual(maximum);
      for (const i of node.featureIndices) {
        expect(seen.has(i)).toBe(false);
        seen.add(i);
      }
    }
    expect(seen.size).toBe(features.length);
  });

  it("bounds each tile's features and its children's volumes", () => {
    for (const node of nodes) {
      for (const i of node.featureIndices) {
        const f = features[i]!;
        expect(contains(node.region, [f.westDegrees, f.southDegrees, f.eastDegrees, f.northDegrees, f.minimumHeightMetres, f.maximumHeightMetres])).toBe(true);
      }
      for (const child of node.children) expect(contains(node.region, child.region)).toBe(true);
    }
  });

  it('has geometric error that strictly decreases with depth, positive inside, zero at leaves', () => {
    const check = (node: TreeNode) => {
      if (node.children.length === 0) expect(node.geometricErrorMetres).toBe(0);
      else expect(node.geometricErrorMetres).toBeGreaterThan(0);
      for (const child of node.children) {
        expect(child.geometricErrorMetres).toBeLessThan(node.geometricErrorMetres);
        check(child);
      }
    };
    check(root);
  });

  it('keeps the largest features nearest the root (a distant view shows the landmarks)', () => {
    const largest = features.map((f, i) => [f.sizeMetres, i] as const).sort((a, b) => b[0] - a[0]).slice(0, Math.min(maximum, features.length)).map(([, i]) => i);
    expect(new Set(root.featureIndices)).toEqual(new Set(largest));
  });
});

it('returns undefined for no features and rejects a bound below 1', () => {
  expect(buildQuadtree([])).toBeUndefined();
  expect(() => buildQuadtree(summaries(3), { maximumFeaturesPerTile: 0 })).toThrow(/at least 1/);
});
