import { describe, expect, it } from 'vitest';
import { NetworkIndex } from '../network-index.ts';
import type { PipelineType, PipeSegment, PointAsset } from '../pipelines.ts';
import type { ClearanceRule } from './clearance.ts';
import rulesFile from './clearance-rules.json';
import { crossSection } from './cross-section.ts';
import { longitudinalProfile } from './profile.ts';
import { localProjection } from '../geometry.ts';

const RULES = rulesFile.rules as ClearanceRule[];
const identity = (x: number, y: number): [number, number] => [x, y];

function pipe(id: string, type: PipelineType, diameterMillimetres: number, path: [number, number][], startDepth: number, endDepth = startDepth, nodes: [string, string] = [`${id}-a`, `${id}-b`]): PipeSegment {
  return { id, type, shape: { kind: 'circular', diameterMillimetres }, path, fromNodeId: nodes[0], toNodeId: nodes[1], start: { depthMetres: startDepth }, end: { depthMetres: endDepth } };
}

describe('cross-section (横断面)', () => {
  // A street running north; pipes parallel to it at known east offsets and depths.
  const water = pipe('W', 'water', 400, [[-5, -50], [-5, 50]], 1.2);
  const storm = pipe('S', 'drainage-storm', 1000, [[-3, -50], [-3, 50]], 2.0);
  const gas = pipe('G', 'gas', 200, [[-1.8, -50], [-1.8, 50]], 1.0);
  const box = { ...pipe('B', 'utility-tunnel', 0, [[4, -50], [4, 50]], 3), shape: { kind: 'box' as const, widthMillimetres: 4000, heightMillimetres: 3000 } };
  const elsewhere = pipe('X', 'telecom', 110, [[20, 60], [30, 60]], 0.8);

  it('lists every pipe the line crosses, in order, at true depth and size', () => {
    const section = crossSection([storm, water, gas, box, elsewhere], [-10, 0], [10, 0], RULES, identity);
    expect(section.lengthMetres).toBeCloseTo(20);
    expect(section.crossings.map((c) => c.segmentId)).toEqual(['W', 'S', 'G', 'B']);
    const [w, s, , b] = section.crossings;
    expect(w!.offsetMetres).toBeCloseTo(5);
    expect(w!.topElevationMetres).toBeCloseTo(-1.2);
    expect(w!.bottomElevationMetres).toBeCloseTo(-1.6);
    expect(s!.centreElevationMetres).toBeCloseTo(-2.5);
    expect(b!.widthMetres).toBeCloseTo(4);
    expect(b!.bottomElevationMetres).toBeCloseTo(-6);
    expect(w!.angleDegrees).toBeCloseTo(90);
  });

  it('labels the clear distances between neighbours and flags those below the rules', () => {
    const section = crossSection([water, storm, gas], [-10, 0], [10, 0], RULES, identity);
    const [ws, sg] = section.clearances;
    // Water (0.4 m) at −5 and storm (1.0 m) at −3: 2 − 0.2 − 0.5 = 1.3 m ≥ 1.0 m.
    expect(ws).toMatchObject({ governing: 'horizontal', requiredMetres: 1.0, violation: false });
    expect(ws!.horizontalMetres).toBeCloseTo(1.3);
    // Storm at −3 and gas (0.2 m) at −1.8: 1.2 − 0.5 − 0.1 = 0.6 m < 1.2 m.
    expect(sg).toMatchObject({ governing: 'horizontal', requiredMetres: 1.2, violation: true });
    expect(sg!.horizontalMetres).toBeCloseTo(0.6);
    // Gas bottom −1.2 and storm top −2.0: 0.8 m apart vertically.
    expect(sg!.verticalMetres).toBeCloseTo(0.8);
  });

  it('checks pipes one above the other vertically, and finds an oblique crossing with its angle', () => {
    const upper = pipe('U', 'gas', 200, [[0, -10], [0, 10]], 1.0);
    const lower = pipe('L', 'water', 300, [[-10, -10], [10, 10]], 1.25); // crosses the section at x = 0 too, at 45°
    const section = crossSection([upper, lower], [-5, 0], [5, 0], RULES, identity);
    expect(section.crossings.map((c) => c.segmentId)).toEqual(['U', 'L']);
    expect(section.crossings[1]!.angleDegrees).toBeCloseTo(45);
    const [c] = section.clearances;
    // Gas bottom −1.2, water top −1.25: 0.05 m < 0.15 m.
    expect(c).toMatchObject({ governing: 'vertical', requiredMetres: 0.15, violation: true });
    expect(c!.verticalMetres).toBeCloseTo(0.05);
  });

  it('finds nothing on a line that crosses no pipe', () => {
    expect(crossSection([water], [10, 0], [20, 0], RULES, identity).crossings).toEqual([]);
  });
});

describe('longitudinal profile (纵断面) and network lookups', () => {
  // A storm sewer falling east through manholes M1–M4, a branch north at M2, and a water
  // main crossing; lon/lat through a local projection so the real path is exercised.
  const { toLonLat } = localProjection(113.12, 23.02);
  const ll = (x: number, y: number) => toLonLat(x, y);
  const manhole = (id: string, x: number, depth: number): PointAsset => ({ id, kind: 'manhole', type: 'drainage-storm', lonDegrees: ll(x, 0)[0], latDegrees: ll(x, 0)[1], groundElevationMetres: 0, depthMetres: depth });
  const assets: PointAsset[] = [manhole('M1', 0, 3), manhole('M2', 40, 3.2), manhole('M3', 80, 3.4), manhole('M4', 120, 3.6), { id: 'SC1', kind: 'service-connection', type: 'water', lonDegrees: ll(60, 30)[0], latDegrees: ll(60, 30)[1], groundElevationMetres: 0, buildingId: 'B-1' }, { id: 'V1', kind: 'valve', type: 'water', lonDegrees: ll(60, -5)[0], latDegrees: ll(60, -5)[1], groundElevationMetres: 0, valveState: 'open' }];
  const s1 = pipe('S1', 'drainage-storm', 600, [ll(0, 0), ll(40, 0)], 2.0, 2.12, ['M1', 'M2']);
  // S2 is digitised against the flow (M3 → M2): the profile must still run M1 → M4.
  const s2 = pipe('S2', 'drainage-storm', 600, [ll(80, 0), ll(40, 0)], 2.24, 2.12, ['M3', 'M2']);
  const s3 = pipe('S3', 'drainage-storm', 800, [ll(80, 0), ll(120, 0)], 2.24, 2.36, ['M3', 'M4']);
  const branch = pipe('S9', 'drainage-storm', 400, [ll(40, 0), ll(40, 40)], 2.1, 1.9, ['M2', 'M9']);
  const main = pipe('W1', 'water', 300, [ll(60, -5), ll(60, 5)], 1.2, 1.2, ['V1', 'N1']);
  const service = pipe('W2', 'water', 100, [ll(60, 5), ll(60, 30)], 1.2, 1.0, ['N1', 'SC1']);
  const index = new NetworkIndex({ segments: [s1, s2, s3, branch, main, service], assets });

  it('follows the straight run both ways from any segment, through the branch, against digitising direction', () => {
    for (const start of ['S1', 'S2', 'S3']) {
      const profile = longitudinalProfile(index, start)!;
      expect(profile.segments.map((s) => s.id)).toEqual(['S1', 'S2', 'S3']);
      expect(profile.nodes.map((n) => n.id)).toEqual(['M1', 'M2', 'M3', 'M4']);
    }
    const profile = longitudinalProfile(index, 'S1')!;
    expect(profile.lengthMetres).toBeCloseTo(120, 0);
    expect(profile.nodes[2]!.stationMetres).toBeCloseTo(80, 0);
    expect(profile.segments[1]!.forward).toBe(false);
  });

  it('gives tops, inverts and grades from the depths', () => {
    const [a, b, c] = longitudinalProfile(index, 'S2')!.segments;
    expect(a!.startTopMetres).toBeCloseTo(-2.0);
    expect(a!.startInvertMetres).toBeCloseTo(-2.6);
    // Centre falls 0.12 m over 40 m: 3 ‰.
    expect(a!.gradePerMille).toBeCloseTo(3, 1);
    expect(b!.startTopMetres).toBeCloseTo(-2.12);
    expect(b!.endTopMetres).toBeCloseTo(-2.24);
    // S3 is 800 mm: the centre is 0.1 m lower than a 600 mm pipe at the same cover.
    expect(c!.startInvertMetres).toBeCloseTo(-3.04);
  });

  it('knows what a segment connects to and which buildings it serves', () => {
    const s2Connections = index.connections('S2')!;
    expect(s2Connections.assets.map((a) => a.id).sort()).toEqual(['M2', 'M3']);
    expect(s2Connections.segments.map((s) => s.id).sort()).toEqual(['S1', 'S3', 'S9']);
    expect(index.buildingsServed('W1')).toEqual(['B-1']);
    expect(index.buildingsServed('W2')).toEqual(['B-1']);
    expect(index.buildingsServed('S1')).toEqual([]);
    expect(index.connections('V1')!.segments.map((s) => s.id)).toEqual(['W1']);
    expect(index.connections('nothing')).toBeUndefined();
  });
});
