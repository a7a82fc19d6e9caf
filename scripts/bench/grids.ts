/**
 * Grid store scale check, on both backends: BENCH_GRIDS unit grids (default 5,000: 100 × 50 cells
 * of about 250 m, each ring 17 points, neighbours sharing their edges exactly) loaded in one
 * replaceAll (all checks, overlap included), then the two reads the viewer and the case API make:
 * the unit grid covering a random point (a new case's grid) and one view's unit grids (a 2 × 1.3 km
 * box, as the grid layer asks when close in). p50 and p95 over random points and views.
 * PostgreSQL + PostGIS gets a throwaway database (dropped afterwards).
 *
 *   BENCH_ONLY=grids npm run bench
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import seedrandom from 'seedrandom';
import type { GridInput, Position } from '../../src/domain/grids/grids.ts';
import { openGridStore, type GridStore } from '../../src/server/grids/grid-store.ts';
import { createTestDatabase, postgresReachable } from '../../src/server/assets/testing/postgres.ts';
import { syntheticGrids } from './cases.ts';
import { timeQuery, type QueryTiming } from './query-timing.ts';

const WEST = 113.0;
const SOUTH = 22.95;
const CELL_DEGREES = 0.0025;
const POINTS_PER_EDGE = 4;
const VIEW: [number, number] = [0.02, 0.012];

export interface GridBenchResult {
  backend: string;
  grids: number;
  loadSeconds: number;
  queries: QueryTiming[];
}

/** `count` unit grids as a lattice of cells (columns twice the rows), codes of the case bench's 5,000 grids. */
export function syntheticGridInputs(count: number): { grids: GridInput[]; bbox: [number, number, number, number] } {
  const codes = syntheticGrids(count);
  const columns = Math.ceil(Math.sqrt(count * 2));
  const rows = Math.ceil(count / columns);
  const grids: GridInput[] = [];
  const at = (c: number, r: number): Position => [WEST + c * CELL_DEGREES, SOUTH + r * CELL_DEGREES];
  const edge = (a: Position, b: Position): Position[] => Array.from({ length: POINTS_PER_EDGE }, (_, k) => [a[0] + ((b[0] - a[0]) * k) / POINTS_PER_EDGE, a[1] + ((b[1] - a[1]) * k) / POINTS_PER_EDGE]);
  for (let i = 0; i < count; i++) {
    const c = i % columns;
    const r = Math.floor(i / columns);
    const corners = [at(c, r), at(c + 1, r), at(c + 1, r + 1), at(c, r + 1)];
    const ring = corners.flatMap((corner, k) => edge(corner, corners[(k + 1) % 4]!));
    ring.push(ring[0]!);
    grids.push({ code: codes[i]!, name: `合成网格 ${i}`, workers: [{ name: `网格员${i % 300}` }], geometry: { type: 'Polygon', coordinates: [ring] } });
  }
  return { grids, bbox: [WEST, SOUTH, WEST + columns * CELL_DEGREES, SOUTH + rows * CELL_DEGREES] };
}

async function benchStore(backend: string, store: GridStore, count: number): Promise<GridBenchResult> {
  const { grids, bbox } = syntheticGridInputs(count);
  const started = performance.now();
  await store.replaceAll(grids);
  const loadSeconds = (performance.now() - started) / 1000;
  const random = seedrandom(`grid-bench-${backend}`);
  const [west, south, east, north] = bbox;
  const queries = [
    await timeQuery('point-in-grid: the unit grid covering a random point', 500, async () => ((await store.containing(west + random() * (east - west), south + random() * (north - south), 'unit')) ? 1 : 0)),
    await timeQuery(`grids per view: the unit grids of a ${VIEW[0]}° × ${VIEW[1]}° view (about 2 × 1.3 km), with their polygons`, 200, async () => {
      const x = west + random() * (east - west - VIEW[0]);
      const y = south + random() * (north - south - VIEW[1]);
      return (await store.list({ level: 'unit', bbox: [x, y, x + VIEW[0], y + VIEW[1]], limit: 500 })).grids.length;
    }),
  ];
  return { backend, grids: count, loadSeconds, queries };
}

export async function benchGridStores(count: number): Promise<GridBenchResult[]> {
  const results: GridBenchResult[] = [];
  const directory = mkdtempSync(join(tmpdir(), 'grid-bench-'));
  try {
    process.stderr.write(`grids: SQLite, ${count.toLocaleString('en')} unit grids …\n`);
    const store = await openGridStore(join(directory, 'grids.sqlite'));
    try {
      results.push(await benchStore('SQLite (R*Tree + point-in-polygon)', store, count));
    } finally {
      await store.close();
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  const reachable = await postgresReachable();
  if (!reachable.reachable) {
    process.stderr.write(`grids: skipping PostgreSQL: ${reachable.reason}\n`);
    return results;
  }
  process.stderr.write(`grids: PostgreSQL + PostGIS, ${count.toLocaleString('en')} unit grids …\n`);
  const database = await createTestDatabase(['postgis']);
  try {
    const store = await openGridStore(database.url);
    try {
      results.push(await benchStore('PostgreSQL + PostGIS (GiST, ST_Covers)', store, count));
    } finally {
      await store.close();
    }
  } finally {
    await database.drop();
  }
  return results;
}

export function gridLines(results: GridBenchResult[]): string[] {
  if (results.length === 0) return [];
  const first = results[0]!;
  const lines = ['', `Grid store (${first.grids.toLocaleString('en')} synthetic unit grids of about 250 m, 17-point rings, \`scripts/bench/grids.ts\`; in-process store calls)`, ''];
  lines.push(`| query | ${results.map((r) => `${r.backend}: p50 / p95`).join(' | ')} | results (mean) |`);
  lines.push(`|---|${results.map(() => '---:').join('|')}|---:|`);
  lines.push(`| load (replaceAll: checks incl. overlaps, one transaction) | ${results.map((r) => `${r.loadSeconds.toFixed(1)} s`).join(' | ')} | |`);
  first.queries.forEach((q, i) => {
    lines.push(`| ${q.label} (${q.runs} runs) | ${results.map((r) => `${r.queries[i]!.p50Milliseconds.toFixed(2)} / ${r.queries[i]!.p95Milliseconds.toFixed(2)} ms`).join(' | ')} | ${q.meanResults.toFixed(1)} |`);
  });
  return lines;
}
