import { describe, expect, it } from 'vitest';
import { buildNetworkGraph } from '../domain/emergency/network-graph.ts';
import { traceOnGraph } from '../domain/emergency/tracing.ts';
import { isolateOnGraph } from '../domain/emergency/valve-isolation.ts';
import { pathLengthMetres } from '../domain/geometry.ts';
import { PIPELINE_TYPES, segmentProblems, type PipelineType } from '../domain/pipelines.ts';
import { collectNetwork, syntheticCityNetwork, syntheticNetworkPlan } from './synthetic-network.ts';

describe('synthetic city network', () => {
  // The smallest grid: 5 streets each way (arterial, branch, secondary, branch, arterial), 4 blocks each.
  const small = { kilometres: 50, seed: 7 };
  const items = [...syntheticCityNetwork(small)];
  const network = collectNetwork(items);

  it('is the same for the same seed, and varies with the seed', () => {
    expect(JSON.stringify([...syntheticCityNetwork(small)])).toBe(JSON.stringify(items));
    const other = collectNetwork(syntheticCityNetwork({ ...small, seed: 8 }));
    expect(other.segments.map((s) => s.id)).toEqual(network.segments.map((s) => s.id));
    expect(JSON.stringify(other)).not.toBe(JSON.stringify(network));
  });

  it('has the counts the grid gives (worked out by hand for 5 × 5 streets)', () => {
    expect(syntheticNetworkPlan(small)).toEqual({ streetsPerDirection: 5, blockMetres: 300, extentMetres: 1200, mainKilometres: 67.2 });
    // Segments per block: arterial 32 (power 3, water 4, storm 8, sewage 8, gas 3, telecom 3, heat 3),
    // secondary 29 (no heat), branch 22 (power, water 3, storm, sewage). Per direction (2 arterial,
    // 1 secondary, 2 branch streets of 4 blocks): 548; both: 1,096 main segments.
    const mains = network.segments.filter((s) => /-V\d+-\d+-\d+$|-H\d+-\d+-\d+$/.test(s.id) && !s.id.includes('-SC-'));
    expect(mains.length).toBe(1096);
    // Tees: one per crossing and type carried by both streets (A–A 7, A–S 6, A–B 4, S–S 6, S–B 4, B–B 4).
    expect(network.segments.filter((s) => /T-H\d+-\d+$/.test(s.id)).length).toBe(28 + 24 + 32 + 6 + 16 + 16);
    // Two service connections per block of water main (40 blocks), a source link per corner and pressurised type.
    expect(network.segments.filter((s) => s.id.includes('-JSJH-')).length).toBe(80);
    expect(network.segments.filter((s) => s.id.endsWith('-L')).length).toBe(12);
    expect(network.segments.length).toBe(1096 + 122 + 80 + 12);
    // Valves: water 2 per block of arterial and secondary streets, 1 on branch ones (64); gas 2 per block (48); heat 2 (32).
    const valves = network.assets.filter((a) => a.kind === 'valve');
    expect(valves.length).toBe(144);
    expect(valves.filter((a) => a.type === 'water').length).toBe(64);
    // Nodes: every main's stations plus its last crossing (56 mains), the connections and the sources.
    expect(network.assets.length).toBe(1096 + 56 + 80 + 12);
    const mainMetres = mains.reduce((sum, s) => sum + pathLengthMetres(s.path), 0);
    expect(mainMetres / 1000).toBeCloseTo(67.2, 0);
  });

  it('is about 10,000 km, 200,000 segments and 20,000 valves at its default size, streamed', () => {
    let segments = 0;
    let valves = 0;
    let metres = 0;
    for (const item of syntheticCityNetwork()) {
      if (item.kind === 'segment') {
        segments++;
        metres += pathLengthMetres(item.segment.path);
      } else if (item.asset.kind === 'valve') valves++;
    }
    expect(metres / 1000).toBeGreaterThan(10_000);
    expect(metres / 1000).toBeLessThan(11_000);
    expect(segments).toBeGreaterThan(180_000);
    expect(segments).toBeLessThan(220_000);
    expect(valves).toBeGreaterThan(18_000);
    expect(valves).toBeLessThan(22_000);
  });

  it('is valid: unique IDs, every node yielded before the segments that use it, sizes and depths in range', () => {
    const ids = [...network.segments.map((s) => s.id), ...network.assets.map((a) => a.id)];
    expect(new Set(ids).size).toBe(ids.length);
    const seen = new Set<string>();
    for (const item of items) {
      if (item.kind === 'asset') seen.add(item.asset.id);
      else expect(segmentProblems(item.segment, seen), item.segment.id).toEqual([]);
    }
    for (const s of network.segments) {
      expect(PIPELINE_TYPES).toContain(s.type);
      for (const end of [s.start, s.end]) expect('depthMetres' in end && end.depthMetres >= 0.7 && end.depthMetres <= 5).toBe(true);
    }
  });

  it('has the attribute shapes of the demo network', () => {
    const water = network.segments.find((s) => s.type === 'water' && !s.id.includes('JSJH'))!;
    expect(water).toMatchObject({ shape: { kind: 'circular' }, material: '球墨铸铁管', pressureClass: '0.4 MPa', status: 'in-service' });
    expect(water.installYear).toBeGreaterThanOrEqual(1980);
    expect(network.segments.some((s) => s.shape.kind === 'box')).toBe(true);
    expect(network.assets.some((a) => a.kind === 'manhole' && a.depthMetres! > 2)).toBe(true);
    expect(network.assets.filter((a) => a.kind === 'service-connection').every((a) => /^S\d+$/.test(a.buildingId ?? 'S0'))).toBe(true);
  });

  it('makes each type one connected network through the tees', () => {
    for (const type of ['water', 'gas', 'heat', 'drainage-storm', 'drainage-sewage', 'power', 'telecom'] as PipelineType[]) {
      // Valves opened: connectivity of the pipes, whatever their state.
      const opened = { segments: network.segments, assets: network.assets.map((a) => (a.kind === 'valve' ? { ...a, valveState: 'open' as const } : a)) };
      const graph = buildNetworkGraph(opened, type);
      const traced = traceOnGraph(graph, graph.segmentIds[0]!, 'connected');
      expect(traced.segments.length, type).toBe(graph.segmentIds.length);
      expect(graph.segmentIds.length, type).toBeGreaterThan(50);
    }
  });

  it('places valves so that isolating a break closes a few valves, not the city', () => {
    const city = collectNetwork(syntheticCityNetwork({ kilometres: 600, seed: 3 }));
    const graph = buildNetworkGraph(city, 'water');
    // A break on a branch street's water main, mid-block (between its valve and its hydrant).
    const broken = graph.segmentIds.find((id) => /^SYN-JS-V(\d+)-\d+-1$/.exec(id) && Number(/V(\d+)/.exec(id)![1]) % 2 === 1)!;
    const result = isolateOnGraph(graph, broken, {});
    expect(result.valvesToClose.length).toBeGreaterThanOrEqual(2);
    expect(result.valvesToClose.length).toBeLessThanOrEqual(8);
    expect(result.zoneSegments.length).toBeLessThan(graph.segmentIds.length / 20);
    expect(result.buildingsOutOfSupply.length).toBeGreaterThan(0);
    for (const id of result.buildingsOutOfSupply) expect(id).toMatch(/^S\d+$/);
  });
});
