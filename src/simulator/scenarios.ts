/**
 * Scripted lifeline scenarios, each an effect on the sensors' normal values over time:
 *  - gas-leak: methane rises at a gas valve well and spreads to manholes and wells nearby,
 *    later the further away they are (the Hefei 2021 pattern: gas migrating into adjacent spaces);
 *  - water-main-burst: pressure falls at the burst and the fall travels along the water network
 *    (by network distance, not straight-line), with flow rising near the burst;
 *  - rainstorm: drainage levels rise with the rain, the deeper (downstream) wells into overflow;
 *  - settlement: a road point settles slowly, its neighbours less.
 * And, for load tests, a burst (`createBurst`): a storm over the whole city at once, every
 * drainage sensor into overflow from the same reading on.
 */
import type { PipeNetwork } from '../domain/pipelines.ts';
import { pathLengthMetres } from '../domain/geometry.ts';
import type { SensorSite } from './sites.ts';

export const SCENARIO_NAMES = ['gas-leak', 'water-main-burst', 'rainstorm', 'settlement'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export interface Scenario {
  name: ScenarioName | 'burst';
  startMs: number;
  durationMs: number;
  /** Where it starts (an asset ID). */
  originAssetId: string;
  /** The value of a site at a time, given its normal value. */
  apply(site: SensorSite, normal: number, timeMs: number): number;
}

const distanceMetres = (a: [number, number], b: [number, number]) => pathLengthMetres([a, b]);
const smoothstep = (x: number) => (x <= 0 ? 0 : x >= 1 ? 1 : x * x * (3 - 2 * x));

/** 1 while running (after a ramp), falling back to 0 over `recoveryMs` once the duration is over. */
function envelope(timeMs: number, startMs: number, durationMs: number, rampMs: number, recoveryMs: number): number {
  const t = timeMs - startMs;
  if (t <= 0) return 0;
  if (t < durationMs) return smoothstep(t / rampMs);
  return 1 - smoothstep((t - durationMs) / recoveryMs);
}

function pick<T>(items: T[], seed: number): T {
  return items[Math.abs(seed) % items.length]!;
}

/** Shortest network distance (metres) from one node to every node of one pipeline type (Dijkstra). */
export function networkDistances(network: PipeNetwork, type: string, originNodeId: string): Map<string, number> {
  const adjacency = new Map<string, { node: string; length: number }[]>();
  for (const segment of network.segments) {
    if (segment.type !== type) continue;
    let length = 0;
    for (let i = 1; i < segment.path.length; i++) length += distanceMetres(segment.path[i - 1]!, segment.path[i]!);
    for (const [a, b] of [[segment.fromNodeId, segment.toNodeId], [segment.toNodeId, segment.fromNodeId]] as const) {
      const list = adjacency.get(a) ?? [];
      list.push({ node: b, length });
      adjacency.set(a, list);
    }
  }
  const distances = new Map<string, number>([[originNodeId, 0]]);
  const queue: [number, string][] = [[0, originNodeId]];
  while (queue.length) {
    queue.sort((a, b) => b[0] - a[0]);
    const [distance, node] = queue.pop()!;
    if (distance > (distances.get(node) ?? Infinity)) continue;
    for (const edge of adjacency.get(node) ?? []) {
      const next = distance + edge.length;
      if (next < (distances.get(edge.node) ?? Infinity)) {
        distances.set(edge.node, next);
        queue.push([next, edge.node]);
      }
    }
  }
  return distances;
}

export function createScenario(name: ScenarioName, sites: SensorSite[], network: PipeNetwork, startMs: number, options: { durationMs?: number; originAssetId?: string; seed?: number } = {}): Scenario {
  const seed = options.seed ?? 7;
  switch (name) {
    case 'gas-leak': {
      const origin = options.originAssetId ? sites.find((s) => s.assetId === options.originAssetId && s.property === 'methane')! : pick(sites.filter((s) => s.property === 'methane' && s.pipelineType === 'gas'), seed);
      const durationMs = options.durationMs ?? 12 * 60_000;
      const spreadMetresPerSecond = 0.5;
      return {
        name, startMs, durationMs, originAssetId: origin.assetId,
        apply: (site, normal, timeMs) => {
          if (site.property !== 'methane') return normal;
          const d = distanceMetres([origin.lonDegrees, origin.latDegrees], [site.lonDegrees, site.latDegrees]);
          if (d > 300) return normal;
          const delayMs = (d / spreadMetresPerSecond) * 1000;
          return normal + 70 * Math.exp(-d / 110) * envelope(timeMs, startMs + delayMs, durationMs - delayMs, 3 * 60_000, 5 * 60_000);
        },
      };
    }
    case 'water-main-burst': {
      const waterNodes = new Set(network.segments.filter((s) => s.type === 'water').flatMap((s) => [s.fromNodeId, s.toNodeId]));
      const candidates = sites.filter((s) => s.property === 'water-pressure' && waterNodes.has(s.assetId));
      const origin = options.originAssetId ?? pick(candidates, seed).assetId;
      const distances = networkDistances(network, 'water', origin);
      const durationMs = options.durationMs ?? 10 * 60_000;
      const waveMetresPerSecond = 15;
      return {
        name, startMs, durationMs, originAssetId: origin,
        apply: (site, normal, timeMs) => {
          if (site.property !== 'water-pressure' && site.property !== 'water-flow') return normal;
          const d = distances.get(site.assetId);
          if (d === undefined) return normal;
          const effect = Math.exp(-d / 450) * envelope(timeMs, startMs + (d / waveMetresPerSecond) * 1000, durationMs, 60_000, 4 * 60_000);
          return site.property === 'water-pressure' ? Math.max(0.02, normal - 0.3 * effect) : normal * (1 + 1.8 * effect);
        },
      };
    }
    case 'rainstorm': {
      const durationMs = options.durationMs ?? 15 * 60_000;
      return {
        name, startMs, durationMs, originAssetId: options.originAssetId ?? 'district',
        apply: (site, normal, timeMs) => {
          if (site.property !== 'drainage-level') return normal;
          // A storm cell: the rain builds for a third of the time, holds, then the drains catch up.
          const rain = envelope(timeMs, startMs, durationMs, durationMs / 3, 6 * 60_000);
          return normal + rain * (45 + 75 * (site.downstream ?? 0));
        },
      };
    }
    case 'settlement': {
      const points = sites.filter((s) => s.property === 'settlement');
      const origin = options.originAssetId ? points.find((s) => s.assetId === options.originAssetId)! : pick(points, seed);
      const durationMs = options.durationMs ?? 10 * 60_000;
      return {
        name, startMs, durationMs, originAssetId: origin.assetId,
        apply: (site, normal, timeMs) => {
          if (site.property !== 'settlement') return normal;
          const d = distanceMetres([origin.lonDegrees, origin.latDegrees], [site.lonDegrees, site.latDegrees]);
          if (d > 400) return normal;
          // Settlement does not recover: it holds its greatest value until the scenario ends.
          const progress = smoothstep((timeMs - startMs) / durationMs);
          return timeMs > startMs + durationMs + 30 * 60_000 ? normal : normal + 42 * Math.exp(-d / 150) * progress;
        },
      };
    }
  }
}

/**
 * The burst: every drainage-level sensor, wherever it is, into overflow (level I–III, by how far
 * downstream it sits) from one reading to the next, for `durationMs`; then back to normal at once.
 * What the server and every viewer must take at once when a storm cell covers the city.
 */
export function createBurst(startMs: number, durationMs = 5 * 60_000): Scenario {
  return {
    name: 'burst',
    startMs,
    durationMs,
    originAssetId: 'city',
    apply: (site, normal, timeMs) => (site.property === 'drainage-level' && timeMs >= startMs && timeMs < startMs + durationMs ? Math.max(normal, 90 + 15 * (site.downstream ?? 0.5)) : normal),
  };
}
