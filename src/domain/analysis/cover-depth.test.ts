import { describe, expect, it } from 'vitest';
import { generateDistrict } from '../../demo/district.ts';
import { generateNetwork } from '../../demo/network.ts';
import type { PipeSegment } from '../pipelines.ts';
import { checkCoverDepth, type CoverRule } from './cover-depth.ts';
import rulesFile from './cover-depth-rules.json';

const RULES = rulesFile.rules as CoverRule[];

const segment = (id: string, type: PipeSegment['type'], start: PipeSegment['start'], end: PipeSegment['end'], diameterMillimetres = 300): PipeSegment => ({
  id,
  type,
  shape: { kind: 'circular', diameterMillimetres },
  path: [[0, 0], [1, 0]],
  fromNodeId: 'a',
  toNodeId: 'b',
  start,
  end,
});

describe('cover-depth check (覆土)', () => {
  it('finds the shallow end of a segment below its type minimum', () => {
    const findings = checkCoverDepth([segment('G', 'gas', { depthMetres: 1.0 }, { depthMetres: 0.45 }), segment('W', 'water', { depthMetres: 1.2 }, { depthMetres: 0.9 })], RULES);
    expect(findings).toEqual([{ segmentId: 'G', type: 'gas', end: 'end', coverMetres: 0.45, requiredMetres: 0.6, clause: 'GB 50289-2016 Table 4.1.1' }]);
  });

  it('works from invert elevations and the ground elevation', () => {
    // Ground 10 m, invert 9.0 m, Ø300: pipe top at 9.3 m → cover 0.7 m; power needs 0.7 m: fine. At 9.1 m invert: 0.6 m, short.
    const ok = segment('P1', 'power', { invertElevationMetres: 9.0 }, { invertElevationMetres: 9.0 });
    const short = segment('P2', 'power', { invertElevationMetres: 9.0 }, { invertElevationMetres: 9.1 });
    const findings = checkCoverDepth([ok, short], RULES, () => 10);
    expect(findings.map((f) => f.segmentId)).toEqual(['P2']);
    expect(findings[0]!.coverMetres).toBeCloseTo(0.6, 9);
    expect(findings[0]!.end).toBe('end');
  });

  it('orders by shortfall and ignores types without a rule', () => {
    const findings = checkCoverDepth([segment('A', 'water', { depthMetres: 0.5 }, { depthMetres: 0.5 }), segment('B', 'telecom', { depthMetres: 0.2 }, { depthMetres: 0.3 }), segment('C', 'unknown', { depthMetres: 0 }, { depthMetres: 0 })], RULES);
    expect(findings.map((f) => f.segmentId)).toEqual(['B', 'A']);
  });

  it('finds no shortfall in the demo network, whose depths follow typical practice', () => {
    expect(checkCoverDepth(generateNetwork(generateDistrict()).segments, RULES)).toEqual([]);
  });
});
