import { describe, expect, it } from 'vitest';
import { PIPELINE_TYPES, segmentProblems } from '../domain/pipelines.ts';
import { generateDistrict } from './district.ts';
import { generateNetwork, pathLengthMetres } from './network.ts';

describe('demo underground network', () => {
  const district = generateDistrict();
  const network = generateNetwork(district);
  const lengthByType = new Map<string, number>();
  for (const s of network.segments) lengthByType.set(s.type, (lengthByType.get(s.type) ?? 0) + pathLengthMetres(s.path));

  it('has at least 40 km of lines, of the expected types', () => {
    const total = [...lengthByType.values()].reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(40_000);
    for (const type of ['water', 'drainage-storm', 'drainage-sewage', 'gas', 'power', 'telecom', 'utility-tunnel']) expect(lengthByType.get(type)).toBeGreaterThan(1000);
    expect(lengthByType.has('heat')).toBe(false); // no district heating in Foshan
    for (const s of network.segments) expect(PIPELINE_TYPES).toContain(s.type);
  });

  it('is valid: unique IDs, every segment between known nodes, positive sizes, non-negative depths', () => {
    const ids = [...network.segments.map((s) => s.id), ...network.assets.map((a) => a.id)];
    expect(new Set(ids).size).toBe(ids.length);
    const nodes = new Set(network.assets.map((a) => a.id));
    for (const s of network.segments) expect(segmentProblems(s, nodes)).toEqual([]);
  });

  it('puts power and telecom shallow, water and gas about 1–1.5 m, drainage 2–5 m', () => {
    const depths = (type: string) => network.segments.filter((s) => s.type === type).flatMap((s) => [s.start, s.end].map((p) => ('depthMetres' in p ? p.depthMetres : NaN)));
    for (const d of [...depths('power'), ...depths('telecom')]) expect(d).toBeLessThan(1);
    for (const d of [...depths('water'), ...depths('gas')]) expect(d).toBeGreaterThanOrEqual(0.9);
    for (const d of [...depths('water'), ...depths('gas')]) expect(d).toBeLessThanOrEqual(1.5);
    for (const d of [...depths('drainage-storm'), ...depths('drainage-sewage')]) {
      expect(d).toBeGreaterThanOrEqual(2);
      expect(d).toBeLessThanOrEqual(5);
    }
  });

  it('lets drainage fall along its flow: each main segment ends no shallower than it starts', () => {
    const drainage = network.segments.filter((s) => s.type.startsWith('drainage') && !/T-/.test(s.id));
    expect(drainage.length).toBeGreaterThan(100);
    for (const s of drainage) expect('depthMetres' in s.end && 'depthMetres' in s.start && s.end.depthMetres >= s.start.depthMetres).toBe(true);
    expect(drainage.some((s) => 'depthMetres' in s.end && 'depthMetres' in s.start && s.end.depthMetres > s.start.depthMetres)).toBe(true);
  });

  it('has manholes, valves, hydrants and service connections to real buildings', () => {
    const count = (kind: string) => network.assets.filter((a) => a.kind === kind).length;
    expect(count('manhole')).toBeGreaterThan(100);
    expect(count('valve')).toBeGreaterThan(20);
    expect(count('hydrant')).toBeGreaterThan(20);
    const buildings = new Set(district.buildings.map((b) => b.properties.id));
    const connections = network.assets.filter((a) => a.kind === 'service-connection');
    expect(connections.length).toBeGreaterThan(100);
    for (const c of connections) expect(buildings.has(c.buildingId!)).toBe(true);
  });

  it('connects each type into one network through tees at crossings', () => {
    for (const type of ['water', 'gas', 'drainage-sewage']) {
      const segments = network.segments.filter((s) => s.type === type);
      const adjacency = new Map<string, string[]>();
      for (const s of segments) {
        adjacency.set(s.fromNodeId, [...(adjacency.get(s.fromNodeId) ?? []), s.toNodeId]);
        adjacency.set(s.toNodeId, [...(adjacency.get(s.toNodeId) ?? []), s.fromNodeId]);
      }
      const start = segments[0]!.fromNodeId;
      const seen = new Set([start]);
      const queue = [start];
      while (queue.length) {
        for (const next of adjacency.get(queue.pop()!) ?? []) {
          if (seen.has(next)) continue;
          seen.add(next);
          queue.push(next);
        }
      }
      expect(seen.size, type).toBe(adjacency.size);
    }
  });
});
