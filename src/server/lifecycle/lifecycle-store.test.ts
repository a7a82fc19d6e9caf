/**
 * One suite for the lifecycle store, run against both backends (testing/backends.ts): records and
 * their digests, the bbox dates, the 4D view's hidden buildings, the overviews (the same figures
 * as the domain rules over every record), and, on PostgreSQL, two stores on one database (two
 * server processes) seeing each other's writes.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { eachFreshStore } from '../testing/store-backends.ts';
import { generateDistrict } from '../../demo/district.ts';
import { generateLifecycles } from '../../demo/lifecycle.ts';
import { INSPECTION_LISTS, inspectionDigest, inspectionOverview, summariseInspections, type InspectionPage, type InspectionSummary } from '../../domain/lifecycle/inspections.ts';
import { standingAsOf, type BuildingLifecycle } from '../../domain/lifecycle/lifecycle.ts';
import type { ReadAnswer } from '../sensorthings/read-pool.ts';
import { openLifecycleStore, type LifecycleStore } from './lifecycle-store.ts';
import { LIFECYCLE_TABLES, PostgresLifecycleStore } from './postgres-lifecycle-store.ts';
import { SqliteLifecycleStore } from './sqlite-lifecycle-store.ts';
import { lifecycleBackends } from './testing/backends.ts';

const record = (buildingId: string, stages: [string, string][], inspections: { date: string; result: 'pass' | 'rectify' | 'fail' }[] = []): BuildingLifecycle =>
  ({
    buildingId,
    stages: stages.map(([stage, date]) => ({ stage, date })),
    parties: [],
    inspections: inspections.map((i) => ({ ...i, inspector: '房屋安全鉴定所' })),
  }) as BuildingLifecycle;

const body = (answer: ReadAnswer): unknown => JSON.parse(typeof answer.body === 'string' ? answer.body : new TextDecoder().decode(answer.body));

const BACKENDS = await lifecycleBackends('lifecycle-store');

describe.each(BACKENDS)('lifecycle store on $name', (backend) => {
  let store: LifecycleStore;
  let location: string;

  eachFreshStore(backend, (fresh) => ({ store, location } = fresh));

  it('opens the backend its location names', () => {
    expect(store.backend).toBe(location.startsWith('postgres://') ? 'postgres' : 'sqlite');
    expect(store).toBeInstanceOf(location.startsWith('postgres://') ? PostgresLifecycleStore : SqliteLifecycleStore);
  });

  it('keeps each record as the JSON it was stored as; a later record replaces its building, the last of one put wins', async () => {
    expect(await store.count()).toBe(0);
    expect(await store.recordJson('B-1')).toBeUndefined();
    const first = record('B-1', [['project-approval', '2001-01-01']]);
    const quoted = record("B-'2\"", [['completion-acceptance', '1990-01-01']]);
    await store.put([first, quoted], 1_000);
    expect(await store.count()).toBe(2);
    expect(await store.recordJson('B-1')).toBe(JSON.stringify(first));
    expect(await store.recordJson("B-'2\"")).toBe(JSON.stringify(quoted));
    const second = record('B-1', [['project-approval', '2001-01-01'], ['construction-permit', '2002-01-01']]);
    const third = record('B-1', [['project-approval', '2001-01-01'], ['completion-acceptance', '2004-01-01']]);
    await store.put([second, third]);
    expect(await store.count()).toBe(2);
    expect(await store.recordJson('B-1')).toBe(JSON.stringify(third));
    expect(await store.datesOf(['B-1'])).toEqual({ 'B-1': { 'project-approval': '2001-01-01', 'completion-acceptance': '2004-01-01' } });
    await store.put([]);
    expect(await store.count()).toBe(2);
  });

  it('gives the stage dates of the IDs asked for that have a record (the first of each stage)', async () => {
    await store.put([
      record('B-1', [['project-approval', '2001-01-01'], ['construction-permit', '2002-01-01'], ['completion-acceptance', '2004-01-01'], ['renovation', '2015-01-01'], ['renovation', '2020-01-01']]),
      record('B-2', [['planning-permit', '2024-05-01']]),
      record('建筑-3', [['completion-acceptance', '1990-01-01']]),
    ]);
    expect(await store.datesOf(['B-1', 'B-2', 'NOPE', '建筑-3'])).toEqual({
      'B-1': { 'project-approval': '2001-01-01', 'construction-permit': '2002-01-01', 'completion-acceptance': '2004-01-01', renovation: '2015-01-01' },
      'B-2': { 'planning-permit': '2024-05-01' },
      '建筑-3': { 'completion-acceptance': '1990-01-01' },
    });
    expect(await store.datesOf([])).toEqual({});
  });

  it('pages the buildings hidden on a date by ID, as standingAsOf decides them', async () => {
    const records = [
      record('H-a', [['project-approval', '2010-01-01'], ['construction-permit', '2011-01-01'], ['completion-acceptance', '2013-01-01']]),
      record('H-b', [['completion-acceptance', '1990-01-01'], ['demolition', '2015-06-01']]),
      record('H-c', [['planning-permit', '2020-01-01']]),
      record('H-d', []),
      record('H-e', [['completion-acceptance', '2000-01-01'], ['renovation', '2012-01-01']]),
      record('H-f', [['renovation', '2012-01-01']]),
      record('h-g', [['construction-permit', '2014-03-01']]),
    ];
    await store.put(records);
    for (const date of ['2009-12-31', '2010-01-01', '2014-03-01', '2015-06-01', '2030-01-01']) {
      const pages: string[][] = [];
      for await (const ids of store.hiddenAsOf(date, 2)) pages.push(ids);
      const expected = records.filter((r) => ['not-yet', 'demolished'].includes(standingAsOf(r, date))).map((r) => r.buildingId).sort();
      expect(pages.flat(), date).toEqual(expected);
      expect(pages.every((page) => page.length > 0 && page.length <= 2), date).toBe(true);
    }
    // Not an empty comparison.
    const early: string[] = [];
    for await (const ids of store.hiddenAsOf('2009-12-31', 100)) early.push(...ids);
    expect(early).toEqual(['H-a', 'H-c', 'H-f', 'h-g']);
  });

  it('reads every record back in pages by ID (byte order whatever the locale)', async () => {
    const ids = ['b-1', 'B-2', 'B-10', '建筑-1', 'A_1', 'a-1'];
    await store.put(ids.map((id) => record(id, [['completion-acceptance', '2000-01-01']])));
    const pages: BuildingLifecycle[][] = [];
    for await (const page of store.records(4)) pages.push(page);
    expect(pages.map((p) => p.length)).toEqual([4, 2]);
    expect(pages.flat().map((r) => r.buildingId)).toEqual([...ids].sort());
  });

  it('counts the buildings overdue for inspection among the IDs given', async () => {
    await store.put([
      record('O-1', [['completion-acceptance', '2005-01-01']], [{ date: '2015-06-01', result: 'pass' }]),
      record('O-2', [['completion-acceptance', '2005-01-01']], [{ date: '2024-06-01', result: 'pass' }]),
      record('O-3', [['completion-acceptance', '2005-01-01'], ['demolition', '2020-01-01']]),
      record('O-4', [['planning-permit', '2005-01-01']]),
    ]);
    expect(await store.overdueAmong(['O-1', 'O-2', 'O-3', 'O-4', 'NOPE'], '2026-12-06')).toBe(1);
    expect(await store.overdueAmong(['O-1', 'O-2'], '2030-01-01')).toBe(2);
    expect(await store.overdueAmong([], '2026-12-06')).toBe(0);
  });

  it('answers the same inspection overview and pages as the domain rules over every record (the demo district)', async () => {
    const records = generateLifecycles(generateDistrict());
    await store.put(records);
    expect(await store.count()).toBe(records.length);
    const digests = records.map(inspectionDigest);
    const lastInspection = records.flatMap((r) => r.inspections.map((i) => i.date)).sort().at(-1)!;
    const dayAfter = new Date(Date.parse(`${lastInspection}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const seen: Record<string, number> = {};
    for (const today of ['2010-06-30', '2021-03-01', '2035-01-01', dayAfter]) {
      const answer = await store.overview({ kind: 'inspections', today, limit: 20 });
      expect(answer.status).toBe(200);
      const served = body(answer) as InspectionSummary;
      expect(served, today).toEqual(JSON.parse(JSON.stringify(summariseInspections(inspectionOverview(digests, today), today, 5, 20))));
      for (const list of INSPECTION_LISTS) {
        seen[list] = Math.max(seen[list] ?? 0, served[list].count);
        const whole: unknown[] = JSON.parse(JSON.stringify(inspectionOverview(digests, today)[list])) as unknown[];
        const pages = [body(await store.overview({ kind: 'inspection-list', today, list, offset: 0, limit: 7 })), body(await store.overview({ kind: 'inspection-list', today, list, offset: 7, limit: 7 }))] as InspectionPage[];
        expect(pages.flatMap((p): unknown[] => p.rows), `${today} ${list}`).toEqual(whole.slice(0, 14));
        expect(pages[0]!.count).toBe(whole.length);
        if (whole.length > 7) expect(pages[0]!.next).toBe(`/api/lifecycle/inspections/${list}?today=${today}&offset=7&limit=7`);
        else expect(pages[0]!.next).toBeUndefined();
      }
    }
    for (const list of INSPECTION_LISTS) expect(seen[list], list).toBeGreaterThan(7);
    // The summary: every building's stage dates, by ID.
    const summary = body(await store.overview({ kind: 'summary' })) as Record<string, Record<string, string>>;
    expect(Object.keys(summary)).toEqual(records.map((r) => r.buildingId).sort());
  });

  it('bounds the summary by the read budget: past it a 400 naming the bound', async () => {
    await store.put([record('B-2', [['planning-permit', '2024-05-01']]), record('B-1', [['completion-acceptance', '1990-01-01']])]);
    const answer = await store.overview({ kind: 'summary' });
    expect(answer.status).toBe(200);
    expect(typeof answer.body === 'string' ? answer.body : '').toBe('{"B-1":{"completion-acceptance":"1990-01-01"},"B-2":{"planning-permit":"2024-05-01"}}');
    const small = location.startsWith('postgres://') ? await PostgresLifecycleStore.open({ url: location, budget: { maximumResponseBytes: 40 } }) : new SqliteLifecycleStore((store as SqliteLifecycleStore).db, { budget: { maximumResponseBytes: 40 } });
    try {
      const cut = await small.overview({ kind: 'summary' });
      expect(cut.status).toBe(400);
      expect((body(cut) as { message: string }).message).toMatch(/larger than 40 bytes/);
    } finally {
      await small.close();
    }
  });

  it('changes its generation on every write (cached overviews are read again)', async () => {
    const before = await store.generation();
    await store.put([record('G-1', [['planning-permit', '2024-05-01']])]);
    const after = await store.generation();
    expect(after).not.toBe(before);
    expect(await store.generation()).toBe(after);
  });

  it('keeps its records when opened again (the tables are made once)', async () => {
    await store.put([record('R-1', [['project-approval', '2001-01-01']])]);
    await store.close();
    store = await openLifecycleStore(location);
    expect(await store.count()).toBe(1);
    expect(await store.datesOf(['R-1'])).toEqual({ 'R-1': { 'project-approval': '2001-01-01' } });
  });
});

// A SQLite database belongs to one process; PostgreSQL is what several share (issue 21).
const POSTGRES = (await lifecycleBackends('lifecycle-store (processes)')).filter((b) => b.name === 'PostgreSQL');

describe.each(POSTGRES)('lifecycle store on $name, shared', (backend) => {
  let store: LifecycleStore;
  let location: string;

  eachFreshStore(backend, (fresh) => ({ store, location } = fresh));

  it('two stores on one database (two server processes) see each other\'s writes', async () => {
    // Two open at once on a database without the tables: the migration is taken one at a time.
    const admin = new pg.Client({ connectionString: location });
    await admin.connect();
    await admin.query(`DROP TABLE ${LIFECYCLE_TABLES.join(', ')}`);
    await admin.end();
    const [other, third] = await Promise.all([openLifecycleStore(location), openLifecycleStore(location)]);
    try {
      await store.put([record('P-1', [['project-approval', '2001-01-01']])]);
      expect(await other.recordJson('P-1')).toBe(JSON.stringify(record('P-1', [['project-approval', '2001-01-01']])));
      const generation = await other.generation();
      expect(await store.generation()).toBe(generation);
      await other.put([record('P-2', [['completion-acceptance', '1990-01-01']]), record('P-1', [['project-approval', '2001-01-01'], ['construction-permit', '2002-01-01']])]);
      expect(await store.generation()).not.toBe(generation);
      expect(await store.count()).toBe(2);
      expect(await store.datesOf(['P-1', 'P-2'])).toEqual({ 'P-1': { 'project-approval': '2001-01-01', 'construction-permit': '2002-01-01' }, 'P-2': { 'completion-acceptance': '1990-01-01' } });
      expect(body(await third.overview({ kind: 'summary' }))).toEqual({ 'P-1': { 'project-approval': '2001-01-01', 'construction-permit': '2002-01-01' }, 'P-2': { 'completion-acceptance': '1990-01-01' } });
    } finally {
      await other.close();
      await third.close();
    }
  });
});
