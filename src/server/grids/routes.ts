/**
 * The grid API (网格) over a GridStore, beside the case and asset APIs. Data routes (access.ts):
 * reads need a key only where the server is configured for keyed reads.
 *
 *   GET /api/grids?level=street|community|unit&bbox=W,S,E,N[&limit=200][&offset=0]
 *       one level's grids whose bounds meet the box (a view: at most 0.5° either way), by code,
 *       as a GeoJSON FeatureCollection (id = code) with `next` when more matched
 *   GET /api/grids/{code}             one grid as a GeoJSON Feature; 400 for a code the rules refuse, 404 for an unknown one
 *   GET /api/grids/{code}/stats       what is in it: open and overdue cases (the case store, every case
 *       whose grid code is or is under this code); buildings and their estimated residents (the asset
 *       store's buildings whose position the polygon covers, occupancy as the impact analysis
 *       estimates it); sensors (SensorThings Things located in it), those in an open incident, and
 *       the open incidents in it; buildings overdue for their periodic inspection (the lifecycle
 *       digests). A part whose source this server lacks is null.
 */
import type { Database } from 'better-sqlite3';
import type { MonitoringStore } from '../sensorthings/store.ts';
import type { FastifyInstance } from 'fastify';
import { AssetQueryError, checkBbox, type Bbox } from '../../domain/assets.ts';
import { beijingDate } from '../../domain/cases/cases.ts';
import { parseGridCode } from '../../domain/cases/grid-codes.ts';
import { estimateOccupancy, type ImpactBuilding } from '../../domain/emergency/impact.ts';
import { covers, GRID_LEVELS, isGridLevel, type Grid } from '../../domain/grids/grids.ts';
import { DEFAULT_INSPECTION_INTERVAL_YEARS, yearsBefore } from '../../domain/lifecycle/inspections.ts';
import { DATA_ROUTE, registerAccess } from '../access.ts';
import type { AssetStore } from '../assets/asset-store.ts';
import type { CaseStore } from '../cases/case-store.ts';
import type { LifecycleStore } from '../lifecycle/lifecycle-store.ts';
import { GridQueryError, MAXIMUM_GRID_PAGE, type GridStore } from './grid-store.ts';

/** Widest bbox of a listing, degrees either way (a view, not the province). */
export const GRIDS_MAXIMUM_SPAN_DEGREES = 0.5;
/** Buildings read for one grid's statistics at most (a street of a large city); past it the counts are marked truncated. */
export const STATS_MAXIMUM_BUILDINGS = 50_000;

/** What the grid statistics read of the monitoring store. */
export type GridSensorFacts = Pick<MonitoringStore, 'thingsIn' | 'thingsInAlarm' | 'openIncidentsIn'>;

export interface GridRoutesOptions {
  store: GridStore;
  cases?: CaseStore;
  assets?: AssetStore;
  /** The lifecycle records' SQLite database in this process (the inspections due), unless `lifecycle` is given. */
  monitoring?: Database;
  /** The lifecycle records (either backend): the buildings overdue for inspection. */
  lifecycle?: LifecycleStore;
  /** The monitoring store (either backend): the sensors and incidents in a grid. */
  sensors?: GridSensorFacts;
  apiKeys?: string[];
  readsNeedKey?: boolean;
  now?: () => number;
}

export interface GridStats {
  code: string;
  level: Grid['level'];
  name: string;
  cases: { open: number; overdue: number } | null;
  buildings: { count: number; residents: number; truncated: boolean } | null;
  sensors: { count: number; inAlarm: number; openIncidents: number } | null;
  inspections: { overdue: number; intervalYears: number } | null;
}

class GridApiError extends Error {
  constructor(readonly statusCode: number, message: string) {
    super(message);
  }
}

type Query = Record<string, string | string[] | undefined>;

function single(query: Query, key: string): string | undefined {
  const value = query[key];
  if (Array.isArray(value)) throw new GridApiError(400, `${key}: give it once`);
  return value;
}

function wholeNumber(query: Query, key: string): number | undefined {
  const text = single(query, key);
  if (text === undefined) return undefined;
  if (!/^\d{1,9}$/.test(text)) throw new GridApiError(400, `${key}: must be a whole number, got ${JSON.stringify(text.slice(0, 40))}`);
  return Number(text);
}

function bboxOf(text: string | undefined): Bbox {
  if (text === undefined) throw new GridApiError(400, 'bbox: required (west,south,east,north in degrees: the view)');
  const numbers = text.split(',').map((part) => (/^\s*-?(\d+(\.\d*)?|\.\d+)\s*$/.test(part) ? Number(part) : Number.NaN));
  try {
    const bbox = checkBbox(numbers);
    if (bbox[2] - bbox[0] > GRIDS_MAXIMUM_SPAN_DEGREES || bbox[3] - bbox[1] > GRIDS_MAXIMUM_SPAN_DEGREES) {
      throw new GridApiError(400, `bbox: ${text.slice(0, 80)} is too large: at most ${GRIDS_MAXIMUM_SPAN_DEGREES}° of longitude and of latitude (the view, not the city)`);
    }
    return bbox;
  } catch (error) {
    if (error instanceof AssetQueryError) throw new GridApiError(400, `bbox: ${error.message}`);
    throw error;
  }
}

export function gridFeature(grid: Grid) {
  const properties: Record<string, unknown> = { code: grid.code, level: grid.level, name: grid.name, workers: grid.workers };
  if (grid.parentCode) properties.parentCode = grid.parentCode;
  return { type: 'Feature' as const, id: grid.code, bbox: grid.bbox, properties, geometry: grid.geometry };
}

const asNumber = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : undefined);

/** The asset store's buildings whose position the grid covers, with their estimated occupancy. */
async function buildingsIn(assets: AssetStore, grid: Grid): Promise<{ ids: string[]; residents: number; truncated: boolean }> {
  const ids: string[] = [];
  let residents = 0;
  let read = 0;
  for await (const asset of assets.streamAssets({ kinds: ['building'], bbox: grid.bbox })) {
    if (++read > STATS_MAXIMUM_BUILDINGS) return { ids, residents, truncated: true };
    const [lon, lat] = asset.position;
    if (!covers(grid.geometry, lon, lat)) continue;
    ids.push(asset.id);
    const a = asset.attributes;
    const building: ImpactBuilding = { id: asset.id, lonDegrees: lon, latDegrees: lat, use: typeof a.use === 'string' ? a.use : undefined, floors: asNumber(a.floors), heightMetres: asNumber(a.height), footprintSquareMetres: asNumber(a.footprint) };
    residents += estimateOccupancy(building) ?? 0;
  }
  return { ids, residents, truncated: false };
}


function tableExists(db: Database, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

/** Things located in the grid, those a source of an open incident, and the open incidents placed in it. */
/** The sensors (Things) in a grid, those whose sensor is a source of an open incident, and the open incidents in it. */
async function sensorsIn(facts: GridSensorFacts, grid: Grid): Promise<GridStats['sensors']> {
  const [things, alarming, incidents] = await Promise.all([facts.thingsIn(grid.bbox), facts.thingsInAlarm(), facts.openIncidentsIn(grid.bbox)]);
  const inside = new Set(things.filter((t) => covers(grid.geometry, t.lon, t.lat)).map((t) => t.id));
  return {
    count: inside.size,
    inAlarm: alarming.filter((id) => inside.has(id)).length,
    openIncidents: incidents.filter((i) => covers(grid.geometry, i.lon, i.lat)).length,
  };
}

/** Of these buildings, those in use and past their periodic inspection (as /api/lifecycle/inspections counts them). */
function inspectionsDue(db: Database, ids: string[], today: string): GridStats['inspections'] {
  if (!tableExists(db, 'building_lifecycle_digests')) return null;
  const row = db.prepare(`SELECT count(*) AS n FROM building_lifecycle_digests WHERE building_id IN (SELECT value FROM json_each(@ids))
    AND completion IS NOT NULL AND completion <= @today AND (demolition IS NULL OR demolition > @today) AND since < @due`).get({ ids: JSON.stringify(ids), today, due: yearsBefore(today, DEFAULT_INSPECTION_INTERVAL_YEARS) }) as { n: number };
  return { overdue: row.n, intervalYears: DEFAULT_INSPECTION_INTERVAL_YEARS };
}

export function registerGridRoutes(app: FastifyInstance, options: GridRoutesOptions): void {
  const { store } = options;
  const now = options.now ?? Date.now;
  registerAccess(app, { apiKeys: options.apiKeys ?? [], readsNeedKey: options.readsNeedKey });

  const gridOf = async (code: string): Promise<Grid> => {
    const parsed = parseGridCode(code);
    if ('error' in parsed) throw new GridApiError(400, parsed.error);
    const grid = await store.get(code);
    if (!grid) throw new GridApiError(404, `no grid ${code}`);
    return grid;
  };

  app.get('/api/grids', DATA_ROUTE, async (request) => {
    const query = request.query as Query;
    const unknown = Object.keys(query).find((key) => !['level', 'bbox', 'limit', 'offset'].includes(key));
    if (unknown !== undefined) throw new GridApiError(400, `${unknown.slice(0, 40)}: not a parameter here (level, bbox, limit, offset)`);
    const level = single(query, 'level');
    if (!isGridLevel(level)) throw new GridApiError(400, `level: ${level === undefined ? 'required' : JSON.stringify(level.slice(0, 40))}: one of ${GRID_LEVELS.join(', ')}`);
    const bbox = bboxOf(single(query, 'bbox'));
    const limit = wholeNumber(query, 'limit') ?? 200;
    const offset = wholeNumber(query, 'offset') ?? 0;
    if (limit > MAXIMUM_GRID_PAGE) throw new GridApiError(400, `limit: must be a whole number from 1 to ${MAXIMUM_GRID_PAGE}`);
    let page;
    try {
      page = await store.list({ level, bbox, limit, offset });
    } catch (error) {
      if (error instanceof GridQueryError) throw new GridApiError(400, error.message);
      throw error;
    }
    const answer: { type: 'FeatureCollection'; features: ReturnType<typeof gridFeature>[]; next?: string } = { type: 'FeatureCollection', features: page.grids.map(gridFeature) };
    if (page.truncated) answer.next = `/api/grids?${new URLSearchParams({ level, bbox: bbox.join(','), limit: String(limit), offset: String(offset + limit) })}`;
    return answer;
  });

  app.get('/api/grids/:code', DATA_ROUTE, async (request) => gridFeature(await gridOf((request.params as { code: string }).code)));

  app.get('/api/grids/:code/stats', DATA_ROUTE, async (request): Promise<GridStats> => {
    const grid = await gridOf((request.params as { code: string }).code);
    const at = now();
    const today = beijingDate(at);
    const figures = options.cases ? await options.cases.dailyStatistics(today, { area: grid.code }, at) : undefined;
    const buildings = options.assets ? await buildingsIn(options.assets, grid) : undefined;
    const db = options.monitoring;
    return {
      code: grid.code,
      level: grid.level,
      name: grid.name,
      cases: figures ? { open: figures.open, overdue: figures.openOverdue } : null,
      buildings: buildings ? { count: buildings.ids.length, residents: buildings.residents, truncated: buildings.truncated } : null,
      sensors: options.sensors ? await sensorsIn(options.sensors, grid) : null,
      inspections: !buildings ? null : options.lifecycle ? { overdue: await options.lifecycle.overdueAmong(buildings.ids, today), intervalYears: DEFAULT_INSPECTION_INTERVAL_YEARS } : db ? inspectionsDue(db, buildings.ids, today) : null,
    };
  });
}
