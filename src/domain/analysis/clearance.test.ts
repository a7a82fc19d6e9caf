import { describe, expect, it } from 'vitest';
import type { PipelineType, PipeSegment } from '../pipelines.ts';
import { checkClearances, type ClearanceRule } from './clearance.ts';
import rulesFile from './clearance-rules.json';

const RULES = rulesFile.rules as ClearanceRule[];
/** Paths in these cases are already local metres. */
const identity = (x: number, y: number): [number, number] => [x, y];

function pipe(id: string, type: PipelineType, diameterMillimetres: number, path: [number, number][], depthMetres: number, nodes: [string, string] = [`${id}-a`, `${id}-b`]): PipeSegment {
  return { id, type, shape: { kind: 'circular', diameterMillimetres }, path, fromNodeId: nodes[0], toNodeId: nodes[1], start: { depthMetres }, end: { depthMetres } };
}

describe('clearance check (净距)', () => {
  it('has a clause and a status on every rule, and no pair twice', () => {
    const pairs = RULES.map((r) => [r.a, r.b].sort().join('|'));
    expect(new Set(pairs).size).toBe(RULES.length);
    for (const r of RULES) {
      expect(r.clause).toMatch(/GB 50289-2016/);
      expect(['sourced', 'assumed']).toContain(r.status);
    }
  });

  it.each([
    ['parallel water and gas 0.6 m apart (centres): 0.42 m clear < 0.5 m', 0.6, 0.42],
    ['parallel water and gas 1.0 m apart: 0.82 m clear, no violation', 1.0, undefined],
  ])('%s', (_, spacing, expected) => {
    const water = pipe('W', 'water', 200, [[0, 0], [50, 0]], 1.2);
    const gas = pipe('G', 'gas', 160, [[0, spacing], [50, spacing]], 1.0);
    const violations = checkClearances([water, gas], RULES, identity);
    if (expected === undefined) expect(violations).toEqual([]);
    else {
      expect(violations).toHaveLength(1);
      expect(violations[0]).toMatchObject({ kind: 'horizontal', requiredMetres: 0.5, segmentA: 'W', segmentB: 'G' });
      expect(violations[0]!.clearanceMetres).toBeCloseTo(expected, 6);
    }
  });

  it.each([
    // Water Ø200 at 1.0 m cover: centre −1.1. Sewage Ø400 at 1.4 m: centre −1.6 → clear 0.5 − 0.1 − 0.2 = 0.2 < 0.4.
    ['sewage crossing 0.2 m under a water main', 1.4, 0.2],
    // Sewage at 2.0 m: centre −2.2 → clear 1.1 − 0.3 = 0.8, enough.
    ['sewage crossing 0.8 m under it', 2.0, undefined],
  ])('%s', (_, sewageCover, expected) => {
    const water = pipe('W', 'water', 200, [[0, 0], [40, 0]], 1.0);
    const sewage = pipe('S', 'drainage-sewage', 400, [[20, -20], [20, 20]], sewageCover);
    const violations = checkClearances([water, sewage], RULES, identity);
    if (expected === undefined) expect(violations).toEqual([]);
    else {
      expect(violations).toHaveLength(1);
      expect(violations[0]).toMatchObject({ kind: 'vertical', requiredMetres: 0.4 });
      expect(violations[0]!.clearanceMetres).toBeCloseTo(expected, 6);
      expect(violations[0]!.at[0]).toBeCloseTo(20, 6);
      expect(violations[0]!.at[1]).toBeCloseTo(0, 6);
    }
  });

  it('does not compare connected segments or pairs without a rule', () => {
    const a = pipe('A', 'water', 200, [[0, 0], [10, 0]], 1.2, ['n1', 'n2']);
    const b = pipe('B', 'gas', 160, [[10, 0], [10, 10]], 1.0, ['n2', 'n3']); // shares n2 with A
    const c = pipe('C', 'water', 200, [[0, 0.3], [8, 0.3]], 1.2); // water–water beside A: no rule; 2 m from B
    expect(checkClearances([a, b, c], RULES, identity)).toEqual([]);
  });

  it('follows bends: the worst point of a bent pipe is found, once per pair', () => {
    const water = pipe('W', 'water', 200, [[0, 0], [100, 0]], 1.2);
    const power: PipeSegment = { ...pipe('P', 'power', 200, [], 0.7), path: [[0, 3], [50, 3], [60, 0.45], [100, 0.45]] };
    const violations = checkClearances([water, power], RULES, identity);
    expect(violations).toHaveLength(1);
    expect(violations[0]!.clearanceMetres).toBeCloseTo(0.45 - 0.2, 6);
  });
});
