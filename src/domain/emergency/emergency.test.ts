import { describe, expect, it } from 'vitest';
import type { PipeNetwork, PipelineType, PointAsset, PointAssetKind } from '../pipelines.ts';
import { traceNetwork } from './tracing.ts';
import { IsolationError, isolateBreak, suspectedBreak } from './valve-isolation.ts';
import { NetworkIndex } from '../network-index.ts';

/**
 * A hand-made network from a compact description: "A-B" is a segment from A to B named by its
 * ends; node kinds by prefix: R reservoir, T tank, V valve (open), X valve (closed), S service
 * connection to building B<name>, anything else a junction.
 */
function network(lines: string[], type: PipelineType = 'water'): PipeNetwork {
  const assets = new Map<string, PointAsset>();
  const kindOf = (id: string): PointAssetKind => (id.startsWith('R') ? 'reservoir' : id.startsWith('T') ? 'tank' : id.startsWith('V') || id.startsWith('X') ? 'valve' : id.startsWith('S') ? 'service-connection' : 'junction');
  const node = (id: string) => {
    if (!assets.has(id)) {
      const kind = kindOf(id);
      const asset: PointAsset = { id, kind, type, lonDegrees: 113, latDegrees: 23, groundElevationMetres: 0 };
      if (kind === 'valve') asset.valveState = id.startsWith('X') ? 'closed' : 'open';
      if (kind === 'service-connection') asset.buildingId = `B${id.slice(1)}`;
      assets.set(id, asset);
    }
    return id;
  };
  const segments = lines.map((line) => {
    const [from, to] = line.split('-') as [string, string];
    return { id: line, type, shape: { kind: 'circular' as const, diameterMillimetres: 200 }, path: [[113, 23], [113.001, 23]] as [number, number][], fromNodeId: node(from), toNodeId: node(to), start: { depthMetres: 1 }, end: { depthMetres: 1 } };
  });
  return { segments, assets: [...assets.values()] };
}

describe('valve isolation (关阀分析)', () => {
  const line = network(['R1-n1', 'n1-V1', 'V1-n2', 'n2-V2', 'V2-n3', 'n3-S1', 'n3-V4', 'V4-n4', 'n4-S4']);

  it('a straight main: the valves either side, and everything beyond the downstream one loses supply', () => {
    const result = isolateBreak(line, 'V1-n2');
    expect(result.valvesToClose).toEqual(['V1', 'V2']);
    expect(result.zoneSegments).toEqual(['V1-n2', 'n2-V2']);
    expect(result.segmentsOutOfSupply).toEqual(['V1-n2', 'V2-n3', 'V4-n4', 'n2-V2', 'n3-S1', 'n3-V4', 'n4-S4']);
    expect(result.buildingsOutOfSupply).toEqual(['B1', 'B4']);
    expect(result.sourcesToShut).toEqual([]);
  });

  it('an inoperable valve: the zone grows to the next valve, which is the next set', () => {
    const result = isolateBreak(line, 'V1-n2', { inoperableValveIds: ['V2'] });
    expect(result.valvesToClose).toEqual(['V1', 'V4']);
    expect(result.bypassedValves).toEqual(['V2']);
    expect(result.zoneSegments).toEqual(['V1-n2', 'V2-n3', 'n2-V2', 'n3-S1', 'n3-V4']);
    expect(result.buildingsOutOfSupply).toEqual(['B1', 'B4']);
  });

  it('a loop: the far side keeps its supply round the ring', () => {
    const ring = network(['R1-n1', 'n1-V1', 'V1-n2', 'n2-V3', 'V3-n3', 'n3-V2', 'V2-n1', 'n2-S2', 'n3-S3']);
    const result = isolateBreak(ring, 'V1-n2');
    expect(result.valvesToClose).toEqual(['V1', 'V3']);
    expect(result.zoneSegments).toEqual(['V1-n2', 'n2-S2', 'n2-V3']);
    expect(result.segmentsOutOfSupply).toEqual(['V1-n2', 'n2-S2', 'n2-V3']);
    expect(result.buildingsOutOfSupply).toEqual(['B2']);
  });

  it('a break next to a tank: the tank is shut at the source, the valve on the other side closed', () => {
    const tank = network(['T1-n1', 'n1-S1', 'n1-V1', 'V1-n2', 'n2-S2', 'n2-V2', 'V2-R1']);
    const result = isolateBreak(tank, 'T1-n1');
    expect(result.sourcesToShut).toEqual(['T1']);
    expect(result.valvesToClose).toEqual(['V1']);
    expect(result.buildingsOutOfSupply).toEqual(['B1']);
    // The reservoir still feeds n2 through V2.
    expect(result.segmentsOutOfSupply).not.toContain('n2-S2');
  });

  it('an already closed valve bounds the zone without an action; a closed valve on the other side of a loop is no help', () => {
    const twoSources = network(['R1-n0', 'n0-X1', 'X1-n1', 'n1-S1', 'n1-V2', 'V2-R2']);
    const result = isolateBreak(twoSources, 'n1-S1');
    expect(result.valvesToClose).toEqual(['V2']);
    expect(result.alreadyClosed).toEqual(['X1']);
    // R1's side was never feeding n1 (X1 is closed): only R2's side is lost.
    expect(result.segmentsOutOfSupply).toEqual(['X1-n1', 'n1-S1', 'n1-V2']);
  });

  it('no valves at all: the whole connected main is the zone, supplied from its ends at the network edge', () => {
    const bare = network(['e1-n1', 'n1-n2', 'n2-e2', 'n2-S7', 'n9-e9']);
    const result = isolateBreak(bare, 'n1-n2');
    expect(result.valvesToClose).toEqual([]);
    expect(result.sourcesToShut).toEqual(['e1', 'e2']);
    expect(result.buildingsOutOfSupply).toEqual(['B7']);
    expect(result.segmentsOutOfSupply).not.toContain('n9-e9');
  });

  it('only the broken segment\'s type counts, and an unknown segment is a clear error', () => {
    const water = network(['R1-n1', 'n1-V1', 'V1-n2']);
    const gas = network(['n1-n2'], 'gas');
    const mixed = { segments: [...water.segments, ...gas.segments.map((s) => ({ ...s, id: 'gas-1' }))], assets: water.assets };
    expect(isolateBreak(mixed, 'V1-n2').zoneSegments).toEqual(['V1-n2']);
    expect(() => isolateBreak(mixed, 'nope')).toThrow(IsolationError);
    expect(() => isolateBreak(mixed, 'nope')).toThrow('no segment nope in the network');
  });
});

describe('the segment behind an incident', () => {
  it('a named segment of the type first; else the largest main of the type at a named asset; else none', () => {
    const net = network(['R1-n1', 'n1-V1', 'V1-n2']);
    net.segments.find((s) => s.id === 'V1-n2')!.shape = { kind: 'circular', diameterMillimetres: 400 };
    const index = new NetworkIndex(net);
    expect(suspectedBreak(['x', 'n1-V1'], index, ['water'])?.id).toBe('n1-V1');
    expect(suspectedBreak(['V1'], index, ['water'])?.id).toBe('V1-n2');
    expect(suspectedBreak(['V1'], index, ['gas'])).toBeUndefined();
    expect(suspectedBreak(['B-404'], index, ['water'])).toBeUndefined();
  });
});

describe('tracing (上下游追踪)', () => {
  // Storm drainage flowing a → b → c → d, with a branch e → b and a parallel f → g elsewhere.
  const drainage = network(['a-b', 'b-c', 'c-d', 'e-b', 'd-S1', 'f-g'], 'drainage-storm');

  it('downstream follows the flow', () => {
    expect(traceNetwork(drainage, 'b-c', 'downstream').segments).toEqual(['b-c', 'c-d', 'd-S1']);
  });

  it('upstream gathers every inflow', () => {
    const up = traceNetwork(drainage, 'b-c', 'upstream');
    expect(up.segments).toEqual(['a-b', 'b-c', 'e-b']);
    expect(up.nodes).toEqual(['a', 'b', 'e']);
  });

  it('connectivity ignores direction; a pressure network has no direction unless told', () => {
    expect(traceNetwork(drainage, 'b-c', 'connected').segments).toEqual(['a-b', 'b-c', 'c-d', 'd-S1', 'e-b']);
    expect(traceNetwork(drainage, 'b-c', 'connected').buildings).toEqual(['B1']);
    const water = network(['n1-n2', 'n2-n3', 'n3-X1', 'X1-n4']);
    expect(traceNetwork(water, 'n2-n3', 'upstream').segments).toEqual(['n1-n2', 'n2-n3', 'n3-X1']);
    expect(traceNetwork(water, 'n2-n3', 'downstream', { directed: true }).segments).toEqual(['n2-n3', 'n3-X1']);
  });
});
