import { describe, expect, it } from 'vitest';
import { CJJ61_COLOURS, centreElevationMetres, coverDepthMetres, pipelineColour, PIPELINE_TYPES, segmentProblems, type PipeSegment } from './pipelines.ts';

describe('CJJ 61 colours with depth saturation (GB/T 45668 §6.3.7)', () => {
  it('gives every type its Appendix B colour at depth', () => {
    for (const type of PIPELINE_TYPES) expect(pipelineColour(type, 10)).toEqual(CJJ61_COLOURS[type]);
    expect(CJJ61_COLOURS.gas).toEqual([255, 0, 255]);
    expect(CJJ61_COLOURS.water).toEqual([0, 255, 255]);
  });

  it('is lighter (closer to white) the shallower the pipe', () => {
    const lightness = (depth: number) => pipelineColour('drainage-storm', depth).reduce((a, b) => a + b, 0);
    expect(lightness(0.5)).toBeGreaterThan(lightness(1.5));
    expect(lightness(1.5)).toBeGreaterThan(lightness(3));
    expect(lightness(3)).toBeGreaterThan(lightness(6));
    // The hue stays: a shallow gas main is still pink-magenta (red = blue > green).
    const [r, g, b] = pipelineColour('gas', 0.8);
    expect(r).toBe(b);
    expect(g).toBeLessThan(r);
  });
});

describe('depth to elevation', () => {
  const pipe = { kind: 'circular', diameterMillimetres: 600 } as const;
  const culvert = { kind: 'box', widthMillimetres: 2000, heightMillimetres: 1500 } as const;

  it.each([
    ['cover depth, circular', 10, { depthMetres: 1.2 }, pipe, 10 - 1.2 - 0.3, 1.2],
    ['invert elevation, circular', 10, { invertElevationMetres: 7.5 }, pipe, 7.8, 10 - 8.1],
    ['cover depth, box culvert', 5, { depthMetres: 2 }, culvert, 5 - 2 - 0.75, 2],
    ['invert elevation, box culvert', 5, { invertElevationMetres: 0.5 }, culvert, 1.25, 5 - 2],
  ])('%s', (_, ground, position, shape, centre, cover) => {
    expect(centreElevationMetres(ground, position, shape)).toBeCloseTo(centre, 9);
    expect(coverDepthMetres(ground, position, shape)).toBeCloseTo(cover, 9);
  });
});

describe('segment validation', () => {
  const valid: PipeSegment = {
    id: 'P1',
    type: 'water',
    shape: { kind: 'circular', diameterMillimetres: 300 },
    path: [[113.12, 23.02], [113.121, 23.02]],
    fromNodeId: 'A',
    toNodeId: 'B',
    start: { depthMetres: 1.2 },
    end: { depthMetres: 1.3 },
  };
  const nodes = new Set(['A', 'B']);
  it.each([
    ['a missing diameter', { shape: { kind: 'circular', diameterMillimetres: Number.NaN } }, /P1: missing or non-positive diameter/],
    ['a negative depth', { end: { depthMetres: -0.5 } }, /P1: negative or missing end depth \(-0\.5\)/],
    ['an unknown node', { toNodeId: 'C' }, /P1: refers to unknown node C/],
    ['a culvert without height', { shape: { kind: 'box', widthMillimetres: 1000, heightMillimetres: 0 } }, /box culvert needs a positive width and height/],
  ] as const)('names %s', (_, change, message) => {
    expect(segmentProblems(valid, nodes)).toEqual([]);
    const problems = segmentProblems({ ...valid, ...change } as PipeSegment, nodes);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });
});
