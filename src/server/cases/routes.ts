/**
 * The case API (案卷, the 数字城管 workflow) over a CaseStore, beside the asset, monitoring and
 * lifecycle APIs. Every route is a data route (access.ts): writes need the write key, reads need
 * it where the server is configured for keyed reads.
 *
 *   POST /api/cases                     a new case from a grid worker's report, a 12345 complaint
 *                                       or a monitoring incident → 201, the case with its log
 *   GET  /api/cases/{id}                one case with its log, its overdue flag and the actions it allows
 *   POST /api/cases/{id}/actions        {"action", "by", "note"?, "department"?} → the case after it;
 *                                       409 naming the allowed actions when its status forbids it
 *   GET  /api/cases?grid=&area=&department=&class=&status=&overdue=&bbox=W,S,E,N&incidentId=&limit=&offset=
 *                                       {cases, next?}, newest first
 *
 * With a grid store (options.grids, src/server/grids): a new case with a place and no gridCode is
 * placed in the unit grid covering it (else the community; on a shared edge the lowest code), and
 * a gridCode the store does not hold is a 400 naming it (while the store holds any grids).
 *   GET  /api/cases.csv?(the same filters)
 *                                       the same as CSV (UTF-8 with BOM), formula text defused
 *   GET  /api/cases/statistics?day=YYYY-MM-DD&grid=|area=
 *                                       the day's figures (Beijing day; default today)
 *   GET  /api/cases/classes             the component and event classes (case-classes.json)
 *
 * Bad input is a 400 whose message starts with the field at fault; nothing is stored.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { StreamChange } from '../../domain/monitoring/api.ts';
import {
  beijingDate, caseClass, caseClassTable, caseDocument, CASE_ACTIONS, CASE_SOURCES, CASE_STATUS_NAMES, CASE_SOURCE_NAMES, checkNewCase, isCalendarDate, OPEN_CASE_STATUSES,
  type CaseRecord, type CaseStatus,
} from '../../domain/cases/cases.ts';
import { csvRow, CSV_BOM } from '../../domain/cases/csv.ts';
import { DATA_ROUTE, registerAccess } from '../access.ts';
import { registerBoundedJson } from '../json-body.ts';
import { CaseInputError, MAXIMUM_CASE_PAGE, type CaseFilter, type CaseStore } from './case-store.ts';
import type { GridStore } from '../grids/grid-store.ts';

export interface CaseRoutesOptions {
  store: CaseStore;
  /**
   * Write keys. The app's access hook is added here if the app has none yet (access.ts: the
   * first registration's keys hold); without keys every write is refused.
   */
  apiKeys?: string[];
  readsNeedKey?: boolean;
  /** The grids: a case's grid from its place, and the codes a case may name. */
  grids?: GridStore;
  /** The clock (epoch ms); tests set it. */
  now?: () => number;
  /** After a case is made or moved on (the stream's `change` event, to every viewer of every process). */
  onChange?: (change: StreamChange) => void | Promise<void>;
}

class CaseApiError extends Error {
  constructor(readonly statusCode: number, message: string) {
    super(message);
  }
}

/** Rows in one CSV export. */
export const MAXIMUM_CSV_ROWS = 10_000;

const name = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);

const newCaseSchema = z.strictObject({
  source: z.enum(CASE_SOURCES),
  classId: z.string().max(40).optional(),
  gridCode: z.string().max(20).optional(),
  description: z.string().min(1, 'must not be empty').max(2_000),
  address: z.string().max(200).optional(),
  lon: z.number().min(-180).max(180),
  lat: z.number().min(-90).max(90),
  reporter: name(50),
  hotlineTicket: name(50).optional(),
  incidentId: z.union([name(50), z.number().int().nonnegative().transform(String)]).optional(),
  incidentType: z.string().max(40).optional(),
  assetIds: z.array(z.string().min(1).max(200)).max(100).optional(),
  attachmentUrl: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).max(2_000).optional(),
});

const actionSchema = z.strictObject({
  action: z.enum(CASE_ACTIONS),
  by: name(50),
  note: z.string().max(2_000).optional(),
  department: name(100).optional(),
});

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const message = result.error.issues
    .slice(0, 5)
    .map((issue) => {
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
      const path = [...issue.path, ...(keys.length === 1 ? keys : [])].join('.');
      return `${path || 'body'}: ${issue.message}`;
    })
    .join('; ');
  throw new CaseApiError(400, message);
}

type Query = Record<string, string | string[] | undefined>;

const LIST_PARAMETERS = ['grid', 'area', 'department', 'class', 'status', 'overdue', 'bbox', 'incidentId', 'limit', 'offset'];

function single(query: Query, key: string): string | undefined {
  const value = query[key];
  if (Array.isArray(value)) throw new CaseApiError(400, `${key}: give it once`);
  return value;
}

function checkParameters(query: Query, allowed: readonly string[]): void {
  const unknown = Object.keys(query).find((key) => !allowed.includes(key));
  if (unknown !== undefined) throw new CaseApiError(400, `${unknown.slice(0, 40)}: not a parameter here (${allowed.join(', ')})`);
}

function integer(query: Query, key: string): number | undefined {
  const text = single(query, key);
  if (text === undefined) return undefined;
  if (!/^\d{1,9}$/.test(text)) throw new CaseApiError(400, `${key}: must be a whole number, got ${JSON.stringify(text.slice(0, 40))}`);
  return Number(text);
}

function filterOf(query: Query): CaseFilter {
  const filter: CaseFilter = {};
  const grid = single(query, 'grid');
  const area = single(query, 'area');
  const department = single(query, 'department');
  const classId = single(query, 'class');
  const status = single(query, 'status');
  const overdue = single(query, 'overdue');
  if (grid !== undefined) filter.grid = grid;
  if (area !== undefined) filter.area = area;
  if (department !== undefined) filter.department = department;
  if (classId !== undefined) filter.classId = classId;
  if (status !== undefined) filter.status = status.split(',').flatMap((s) => (s.trim() === 'open' ? [...OPEN_CASE_STATUSES] : [s.trim() as CaseStatus]));
  if (overdue !== undefined) {
    if (overdue !== 'true' && overdue !== 'false') throw new CaseApiError(400, 'overdue: must be true or false');
    filter.overdue = overdue === 'true';
  }
  const bbox = single(query, 'bbox');
  if (bbox !== undefined) {
    const numbers = bbox.split(',').map((part) => (/^\s*-?(\d+(\.\d*)?|\.\d+)\s*$/.test(part) ? Number(part) : Number.NaN));
    if (numbers.length !== 4 || numbers.some(Number.isNaN)) throw new CaseApiError(400, `bbox: give west,south,east,north in degrees, got ${JSON.stringify(bbox.slice(0, 80))}`);
    filter.bbox = numbers as [number, number, number, number];
  }
  const incidentId = single(query, 'incidentId');
  if (incidentId !== undefined) {
    if (!incidentId.trim() || incidentId.length > 50) throw new CaseApiError(400, 'incidentId: 1–50 characters');
    filter.incidentId = incidentId.trim();
  }
  return filter;
}

/** Run a store call, turning its input errors into 400s. */
async function answer<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof CaseInputError) throw new CaseApiError(400, error.message);
    throw error;
  }
}

/** An instant as Beijing local time with its offset, for spreadsheets. */
function beijingTime(ms: number | undefined): string | undefined {
  if (ms === undefined) return undefined;
  return `${new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19)}+08:00`;
}

const CSV_COLUMNS: [string, (c: CaseRecord, now: number) => string | number | boolean | undefined][] = [
  ['案卷号 id', (c) => c.id],
  ['状态 status', (c) => `${CASE_STATUS_NAMES[c.status].zh} ${c.status}`],
  ['来源 source', (c) => CASE_SOURCE_NAMES[c.source].zh],
  ['类别 class', (c) => c.classId],
  ['类别名称 class name', (c) => caseClass(c.classId)?.zh],
  ['网格 grid', (c) => c.gridCode],
  ['处置部门 department', (c) => c.department],
  ['问题描述 description', (c) => c.description],
  ['地址 address', (c) => c.address],
  ['经度 lon', (c) => c.lon],
  ['纬度 lat', (c) => c.lat],
  ['上报人 reporter', (c) => c.reporter],
  ['12345工单号 hotline ticket', (c) => c.hotlineTicket],
  ['监测事件 incident', (c) => c.incidentId],
  ['关联资产 assets', (c) => c.assetIds.join(';')],
  ['附件 attachment', (c) => c.attachmentUrl],
  ['上报时间 created', (c) => beijingTime(c.createdAtMs)],
  ['立案时间 filed', (c) => beijingTime(c.filedAtMs)],
  ['派遣时间 dispatched', (c) => beijingTime(c.dispatchedAtMs)],
  ['处置时限 due', (c) => beijingTime(c.dueAtMs)],
  ['处置时间 handled', (c) => beijingTime(c.handledAtMs)],
  ['核查时间 checked', (c) => beijingTime(c.checkedAtMs)],
  ['结案时间 closed', (c) => beijingTime(c.closedAtMs)],
  ['超期 overdue', (c, now) => caseDocument(c, now).overdue],
];

export function registerCaseRoutes(app: FastifyInstance, options: CaseRoutesOptions): void {
  const { store } = options;
  const now = options.now ?? Date.now;
  registerAccess(app, { apiKeys: options.apiKeys ?? [], readsNeedKey: options.readsNeedKey });
  registerBoundedJson(app);

  app.get('/api/cases/classes', DATA_ROUTE, async () => caseClassTable());

  /** The grid code of a new case: the one given (known to the grid store, if it has grids), else the grid covering its place. */
  const gridCodeOf = async (given: string | undefined, lon: number, lat: number): Promise<string | undefined> => {
    const { grids } = options;
    if (given !== undefined) return given;
    if (!grids) throw new CaseApiError(400, 'gridCode: required (this server has no grid store to place the case by its location)');
    const grid = (await grids.containing(lon, lat, 'unit')) ?? (await grids.containing(lon, lat, 'community'));
    if (!grid) throw new CaseApiError(400, `gridCode: required: no unit grid or community of the grid store covers (${lon}, ${lat})`);
    return grid.code;
  };

  app.post('/api/cases', DATA_ROUTE, async (request, reply) => {
    const body = parse(newCaseSchema, request.body);
    const gridCode = await gridCodeOf(body.gridCode, body.lon, body.lat);
    const checked = checkNewCase({ ...body, gridCode: gridCode! });
    if ('field' in checked) throw new CaseApiError(400, `${checked.field}: ${checked.message}`);
    if (body.gridCode !== undefined && options.grids && (await options.grids.count()) > 0 && !(await options.grids.get(checked.gridCode))) {
      throw new CaseApiError(400, `gridCode: unknown grid ${checked.gridCode}: the grid store has no such grid (see /api/grids)`);
    }
    const at = now();
    const { record, log } = await answer(() => store.create(checked, at));
    await options.onChange?.({ kind: 'case', id: record.id, action: 'created', at: new Date(at).toISOString() });
    return reply.status(201).header('location', `/api/cases/${record.id}`).send(caseDocument(record, at, log));
  });

  app.get('/api/cases', DATA_ROUTE, async (request) => {
    const query = request.query as Query;
    checkParameters(query, LIST_PARAMETERS);
    const filter = filterOf(query);
    const limit = integer(query, 'limit') ?? 50;
    const offset = integer(query, 'offset') ?? 0;
    const at = now();
    const page = await answer(() => store.list(filter, { limit, offset }, at));
    const cases = page.cases.map((c) => caseDocument(c, at));
    if (!page.truncated) return { cases };
    const next = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => typeof e[1] === 'string' && e[0] !== 'offset' && e[0] !== 'limit'));
    next.set('limit', String(limit));
    next.set('offset', String(offset + limit));
    return { cases, next: `/api/cases?${next}` };
  });

  app.get('/api/cases.csv', DATA_ROUTE, async (request, reply) => {
    const query = request.query as Query;
    checkParameters(query, LIST_PARAMETERS.filter((p) => p !== 'limit' && p !== 'offset'));
    const filter = filterOf(query);
    const at = now();
    const lines = [CSV_BOM + csvRow(CSV_COLUMNS.map(([title]) => title))];
    let truncated = false;
    for (let offset = 0; offset < MAXIMUM_CSV_ROWS; offset += MAXIMUM_CASE_PAGE) {
      const page = await answer(() => store.list(filter, { limit: MAXIMUM_CASE_PAGE, offset }, at));
      for (const c of page.cases) lines.push(csvRow(CSV_COLUMNS.map(([, value]) => value(c, at))));
      if (!page.truncated) break;
      truncated = offset + MAXIMUM_CASE_PAGE >= MAXIMUM_CSV_ROWS;
    }
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="cases-${beijingDate(at)}.csv"`)
      .header('x-cases-truncated', truncated ? `true (the first ${MAXIMUM_CSV_ROWS} only: narrow the filter)` : 'false')
      .send(lines.join(''));
  });

  app.get('/api/cases/statistics', DATA_ROUTE, async (request) => {
    const query = request.query as Query;
    checkParameters(query, ['day', 'grid', 'area']);
    const at = now();
    const day = single(query, 'day') ?? beijingDate(at);
    if (!isCalendarDate(day)) throw new CaseApiError(400, `day: ${JSON.stringify(day.slice(0, 40))} is not a calendar date YYYY-MM-DD`);
    const grid = single(query, 'grid');
    const area = single(query, 'area');
    return answer(() => store.dailyStatistics(day, { ...(grid !== undefined ? { grid } : {}), ...(area !== undefined ? { area } : {}) }, at));
  });

  app.get('/api/cases/:id', DATA_ROUTE, async (request) => {
    const { id } = request.params as { id: string };
    const found = await store.get(id);
    if (!found) throw new CaseApiError(404, `no case ${JSON.stringify(id.slice(0, 60))}`);
    return caseDocument(found.record, now(), found.log);
  });

  app.post('/api/cases/:id/actions', DATA_ROUTE, async (request) => {
    const { id } = request.params as { id: string };
    const body = parse(actionSchema, request.body);
    const at = now();
    const result = await answer(() => store.act(id, body, at));
    if (!result) throw new CaseApiError(404, `no case ${JSON.stringify(id.slice(0, 60))}`);
    if ('error' in result) throw new CaseApiError(409, result.error);
    await options.onChange?.({ kind: 'case', id: result.record.id, action: body.action, at: new Date(at).toISOString() });
    return caseDocument(result.record, at, result.log);
  });
}
