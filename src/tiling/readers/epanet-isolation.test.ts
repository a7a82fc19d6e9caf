/** Valve isolation on a real EPANET network (../shared/data/pipelines/ky10.inp), read by our EPANET reader. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildNetworkGraph, withDeviceLinks } from '../../domain/emergency/network-graph.ts';
import { isolateOnGraph } from '../../domain/emergency/valve-isolation.ts';
import { readEpanetFile } from './epanet.ts';

const DATA = join(import.meta.dirname, '../../../../shared/data/pipelines');
if (!existsSync(DATA)) console.warn(`skipping the ky10.inp isolation test: ${DATA} is absent (it ships with CI, not with a clone)`);

describe.runIf(existsSync(DATA))('valve isolation on ky10.inp (../shared/data)', () => {
  it('isolates a pipe next to a PRV: the break cannot be reached from any remaining source', async () => {
    const epanet = await readEpanetFile(join(DATA, 'ky10.inp'), { origin: { lonDegrees: 113.12, latDegrees: 23.02 }, metresPerUnit: 0.3048 });
    const full = withDeviceLinks(epanet, epanet.links);
    const graph = buildNetworkGraph(full, 'water');
    const prv = epanet.links.find((l) => l.kind === 'valve')!;
    const broken = epanet.segments.find((s) => s.fromNodeId === prv.toNodeId || s.toNodeId === prv.toNodeId)!;
    const result = isolateOnGraph(graph, broken.id);
    expect(result.valvesToClose.length + result.sourcesToShut.length).toBeGreaterThan(0);
    expect(result.zoneSegments).toContain(broken.id);
    // Independent check: close the valves, shut the sources, and search from every other source.
    const closed = new Set([...result.valvesToClose, ...result.sourcesToShut]);
    const sources = full.assets.filter((a) => (a.kind === 'tank' || a.kind === 'reservoir') && !closed.has(a.id)).map((a) => a.id);
    const neighbours = new Map<string, [string, string][]>();
    for (const s of full.segments) {
      for (const [a, b] of [[s.fromNodeId, s.toNodeId], [s.toNodeId, s.fromNodeId]] as const) {
        if (!neighbours.has(a)) neighbours.set(a, []);
        neighbours.get(a)!.push([b, s.id]);
      }
    }
    const seen = new Set(sources);
    const stack = [...sources];
    const reachedSegments = new Set<string>();
    while (stack.length) {
      const n = stack.pop()!;
      for (const [next, segment] of neighbours.get(n) ?? []) {
        reachedSegments.add(segment);
        if (!seen.has(next) && !closed.has(next)) {
          seen.add(next);
          stack.push(next);
        }
      }
    }
    expect(reachedSegments.has(broken.id)).toBe(false);
    // Everything out of supply was reachable before; the zone is inside it.
    for (const id of result.zoneSegments) expect(result.segmentsOutOfSupply).toContain(id);
  });
});
