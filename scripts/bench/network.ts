/**
 * The network analyses at the server (issue 16 targets: valve isolation p95 ≤ 200 ms, tracing p95
 * ≤ 500 ms on 10,000 km): a synthetic water grid of BENCH_NETWORK_SEGMENTS segments (default
 * 200,000, about 10,000 km at 50 m a segment) is loaded into each asset store as the pipe tiler
 * loads a network, read back by the NetworkService as the server does at start, then asked over
 * HTTP (fastify inject: routing, the analysis, JSON of the answer) for valve isolations and
 * traces from random segments. `BENCH_ONLY=network npm run bench` runs this alone.
 */
import Fastify from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathLengthMetres } from '../../src/domain/geometry.ts';
import type { PipeNetwork } from '../../src/domain/pipelines.ts';
import { openAssetStore, type AssetStore } from '../../src/server/assets/asset-store.ts';
import { createTestDatabase, postgresReachable } from '../../src/server/assets/testing/postgres.ts';
import { registerNetworkRoutes } from '../../src/server/network/routes.ts';
import { networkAssets } from '../../src/tiling/assets.ts';
import { syntheticGrid } from './emergency.ts';

export interface NetworkBenchRow {
  backend: string;
  segments: number;
  kilometres: number;
  valves: number;
  loadSeconds: number;
  serviceSeconds: number;
  heapMegabytes: number;
  isolation: { p50: number; p95: number; count: number; meanBytes: number };
  /** A water network has no flow direction: every trace is the connected network, here all of it. */
  trace: { p50: number; p95: number; count: number; meanBytes: number };
}

/** The grid of syntheticGrid with real positions: nodes 100 m apart (a valve halfway), so pipes are 50–100 m. */
export function syntheticCityNetwork(segments: number): PipeNetwork {
  const grid = syntheticGrid(segments);
  // syntheticGrid puts node (x, y) at 113 + x·1e-4, 23 + y·1e-4: move it to 117 + x·1e-3, 31 + y·1e-3 (about 100 m apart, near Hefei).
  const assets = grid.assets.map((a) => ({ ...a, lonDegrees: 117 + (a.lonDegrees - 113) * 10, latDegrees: 31 + (a.latDegrees - 23) * 10 }));
  const position = new Map(assets.map((a) => [a.id, [a.lonDegrees, a.latDegrees] as [number, number]]));
  return {
    assets: assets.filter((a) => a.kind !== 'junction'),
    segments: grid.segments.map((s) => ({ ...s, path: [position.get(s.fromNodeId)!, position.get(s.toNodeId)!] })),
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

async function timeRequests(app: ReturnType<typeof Fastify>, urls: string[]) {
  const times: number[] = [];
  let bytes = 0;
  for (const url of urls) {
    const started = performance.now();
    const response = await app.inject({ method: 'GET', url });
    times.push(performance.now() - started);
    if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode} ${response.body.slice(0, 200)}`);
    bytes += response.body.length;
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p95: percentile(times, 0.95), count: urls.length, meanBytes: bytes / urls.length };
}

async function benchOne(backend: string, store: AssetStore, network: PipeNetwork, requests: number): Promise<NetworkBenchRow> {
  process.stderr.write(`network (${backend}): loading ${network.segments.length.toLocaleString('en')} segments into the store …\n`);
  const loaded = await store.replaceDataset('bench-water', networkAssets(network));
  const app = Fastify();
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  const service = await registerNetworkRoutes(app, { store }).ready();
  const serviceSeconds = (performance.now() - started) / 1000;
  global.gc?.();
  const heapMegabytes = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
  await app.ready();
  // Segments spread over the network, the same for both backends.
  const pick = (k: number, n: number) => network.segments[Math.floor(((k * 7919 + 0.5) % n) / n * network.segments.length)]!.id;
  process.stderr.write(`network (${backend}): ${requests} isolations, ${requests} traces …\n`);
  const isolation = await timeRequests(app, Array.from({ length: requests }, (_, k) => `/api/network/isolation?segment=${encodeURIComponent(pick(k, requests))}`));
  const trace = await timeRequests(app, Array.from({ length: requests }, (_, k) => `/api/network/trace?from=${encodeURIComponent(pick(k + 1, requests))}&direction=${(['upstream', 'downstream', 'connected'] as const)[k % 3]}`));
  await app.close();
  return {
    backend,
    segments: service.segmentCount,
    kilometres: network.segments.reduce((sum, s) => sum + pathLengthMetres(s.path), 0) / 1000,
    valves: network.assets.filter((a) => a.kind === 'valve').length,
    loadSeconds: loaded.seconds,
    serviceSeconds,
    heapMegabytes,
    isolation,
    trace,
  };
}

export async function benchNetwork(segments = Number(process.env.BENCH_NETWORK_SEGMENTS ?? 200_000), requests = 100): Promise<NetworkBenchRow[]> {
  const network = syntheticCityNetwork(segments);
  const rows: NetworkBenchRow[] = [];
  const directory = mkdtempSync(join(tmpdir(), 'cim-twin-network-bench-'));
  try {
    const sqlite = await openAssetStore(join(directory, 'assets.sqlite'));
    try {
      rows.push(await benchOne('SQLite', sqlite, network, requests));
    } finally {
      await sqlite.close();
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  const reachable = await postgresReachable();
  if (reachable.reachable) {
    const database = await createTestDatabase();
    const store = await openAssetStore(database.url);
    try {
      rows.push(await benchOne('PostgreSQL + PostGIS', store, network, requests));
    } finally {
      await store.close();
      await database.drop();
    }
  } else process.stderr.write(`network: skipping PostgreSQL: ${reachable.reason}\n`);
  return rows;
}

export function networkLines(rows: NetworkBenchRow[]): string[] {
  if (!rows.length) return [];
  const r0 = rows[0]!;
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;
  return [
    '',
    `Network analyses at the server (synthetic water grid: ${r0.segments.toLocaleString('en')} segments, ${Math.round(r0.kilometres).toLocaleString('en')} km, ${r0.valves.toLocaleString('en')} valves; fastify inject, answer serialised; targets p95: isolation ≤ 200 ms, tracing ≤ 500 ms)`,
    '',
    '| backend | store load | network read at start | heap of the networks | isolation p50 / p95 (mean answer) | trace, the whole connected network, p50 / p95 (mean answer) |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.backend} | ${r.loadSeconds.toFixed(1)} s | ${r.serviceSeconds.toFixed(1)} s | ${Math.round(r.heapMegabytes)} MB | ${ms(r.isolation.p50)} / ${ms(r.isolation.p95)} (${kb(r.isolation.meanBytes)}) | ${ms(r.trace.p50)} / ${ms(r.trace.p95)} (${kb(r.trace.meanBytes)}) |`),
  ];
}
