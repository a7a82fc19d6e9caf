/**
 * The city check-up job at city scale (issue 19), on both backends (BENCH_ONLY=checkup; not in
 * the full run): BENCH_GRIDS unit grids (default 5,000, scripts/bench/grids.ts's lattice) and
 * BENCH_CHECKUP_BUILDINGS buildings (default 1,000,000, spread over the grids' area) in the grid
 * and asset stores; then `runCheckupJob` for the month in progress and the eleven before it
 * (buildings and pipes placed in grids in batches: GridStore.place), timed. Beside it, in the same
 * run and store, the rate of the former way of placing (up to three `containing` queries per item)
 * over 20,000 random points, as a baseline.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import seedrandom from 'seedrandom';
import type { AssetInput } from '../../src/domain/assets.ts';
import { openAssetStore } from '../../src/server/assets/asset-store.ts';
import { createTestDatabase, postgresReachable } from '../../src/server/assets/testing/postgres.ts';
import { openCheckupStore } from '../../src/server/checkup/checkup-store.ts';
import { runCheckupJob } from '../../src/server/checkup/job.ts';
import { openGridStore, type GridStore } from '../../src/server/grids/grid-store.ts';
import { syntheticGridInputs } from './grids.ts';

export interface CheckupBenchResult {
  backend: string;
  grids: number;
  buildings: number;
  loadSeconds: number;
  jobSeconds: number;
  placedBuildings: number;
  /** The former way: items placed per second with up to three `containing` queries each. */
  perItemPlacedPerSecond: number;
}

function* buildingsIn(count: number, [west, south, east, north]: [number, number, number, number]): Generator<AssetInput> {
  const random = seedrandom('checkup-bench-buildings');
  for (let i = 0; i < count; i++) {
    const lon = west + random() * (east - west);
    const lat = south + random() * (north - south);
    const d = 0.0001;
    yield { id: `CB${i}`, kind: 'building', attributes: { use: 'residential', floors: 2 + (i % 20) }, geometry: { type: 'Polygon', coordinates: [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]] }, position: [lon + d / 2, lat + d / 2] };
  }
}

async function perItemRate(grids: GridStore, bbox: [number, number, number, number]): Promise<number> {
  const random = seedrandom('checkup-bench-points');
  const [west, south, east, north] = bbox;
  const n = 20_000;
  let found = 0;
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const lon = west + random() * (east - west);
    const lat = south + random() * (north - south);
    const grid = (await grids.containing(lon, lat, 'unit')) ?? (await grids.containing(lon, lat, 'community')) ?? (await grids.containing(lon, lat, 'street'));
    if (grid) found++;
  }
  if (found < n) process.stderr.write(`checkup: ${n - found} of the baseline's points fell outside every grid\n`);
  return n / ((performance.now() - started) / 1000);
}

async function benchOne(backend: string, locations: { grids: string; assets: string; checkup: string }, gridCount: number, buildings: number): Promise<CheckupBenchResult> {
  const { grids: gridInputs, bbox } = syntheticGridInputs(gridCount);
  const grids = await openGridStore(locations.grids);
  const assets = await openAssetStore(locations.assets);
  const checkup = await openCheckupStore(locations.checkup);
  try {
    process.stderr.write(`checkup: ${backend}: loading ${gridCount.toLocaleString('en')} grids and ${buildings.toLocaleString('en')} buildings …\n`);
    const loadStarted = performance.now();
    await grids.replaceAll(gridInputs);
    await assets.replaceDataset('checkup-bench', buildingsIn(buildings, bbox));
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    process.stderr.write(`checkup: ${backend}: the job …\n`);
    const report = await runCheckupJob(checkup, { grids, assets }, { nowMs: Date.parse('2026-12-06T04:00:00Z') });
    const perItemPlacedPerSecond = await perItemRate(grids, bbox);
    return { backend, grids: gridCount, buildings, loadSeconds, jobSeconds: report.seconds, placedBuildings: report.placed.buildings, perItemPlacedPerSecond };
  } finally {
    await checkup.close();
    await assets.close();
    await grids.close();
  }
}

export async function benchCheckup(): Promise<CheckupBenchResult[]> {
  const gridCount = Number(process.env.BENCH_GRIDS ?? 5_000);
  const buildings = Number(process.env.BENCH_CHECKUP_BUILDINGS ?? 1_000_000);
  const results: CheckupBenchResult[] = [];
  const directory = mkdtempSync(join(tmpdir(), 'checkup-bench-'));
  try {
    results.push(await benchOne('SQLite', { grids: join(directory, 'grids.sqlite'), assets: join(directory, 'assets.sqlite'), checkup: join(directory, 'checkup.sqlite') }, gridCount, buildings));
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  const reachable = await postgresReachable();
  if (!reachable.reachable) {
    process.stderr.write(`checkup: skipping PostgreSQL: ${reachable.reason}\n`);
    return results;
  }
  const database = await createTestDatabase(['postgis', 'pg_trgm']);
  try {
    results.push(await benchOne('PostgreSQL + PostGIS', { grids: database.url, assets: database.url, checkup: database.url }, gridCount, buildings));
  } finally {
    await database.drop();
  }
  return results;
}

export function checkupLines(results: CheckupBenchResult[]): string[] {
  if (!results.length) return [];
  const first = results[0]!;
  const lines = [
    '',
    `City check-up job (${first.grids.toLocaleString('en')} unit grids, ${first.buildings.toLocaleString('en')} buildings; 12 months; buildings placed in batches of 10,000, \`scripts/bench/checkup.ts\`)`,
    '',
    '| backend | load (s) | job (s) | buildings placed | buildings placed/s (job) | former per-item placing (items/s) | ratio |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    const rate = r.placedBuildings / r.jobSeconds;
    lines.push(`| ${r.backend} | ${r.loadSeconds.toFixed(1)} | ${r.jobSeconds.toFixed(1)} | ${r.placedBuildings.toLocaleString('en')} | ${Math.round(rate).toLocaleString('en')} | ${Math.round(r.perItemPlacedPerSecond).toLocaleString('en')} | ${(rate / r.perItemPlacedPerSecond).toFixed(1)}× |`);
  }
  return lines;
}
