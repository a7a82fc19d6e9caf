/**
 * The check-up job: computes a month's facts per grid from what the platform holds and writes
 * them to the check-up store. Run at start and every hour (scripts/start.ts).
 *
 * - The month in progress is recomputed at every run: its row is the month's snapshot, and the
 *   last run inside a month is what that month keeps.
 * - Past months missing from the store are reconstructed (kind 'reconstructed') from stored
 *   timestamps: pipes by install year, buildings by their completion, demolition and every
 *   inspection date (the lifecycle records keep them all), cases by deadline, handling and
 *   closing times, incidents by the time raised. Sensors online cannot be: it is a state at an
 *   instant (the latest reading within 15 minutes), and old readings are compacted; those
 *   months have no sensor figures (null), and say so (sensorsObserved: false).
 * - What is assumed of the past: the asset store holds today's pipes and buildings (one removed
 *   since is not counted in a past month), and a case's handling time is its latest (a send-back
 *   clears it).
 *
 * Each building, pipe and incident is placed in the lowest grid covering its position (the
 * grid store's own spatial query: unit grid, else community, else street); one outside every
 * grid is counted in no area. Cases carry their grid code.
 */
import type { Database } from 'better-sqlite3';
import type { MonitoringStore } from '../sensorthings/store.ts';
import {
  addPipe, emptyFacts, inspectionStateOn, installYearOf, LIFELINE_INCIDENT_TYPES, lineLengthMetres, monthOf, monthRange, monthsBetween, pipeClassOf,
  referenceDate, SENSOR_ONLINE_WINDOW_MS, WATERLOGGING_INCIDENT_TYPE, waterloggingPointKey, type CheckupFacts,
} from '../../domain/checkup/indicators.ts';
import type { BuildingLifecycle } from '../../domain/lifecycle/lifecycle.ts';
import type { AssetStore } from '../assets/asset-store.ts';
import type { GridStore } from '../grids/grid-store.ts';
import type { LifecycleStore } from '../lifecycle/lifecycle-store.ts';
import { readCaseFacts } from './case-facts.ts';
import type { CheckupStore } from './checkup-store.ts';

export interface CheckupSources {
  grids: GridStore;
  assets?: AssetStore;
  /** The lifecycle records' SQLite database in this process (the buildings in use and overdue), unless `lifecycle` is given. */
  monitoring?: Database;
  /** The lifecycle records (either backend): the buildings in use and overdue. */
  lifecycle?: LifecycleStore;
  /** The monitoring store (either backend): incidents raised, and sensors with their newest reading. */
  sensors?: Pick<MonitoringStore, 'incidentsRaised' | 'thingsWithLastReading'>;
  /** The case store's location (a SQLite path or a postgres:// URL). */
  casesLocation?: string;
}

export interface CheckupJobOptions {
  nowMs: number;
  /** Past months to reconstruct when missing (default 11: a year with the month in progress). */
  backfillMonths?: number;
}

export interface CheckupJobReport {
  months: { month: string; kind: 'snapshot' | 'reconstructed'; rows: number }[];
  placed: { buildings: number; pipes: number; incidents: number; outside: number };
  seconds: number;
}

function tableExists(db: Database, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

/** The lifecycle records of a SQLite monitoring database, in pages by ID (read only). */
function* sqliteRecordPages(db: Database): Generator<BuildingLifecycle[]> {
  const page = db.prepare('SELECT building_id, record FROM building_lifecycles WHERE building_id > ? ORDER BY building_id LIMIT 1000');
  for (let after = '', rows = page.all(after) as { building_id: string; record: string }[]; rows.length > 0; rows = page.all(after) as typeof rows) {
    yield rows.map((row) => JSON.parse(row.record) as BuildingLifecycle);
    after = rows[rows.length - 1]!.building_id;
  }
}

function lineLength(geometry: { type: string; coordinates: unknown }): number {
  if (geometry.type === 'LineString') return lineLengthMetres(geometry.coordinates as number[][]);
  if (geometry.type === 'MultiLineString') return (geometry.coordinates as number[][][]).reduce((sum, line) => sum + lineLengthMetres(line), 0);
  return 0;
}

/** Items placed in grids per query. */
const PLACE_BATCH = 10_000;

export async function runCheckupJob(store: CheckupStore, sources: CheckupSources, options: CheckupJobOptions): Promise<CheckupJobReport> {
  const started = performance.now();
  const { nowMs } = options;
  const current = monthOf(nowMs);
  const back = options.backfillMonths ?? 11;
  const [y, m] = [Number(current.slice(0, 4)), Number(current.slice(5))];
  const firstIndex = y * 12 + (m - 1) - back;
  const first = `${Math.floor(firstIndex / 12)}-${String((firstIndex % 12) + 1).padStart(2, '0')}`;
  const known = new Set((await store.months()).map((k) => k.month));
  const months = monthsBetween(first, current).filter((month) => month === current || !known.has(month));

  const perMonth = new Map<string, Map<string, CheckupFacts>>(months.map((month) => [month, new Map()]));
  const factsOf = (month: string, code: string) => {
    const grids = perMonth.get(month)!;
    let facts = grids.get(code);
    if (!facts) grids.set(code, (facts = emptyFacts(month === current)));
    return facts;
  };
  const placed = { buildings: 0, pipes: 0, incidents: 0, outside: 0 };
  /** Each item's grid, 10,000 at a time: one query of the grid store's spatial index per batch (GridStore.place). */
  const placeAll = async <T>(items: Iterable<T> | AsyncIterable<T>, position: (item: T) => readonly [number, number], each: (item: T, code: string) => void): Promise<void> => {
    let batch: T[] = [];
    const flush = async () => {
      const codes = await sources.grids.place(batch.map(position));
      batch.forEach((item, i) => {
        const code = codes[i];
        if (code) each(item, code);
        else placed.outside++;
      });
      batch = [];
    };
    for await (const item of items) {
      batch.push(item);
      if (batch.length >= PLACE_BATCH) await flush();
    }
    if (batch.length) await flush();
  };

  // Buildings: their grid by position; their state each month from the lifecycle records.
  const buildingGrid = new Map<string, string>();
  if (sources.assets) {
    await placeAll(sources.assets.streamAssets({ kinds: ['building'] }), (asset) => asset.position, (asset, code) => buildingGrid.set(asset.id, code));
    placed.buildings = buildingGrid.size;
    // Pipes: length by class and age, each month.
    const classed = async function* (assets: AsyncIterable<{ attributes: Record<string, unknown>; position: [number, number]; geometry: { type: string; coordinates: unknown } }>) {
      for await (const asset of assets) {
        const pipeClass = pipeClassOf(asset.attributes.type);
        if (pipeClass) yield { asset, pipeClass };
      }
    };
    await placeAll(classed(sources.assets.streamAssets({ kinds: ['pipe'] })), ({ asset }) => asset.position, ({ asset, pipeClass }, code) => {
      placed.pipes++;
      const metres = lineLength(asset.geometry);
      const year = installYearOf(asset.attributes.installYear);
      for (const month of months) addPipe(factsOf(month, code), pipeClass, metres, year, month);
    });
  }

  const db = sources.monitoring;
  const lifecyclePages = sources.lifecycle?.records(1000) ?? (db && tableExists(db, 'building_lifecycles') ? sqliteRecordPages(db) : undefined);
  if (lifecyclePages && buildingGrid.size > 0) {
    const dates = months.map((month) => [month, referenceDate(month, nowMs)] as const);
    for await (const records of lifecyclePages) {
      for (const record of records) {
        const code = buildingGrid.get(record.buildingId);
        if (!code) continue;
        for (const [month, date] of dates) {
          const state = inspectionStateOn(record, date);
          if (state === 'not-in-use') continue;
          const facts = factsOf(month, code);
          facts.buildingsInUse++;
          if (state === 'overdue') facts.buildingsOverdue++;
        }
      }
    }
  }

  const sensors = sources.sensors;
  if (sensors) {
    const [start] = monthRange(months[0]!);
    const [, end] = monthRange(current);
    const types = [...new Set([...LIFELINE_INCIDENT_TYPES, WATERLOGGING_INCIDENT_TYPE])];
    const incidents = (await sensors.incidentsRaised(start, end, types)).filter((incident) => perMonth.has(monthOf(incident.raisedAtMs)));
    const points = new Map<string, Set<string>>();
    await placeAll(incidents, (incident) => [incident.lon, incident.lat], (incident, code) => {
      const month = monthOf(incident.raisedAtMs);
      placed.incidents++;
      const facts = factsOf(month, code);
      if (LIFELINE_INCIDENT_TYPES.includes(incident.type)) facts.lifelineIncidents++;
      if (incident.type === WATERLOGGING_INCIDENT_TYPE) {
        const key = `${month}|${code}`;
        let set = points.get(key);
        if (!set) points.set(key, (set = new Set()));
        set.add(waterloggingPointKey(incident.lon, incident.lat));
      }
    });
    for (const [key, set] of points) {
      const [month, code] = key.split('|') as [string, string];
      factsOf(month, code).waterloggingPoints = set.size;
    }
  }

  // Sensors: the snapshot of the month in progress only.
  let sensorsObserved = false;
  if (sensors) {
    sensorsObserved = true;
    await placeAll(await sensors.thingsWithLastReading(), (thing) => [thing.lon, thing.lat], (thing, code) => {
      const facts = factsOf(current, code);
      facts.sensors = (facts.sensors ?? 0) + 1;
      const online = thing.lastMs !== null && thing.lastMs <= nowMs && nowMs - thing.lastMs <= SENSOR_ONLINE_WINDOW_MS;
      facts.sensorsOnline = (facts.sensorsOnline ?? 0) + (online ? 1 : 0);
    });
  }

  if (sources.casesLocation) {
    for (const month of months) {
      for (const row of await readCaseFacts(sources.casesLocation, month, nowMs)) {
        const facts = factsOf(month, row.gridCode);
        facts.casesDue += row.due;
        facts.casesDueClosed += row.closed;
        facts.casesDueClosedOnTime += row.onTime;
      }
    }
  }

  const report: CheckupJobReport = { months: [], placed, seconds: 0 };
  for (const month of months) {
    const isCurrent = month === current;
    const rows = [...perMonth.get(month)!].map(([code, facts]) => ({ code, facts: isCurrent && sensorsObserved ? { ...facts, sensors: facts.sensors ?? 0, sensorsOnline: facts.sensorsOnline ?? 0 } : { ...facts, sensors: null, sensorsOnline: null } }));
    const kind = isCurrent ? 'snapshot' : 'reconstructed';
    await store.putMonth({ month, computedAtMs: nowMs, sensorsObserved: isCurrent && sensorsObserved, kind }, rows);
    report.months.push({ month, kind, rows: rows.length });
  }
  report.seconds = (performance.now() - started) / 1000;
  return report;
}
