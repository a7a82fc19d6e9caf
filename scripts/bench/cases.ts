/**
 * Case store scale check, on both backends: load N synthetic cases of the last two years over
 * 5,000 unit grids (one load, with an import log entry each), then time what the daily mode and
 * a grid's panel ask for (p50 and p95 over random grids and days), and single actions.
 * PostgreSQL gets a throwaway database (cim_twin_test_<random>, dropped afterwards) on the server
 * at TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres).
 *
 *   BENCH_ONLY=cases BENCH_CASES=1000000 npm run bench        (target: ≤ 100 ms p95 at 1,000,000)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import seedrandom from 'seedrandom';
import { beijingDate, CASE_CLASSES, handlingDeadline, OPEN_CASE_STATUSES, type CaseStatus } from '../../src/domain/cases/cases.ts';
import { openCaseStore, type CaseStore, type LoadedCase } from '../../src/server/cases/case-store.ts';
import { createTestDatabase, postgresReachable } from '../../src/server/assets/testing/postgres.ts';
import { timeQuery, type QueryTiming } from './query-timing.ts';

/** "Now" of the synthetic city: cases run up to it. */
const NOW = Date.parse('2026-12-06T10:00:00+08:00');
const DAYS = 730;
const DAY_MS = 86_400_000;
const DEPARTMENTS = ['城管执法', '市政', '水务', '燃气', '园林', '环卫', '交警', '街道办'];

/** 5,000 unit grids of the demo district (440604): 10 streets × 25 communities × 20 unit grids. */
export function syntheticGrids(count = 5_000): string[] {
  const grids: string[] = [];
  for (let street = 1; grids.length < count; street++) {
    for (let community = 1; community <= 25 && grids.length < count; community++) {
      for (let unit = 1; unit <= 20 && grids.length < count; unit++) {
        grids.push(`440604${String(street).padStart(3, '0')}${String(community).padStart(3, '0')}${String(unit).padStart(2, '0')}`);
      }
    }
  }
  return grids;
}

/** N cases over the last two years, times in workflow order; recent ones and 2 % of the rest still open (many of those overdue). */
export function* syntheticCases(count: number, grids: readonly string[]): Generator<LoadedCase> {
  const random = seedrandom('case-bench');
  const classes = [...CASE_CLASSES.values()];
  for (let i = 0; i < count; i++) {
    // Spread evenly in time (oldest first), so IDs grow with time as in a real store.
    const created = NOW - DAYS * DAY_MS + Math.floor(((i + random()) / count) * DAYS * DAY_MS);
    const caseClass = classes[Math.floor(random() * classes.length)]!;
    const filed = created + Math.floor(random() * 30 * 60_000);
    const dispatched = filed + Math.floor(random() * 60 * 60_000);
    const due = handlingDeadline(dispatched, caseClass.handlingLimit);
    // 90 % in time, the rest up to a day late.
    const handled = random() < 0.9 ? dispatched + Math.floor(random() * (due - dispatched)) : due + Math.floor(random() * DAY_MS);
    const checked = handled + Math.floor(random() * 4 * 3_600_000);
    const closed = checked + Math.floor(random() * 4 * 3_600_000);
    const times: [CaseStatus, keyof LoadedCase, number][] = [['filed', 'filedAtMs', filed], ['dispatched', 'dispatchedAtMs', dispatched], ['handled', 'handledAtMs', handled], ['checked', 'checkedAtMs', checked], ['closed', 'closedAtMs', closed]];
    const record: LoadedCase = {
      source: i % 10 === 0 ? 'hotline-12345' : 'grid-worker', classId: caseClass.id, gridCode: grids[Math.floor(random() * grids.length)]!, description: `${caseClass.zh}（合成案卷 ${i}）`,
      lon: 113.1 + random() * 0.05, lat: 23.0 + random() * 0.05, reporter: `网格员${i % 997}`, assetIds: [], status: 'collected', createdAtMs: created,
      ...(i % 10 === 0 ? { hotlineTicket: `GD${i}` } : {}),
    };
    // 2 % stay open at a random step (not yet filed, waiting for a department, being checked …), as real backlogs do.
    const stuckAfter = random() < 0.02 ? Math.floor(random() * times.length) : times.length;
    for (const [index, [status, key, time]] of times.entries()) {
      if (time > NOW || index >= stuckAfter) break;
      record.status = status;
      (record as unknown as Record<string, number>)[key] = time;
      if (status === 'dispatched') {
        record.department = DEPARTMENTS[Math.floor(random() * DEPARTMENTS.length)];
        record.dueAtMs = due;
      }
    }
    yield record;
  }
}

export interface CaseBenchResult {
  backend: string;
  count: number;
  grids: number;
  loadSeconds: number;
  queries: QueryTiming[];
}


async function benchOne(backend: string, store: CaseStore, count: number, grids: string[], runs: number): Promise<CaseBenchResult> {
  process.stderr.write(`cases: loading ${count.toLocaleString('en')} cases over ${grids.length.toLocaleString('en')} grids into ${backend} …\n`);
  const started = performance.now();
  await store.load(syntheticCases(count, grids));
  const loadSeconds = (performance.now() - started) / 1000;
  process.stderr.write(`cases: loaded in ${loadSeconds.toFixed(1)} s; querying …\n`);
  const random = seedrandom('case-bench-queries');
  const grid = () => grids[Math.floor(random() * grids.length)]!;
  const today = beijingDate(NOW);
  const pastDay = () => beijingDate(NOW - Math.floor(1 + random() * (DAYS - 2)) * DAY_MS);
  const open = [...OPEN_CASE_STATUSES];
  const queries: QueryTiming[] = [];
  queries.push(await timeQuery("a grid's open cases (first page of 50)", runs, async () => (await store.list({ grid: grid(), status: open }, { limit: 50 }, NOW)).cases.length));
  queries.push(await timeQuery("a grid's overdue cases", runs, async () => (await store.list({ grid: grid(), overdue: true }, { limit: 50 }, NOW)).cases.length));
  queries.push(await timeQuery("a grid's cases, all (page of 50)", runs, async () => (await store.list({ grid: grid() }, { limit: 50 }, NOW)).cases.length));
  queries.push(await timeQuery('daily statistics, today, whole city', runs, async () => (await store.dailyStatistics(today, {}, NOW)).filed));
  queries.push(await timeQuery('daily statistics, a past day, whole city', runs, async () => (await store.dailyStatistics(pastDay(), {}, NOW)).filed));
  queries.push(await timeQuery('daily statistics, today, one grid', runs, async () => (await store.dailyStatistics(today, { grid: grid() }, NOW)).open));
  queries.push(await timeQuery('daily statistics, today, one street (500 grids)', runs, async () => (await store.dailyStatistics(today, { area: grid().slice(0, 9) }, NOW)).open));
  queries.push(await timeQuery("a department's open cases (first page of 50)", runs, async () => (await store.list({ department: DEPARTMENTS[Math.floor(random() * DEPARTMENTS.length)]!, status: open }, { limit: 50 }, NOW)).cases.length));
  queries.push(await timeQuery('one case with its log', runs, async () => ((await store.get(`AJ${1 + Math.floor(random() * count)}`)) ? 1 : 0)));
  const created: string[] = [];
  queries.push(await timeQuery('create a case (one transaction with its log entry)', runs, async () => {
    const { record } = await store.create({ source: 'grid-worker', classId: 'event:0504', gridCode: grid(), description: '机动车乱停放', lon: 113.12, lat: 23.03, reporter: '网格员', assetIds: [] }, NOW);
    created.push(record.id);
    return 1;
  }));
  let next = 0;
  queries.push(await timeQuery('an action (file: check, update, log, one transaction)', runs, async () => {
    const result = await store.act(created[next++]!, { action: 'file', by: '受理员' }, NOW);
    return result && !('error' in result) ? 1 : 0;
  }));
  return { backend, count, grids: grids.length, loadSeconds, queries };
}

/** Both backends (PostgreSQL only when a server answers), N cases each over 5,000 grids. */
export async function benchCaseStores(count: number, runs = 100): Promise<CaseBenchResult[]> {
  const grids = syntheticGrids();
  const results: CaseBenchResult[] = [];
  const directory = mkdtempSync(join(tmpdir(), 'case-bench-'));
  try {
    const sqlite = await openCaseStore(join(directory, 'cases.sqlite'));
    try {
      results.push(await benchOne('SQLite', sqlite, count, grids, runs));
    } finally {
      await sqlite.close();
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  const reachability = await postgresReachable();
  if (!reachability.reachable) {
    process.stderr.write(`cases: skipping PostgreSQL: ${reachability.reason}\n`);
    return results;
  }
  const database = await createTestDatabase([]);
  try {
    const postgres = await openCaseStore(database.url);
    try {
      results.push(await benchOne('PostgreSQL', postgres, count, grids, runs));
    } finally {
      await postgres.close();
    }
  } finally {
    await database.drop();
  }
  return results;
}

export function caseLines(results: CaseBenchResult[]): string[] {
  if (results.length === 0) return [];
  const first = results[0]!;
  const lines = ['', `Case store (${first.count.toLocaleString('en')} synthetic cases over two years and ${first.grids.toLocaleString('en')} unit grids, \`scripts/bench/cases.ts\`; in-process store calls, 100 random queries a row; target at 1M: a grid's open cases and the daily statistics ≤ 100 ms p95)`, ''];
  lines.push(`| query | ${results.map((r) => `${r.backend}: p50 / p95`).join(' | ')} | results (mean) |`);
  lines.push(`|---|${results.map(() => '---:').join('|')}|---:|`);
  lines.push(`| load (one transaction, with a log entry each) | ${results.map((r) => `${r.loadSeconds.toFixed(1)} s (${Math.round(r.count / r.loadSeconds).toLocaleString('en')}/s)`).join(' | ')} | |`);
  first.queries.forEach((q, i) => {
    lines.push(`| ${q.label} | ${results.map((r) => `${r.queries[i]!.p50Milliseconds.toFixed(1)} / ${r.queries[i]!.p95Milliseconds.toFixed(1)} ms`).join(' | ')} | ${q.meanResults.toFixed(0)} |`);
  });
  return lines;
}
