/**
 * Valve isolation speed: on the demo water network and on a synthetic 100,000-segment grid
 * (every fifth junction a valve, reservoirs at the corners). The graph is built once per
 * network (as the viewer does when the network loads); each break is then one analysis.
 */
import { performance } from 'node:perf_hooks';
import type { PipeNetwork, PointAsset } from '../../src/domain/pipelines.ts';
import { buildNetworkGraph } from '../../src/domain/emergency/network-graph.ts';
import { isolateOnGraph } from '../../src/domain/emergency/valve-isolation.ts';

export interface IsolationBenchRow {
  label: string;
  segments: number;
  graphMilliseconds: number;
  /** Median and worst over the breaks. */
  isolationMedianMilliseconds: number;
  isolationMaximumMilliseconds: number;
  breaks: number;
  meanValvesToClose: number;
}

/**
 * A square street grid of about `segments` segments: junctions at the crossings, a valve in the
 * middle of three pipes in four (a regular pattern well below the percolation threshold, so a
 * break is bounded within a few blocks, as in a valved city network), reservoirs at the corners.
 */
export function syntheticGrid(segments: number): PipeNetwork {
  // Each grid edge is one segment or, with a valve, two: about 1.75 segments per edge, 2 edges per junction.
  const side = Math.ceil(Math.sqrt(segments / 3.5)) + 1;
  const id = (i: number, j: number) => `g${i}_${j}`;
  const assets: PointAsset[] = [];
  const point = (assetId: string, kind: PointAsset['kind'], x: number, y: number): PointAsset => ({ id: assetId, kind, type: 'water', lonDegrees: 113 + x * 1e-4, latDegrees: 23 + y * 1e-4, groundElevationMetres: 0, ...(kind === 'valve' ? { valveState: 'open' as const } : {}) });
  for (let i = 0; i < side; i++) {
    for (let j = 0; j < side; j++) {
      const corner = (i === 0 || i === side - 1) && (j === 0 || j === side - 1);
      assets.push(point(id(i, j), corner ? 'reservoir' : 'junction', i, j));
    }
  }
  const list: PipeNetwork['segments'] = [];
  const add = (a: string, b: string) =>
    list.push({ id: `${a}-${b}`, type: 'water', shape: { kind: 'circular', diameterMillimetres: 200 }, path: [[113, 23], [113, 23]], fromNodeId: a, toNodeId: b, start: { depthMetres: 1.2 }, end: { depthMetres: 1.2 } });
  const edge = (a: string, b: string, valved: boolean, x: number, y: number) => {
    if (!valved) return add(a, b);
    const valve = `v${a}-${b}`;
    assets.push(point(valve, 'valve', x, y));
    add(a, valve);
    add(valve, b);
  };
  for (let i = 0; i < side && list.length < segments; i++) {
    for (let j = 0; j < side && list.length < segments; j++) {
      if (i + 1 < side) edge(id(i, j), id(i + 1, j), (i * 7 + j * 13) % 4 !== 0, i + 0.5, j);
      if (j + 1 < side && list.length < segments) edge(id(i, j), id(i, j + 1), (i * 13 + j * 7 + 2) % 4 !== 0, i, j + 0.5);
    }
  }
  return { segments: list, assets };
}

export function benchIsolation(label: string, network: PipeNetwork, breaks = 25): IsolationBenchRow {
  const started = performance.now();
  const graph = buildNetworkGraph(network, 'water');
  const graphMilliseconds = performance.now() - started;
  const times: number[] = [];
  let valves = 0;
  for (let k = 0; k < breaks; k++) {
    const segmentId = graph.segmentIds[Math.floor(((k + 0.5) / breaks) * graph.segmentIds.length)]!;
    const t = performance.now();
    valves += isolateOnGraph(graph, segmentId).valvesToClose.length;
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return {
    label,
    segments: graph.segmentIds.length,
    graphMilliseconds,
    isolationMedianMilliseconds: times[Math.floor(times.length / 2)]!,
    isolationMaximumMilliseconds: times[times.length - 1]!,
    breaks,
    meanValvesToClose: valves / breaks,
  };
}
