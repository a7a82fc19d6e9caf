/**
 * Asset store scale check, on both backends: load N synthetic buildings (streamed, never held
 * whole), then time searches, bbox and radius queries (p50 and p95 over many random ones).
 * PostgreSQL gets a throwaway database (cim_twin_test_<random>, dropped afterwards) on the server
 * at TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres).
 *
 *   BENCH_ONLY=assets BENCH_ASSETS=100000 npm run bench
 *
 * BENCH_ASSETS_POSTGRES=<postgres URL> keeps the PostgreSQL database between runs instead (loaded
 * only when it does not already hold the N buildings as dataset "synthetic"; never dropped), and
 * BENCH_ASSETS_SQLITE=0 leaves SQLite out: for repeated measurements at 1M without the 100 s load.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import type { AssetInput, Bbox } from '../../src/domain/assets.ts';
import { openAssetStore, type AssetStore } from '../../src/server/assets/asset-store.ts';
import { createTestDatabase, postgresReachable } from '../../src/server/assets/testing/postgres.ts';
import { timeQuery, type QueryTiming } from './query-timing.ts';

export type { QueryTiming } from './query-timing.ts';

const DISTRICTS = ['蜀山区', '庐阳区', '包河区', '瑶海区', '政务区', '滨湖新区'];
const ROADS = ['长江西路', '黄山路', '金寨路', '望江西路', '潜山路', '合作化路', '马鞍山路', '徽州大道', '芜湖路', '宁国路', '繁华大道', '习友路', '翡翠路', '科学大道', '创新大道', '天鹅湖路', '南二环路', '北一环路', '临泉路', '当涂路'];
const BRANDS = ['绿地', '万科', '融创', '保利', '华润', '中海', '碧桂园', '龙湖', '招商', '金地', '旭辉', '新城', '荣盛', '世茂', '阳光', '恒大', '滨江', '中铁', '安粮', '高速'];
const SUFFIXES = ['花园', '新村', '小区', '公寓', '大厦', '名邸', '华府', '嘉园', '雅苑', '广场'];
const USES = ['residential', 'residential', 'residential', 'commercial', 'office', 'education', 'industrial'];
const STAGES = ['in-service', 'in-service', 'in-service', 'under-construction', 'planned'];

const ORIGIN = { lon: 117.15, lat: 31.75 };
const SPACING_METRES = 25;
const METRES_PER_DEGREE_LAT = 111_195;

export function estateName(i: number): string {
  return `${BRANDS[i % BRANDS.length]}${SUFFIXES[Math.floor(i / BRANDS.length) % SUFFIXES.length]}`;
}

/** N box buildings on a 25 m grid east of Hefei's centre, with Chinese names and addresses. */
export function* syntheticAssets(count: number): Generator<AssetInput> {
  const side = Math.ceil(Math.sqrt(count));
  const metresPerDegreeLon = METRES_PER_DEGREE_LAT * Math.cos((ORIGIN.lat * Math.PI) / 180);
  for (let i = 0; i < count; i++) {
    const lon = ORIGIN.lon + ((i % side) * SPACING_METRES) / metresPerDegreeLon;
    const lat = ORIGIN.lat + (Math.floor(i / side) * SPACING_METRES) / METRES_PER_DEGREE_LAT;
    const w = (8 + (i % 7) * 1.5) / metresPerDegreeLon;
    const d = (8 + (i % 5) * 1.5) / METRES_PER_DEGREE_LAT;
    const estate = Math.floor(i / 30);
    const floors = 2 + (i % 30);
    yield {
      id: `S${i}`,
      kind: 'building',
      name: `${estateName(estate)}${(i % 30) + 1}栋`,
      address: `${DISTRICTS[estate % DISTRICTS.length]}${ROADS[(estate * 7) % ROADS.length]}${(estate % 400) + 1}号`,
      attributes: { use: USES[i % USES.length], floors, height: floors * 3, yearBuilt: 1980 + (i % 45), stage: STAGES[i % STAGES.length], footprint: Math.round(w * d) },
      geometry: { type: 'Polygon', coordinates: [[[lon, lat], [lon + w, lat], [lon + w, lat + d], [lon, lat + d], [lon, lat]]] },
      position: [lon + w / 2, lat + d / 2],
    };
  }
}

export interface AssetBenchResult {
  backend: string;
  count: number;
  loadSeconds: number;
  queries: QueryTiming[];
}


async function benchOne(backend: string, store: AssetStore, count: number, runs: number, keep = false): Promise<AssetBenchResult> {
  let loadSeconds = Number.NaN;
  if (keep && (await store.count('synthetic')) === count && (await store.count()) === count) {
    process.stderr.write(`assets: ${backend} already holds the ${count.toLocaleString('en')} buildings (kept database; no load timed)\n`);
  } else {
    process.stderr.write(`assets: loading ${count.toLocaleString('en')} buildings into ${backend} …\n`);
    loadSeconds = (await store.replaceDataset('synthetic', syntheticAssets(count))).seconds;
  }
  return { backend, count, loadSeconds, queries: await benchQueries(store, count, runs) };
}

/** The query timings on a store that holds `syntheticAssets(count)`. */
export async function benchQueries(store: AssetStore, count: number, runs: number): Promise<QueryTiming[]> {
  const random = seedrandom('asset-bench');
  const side = Math.ceil(Math.sqrt(count));
  const estates = Math.ceil(count / 30);
  const extentMetres = side * SPACING_METRES;
  const metresPerDegreeLon = METRES_PER_DEGREE_LAT * Math.cos((ORIGIN.lat * Math.PI) / 180);
  const box = (metres: number): Bbox => {
    const x = random() * Math.max(0, extentMetres - metres);
    const y = random() * Math.max(0, extentMetres - metres);
    const west = ORIGIN.lon + x / metresPerDegreeLon;
    const south = ORIGIN.lat + y / METRES_PER_DEGREE_LAT;
    return [west, south, west + metres / metresPerDegreeLon, south + metres / METRES_PER_DEGREE_LAT];
  };
  const pick = (n: number) => Math.floor(random() * n);
  const queries: QueryTiming[] = [];
  const search = async (text: string) => (await store.search(text, { limit: 20 })).assets.length;
  queries.push(await timeQuery('search: one building by name (绿地花园12栋)', runs, () => search(`${estateName(pick(estates))}${pick(30) + 1}栋`)));
  queries.push(await timeQuery('search: an exact ID (S12345)', runs, () => search(`S${pick(count)}`)));
  queries.push(await timeQuery(`search: a road (≈ 1/${ROADS.length} of all)`, runs, () => search(ROADS[pick(ROADS.length)]!)));
  queries.push(await timeQuery('search: district + estate (蜀山区 万科名邸)', runs, () => search(`${DISTRICTS[pick(DISTRICTS.length)]} ${estateName(pick(estates))}`)));
  queries.push(await timeQuery('search: two characters, no trigram (花园: a scan)', Math.min(runs, 20), () => search(SUFFIXES[pick(SUFFIXES.length)]!)));
  queries.push(await timeQuery('bbox 500 m × 500 m (≈ 400 buildings, page of 1,000)', runs, async () => (await store.withinBbox(box(500), { limit: 1_000 })).assets.length));
  queries.push(await timeQuery('bbox 2 km × 2 km, first page of 100', runs, async () => (await store.withinBbox(box(2_000), { limit: 100 })).assets.length));
  queries.push(await timeQuery('radius 300 m (≈ 450 buildings, nearest 1,000)', runs, async () => {
    const [west, south] = box(600);
    return (await store.withinRadius(west + 300 / metresPerDegreeLon, south + 300 / METRES_PER_DEGREE_LAT, 300, { limit: 1_000 })).hits.length;
  }));
  queries.push(await timeQuery('get by ID', runs, async () => ((await store.get(`S${pick(count)}`)) ? 1 : 0)));
  // Issue 16: filter match counts over the whole city (the thematic filter's count), target ≤ 500 ms.
  queries.push(await timeQuery('filter count over all: use=residential', Math.min(runs, 20), () => store.countMatching('use=residential')));
  queries.push(await timeQuery('filter count over all: floors>=12;yearBuilt<2000', Math.min(runs, 20), () => store.countMatching('floors>=12;yearBuilt<2000')));
  return queries;
}

/** Both backends (PostgreSQL only when a server answers), N buildings each. */
export async function benchAssetStores(count: number, runs = 100): Promise<AssetBenchResult[]> {
  const results: AssetBenchResult[] = [];
  if (process.env.BENCH_ASSETS_SQLITE !== '0') {
    const directory = mkdtempSync(join(tmpdir(), 'asset-bench-'));
    try {
      const sqlite = await openAssetStore(join(directory, 'assets.sqlite'));
      try {
        results.push(await benchOne('SQLite', sqlite, count, runs));
      } finally {
        await sqlite.close();
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }
  const kept = process.env.BENCH_ASSETS_POSTGRES;
  if (kept) {
    const postgres = await openAssetStore(kept);
    try {
      results.push(await benchOne('PostgreSQL + PostGIS', postgres, count, runs, true));
    } finally {
      await postgres.close();
    }
    return results;
  }
  const reachability = await postgresReachable();
  if (!reachability.reachable) {
    process.stderr.write(`assets: skipping PostgreSQL: ${reachability.reason}\n`);
    return results;
  }
  const database = await createTestDatabase();
  try {
    const postgres = await openAssetStore(database.url);
    try {
      results.push(await benchOne('PostgreSQL + PostGIS', postgres, count, runs));
    } finally {
      await postgres.close();
    }
  } finally {
    await database.drop();
  }
  return results;
}

export function assetLines(results: AssetBenchResult[]): string[] {
  if (results.length === 0) return [];
  const lines = ['', `Asset store (synthetic buildings with Chinese names and addresses, \`scripts/bench/assets.ts\`; targets at 1M: search and bbox/ring p95 ≤ 50 ms at the server, a filter count over all ≤ 500 ms)`, ''];
  lines.push(`| query | ${results.map((r) => `${r.backend}, ${r.count.toLocaleString('en')}: p50 / p95`).join(' | ')} | results (mean) |`);
  lines.push(`|---|${results.map(() => '---:').join('|')}|---:|`);
  lines.push(`| load (one transaction) | ${results.map((r) => (Number.isNaN(r.loadSeconds) ? 'kept (not loaded)' : `${r.loadSeconds.toFixed(1)} s (${Math.round(r.count / r.loadSeconds).toLocaleString('en')}/s)`)).join(' | ')} | |`);
  results[0]!.queries.forEach((q, i) => {
    lines.push(`| ${q.label} | ${results.map((r) => `${r.queries[i]!.p50Milliseconds.toFixed(1)} / ${r.queries[i]!.p95Milliseconds.toFixed(1)} ms`).join(' | ')} | ${q.meanResults.toFixed(0)} |`);
  });
  return lines;
}
