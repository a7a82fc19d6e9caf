/**
 * Building lifecycle records (建设工程全生命周期), served beside the monitoring API. Records change
 * without re-tiling: the tiles carry only the building ID and what styling needs.
 *
 *   GET  /api/buildings/{id}/lifecycle    one record; 404 when the building has none
 *   PUT  /api/buildings/{id}/lifecycle    replace it (key needed)
 *   POST /api/lifecycle/import            a JSON array of records, or CSV (text/csv, one row per
 *                                         stage, party or inspection: src/domain/lifecycle/csv.ts),
 *                                         all or nothing (key needed)
 *   GET  /api/lifecycle/dates?bbox=W,S,E,N[&limit=N]
 *                                         the stage dates of the buildings in a bbox (their IDs from
 *                                         the asset store), for the 4D view and the themes: what is
 *                                         in view, never the city (registerLifecycleDates)
 *   GET  /api/lifecycle/inspections       the daily mode's inspection overview (?today=YYYY-MM-DD,
 *                                         ?limit=N): buildings in use, and the counts and first rows
 *                                         of the overdue, rectification and recent lists
 *   GET  /api/lifecycle/inspections/{list}?today=&offset=&limit=
 *                                         a page of one of those lists (overdue, rectification, recent)
 *   GET  /api/lifecycle/summary           every building's stage dates (for other tools; the viewer
 *                                         asks for a bbox's). Bounded by a read's budget: at a city's
 *                                         scale it is a 400 naming the bound
 *
 * Unknown building IDs (when a registry of IDs is configured), malformed dates, dates after today
 * (beyond the allowed clock skew) and stages out of order are a 400 naming the record and the
 * reason, and nothing is changed. Every route is a data route (access.ts): writes need a key,
 * reads too when the server is configured for keyed reads. Records are read and written through
 * a LifecycleStore (lifecycle-store.ts: SQLite, or PostgreSQL shared by every server process).
 * The overviews are SQL over the digests (digests.ts), run in the read workers (SQLite) or on the
 * pool (PostgreSQL), and kept until the store's generation changes (a write by any process).
 */
import type { StreamChange } from '../../domain/monitoring/api.ts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parse } from '@loaders.gl/core';
import { CSVLoader } from '@loaders.gl/csv';
import { parseLifecycle } from '../../domain/lifecycle/schema.ts';
import { LifecycleCsvError, lifecycleRecordsFromRows } from '../../domain/lifecycle/csv.ts';
import type { BuildingLifecycle } from '../../domain/lifecycle/lifecycle.ts';
import { DATA_ROUTE } from '../access.ts';
import { DEFAULT_FUTURE_SKEW_MILLISECONDS, latestAllowedDate } from '../instants.ts';
import { sendReadAnswer, type ReadAnswer } from '../sensorthings/read-pool.ts';
import type { LifecycleOverview } from './reads.ts';
import { INSPECTION_LISTS, todayInChina, type InspectionList } from '../../domain/lifecycle/inspections.ts';
import type { LifecycleStore } from './lifecycle-store.ts';

export { lifecycleCount, storeLifecycles } from './sqlite-lifecycle-store.ts';

/** Rows of each inspection list sent by default, and at most. */
const INSPECTION_LIST_DEFAULT = 25;
const INSPECTION_LIST_MAXIMUM = 500;
/** Deepest offset of a list page. */
const INSPECTION_OFFSET_MAXIMUM = 100_000;

export interface LifecycleRoutesOptions {
  /** Where the records are (the monitoring database's backend). */
  store: LifecycleStore;
  /** The building IDs that exist (from the tiles' search index); undefined accepts any ID. */
  buildingIds?: ReadonlySet<string>;
  /** Whether a request carries a valid write key. */
  hasWriteKey(request: FastifyRequest): boolean;
  /** Dates may lie at most this far after today (by the day, in the easternmost zone). Default 10 min. */
  maximumFutureSkewMilliseconds?: number;
  /** After records are stored (the stream's `change` event, to every viewer of every process): one building's ID, or "*" for an import. */
  onChange?: (change: StreamChange) => void | Promise<void>;
}

class LifecycleError extends Error {
  constructor(readonly statusCode: number, message: string) {
    super(message);
  }
}

async function recordsFromCsv(text: string): Promise<BuildingLifecycle[]> {
  if (text.trim() === '') throw new LifecycleError(400, 'CSV: the body is empty');
  let table: { data: Record<string, unknown>[]; schema?: { fields: { name: string }[] } };
  try {
    table = (await parse(new TextEncoder().encode(text).buffer as ArrayBuffer, CSVLoader, {
      csv: { shape: 'object-row-table', header: true, dynamicTyping: false, skipEmptyLines: true },
      worker: false,
    })) as typeof table;
  } catch (error) {
    throw new LifecycleError(400, `CSV: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    return lifecycleRecordsFromRows(table.data, table.schema?.fields.map((f) => f.name) ?? Object.keys(table.data[0] ?? {}));
  } catch (error) {
    if (error instanceof LifecycleCsvError) throw new LifecycleError(400, `CSV: ${error.message}`);
    throw error;
  }
}

export function registerLifecycle(app: FastifyInstance, options: LifecycleRoutesOptions): void {
  const { store } = options;
  const cache = new Map<string, { generation: number; answer: ReadAnswer }>();

  const requireKey = (request: FastifyRequest) => {
    if (!options.hasWriteKey(request)) throw new LifecycleError(401, 'writes need an API key (X-API-Key or Authorization: Bearer)');
  };
  const check = (value: unknown, where: string, latest: string): BuildingLifecycle => {
    const parsed = parseLifecycle(value, where);
    if ('problems' in parsed) throw new LifecycleError(400, parsed.problems.join('; '));
    const { record } = parsed;
    if (options.buildingIds && !options.buildingIds.has(record.buildingId)) throw new LifecycleError(400, `${where}: unknown building ID ${JSON.stringify(record.buildingId)}`);
    const future = [...record.stages.map((s, i) => [`stages.${i}.date`, s.date] as const), ...record.inspections.map((s, i) => [`inspections.${i}.date`, s.date] as const)].find(([, date]) => date > latest);
    if (future) throw new LifecycleError(400, `${where}: ${future[0]}: ${future[1]} is after ${latest}, today's date plus the allowed clock skew (--max-future-skew / MONITORING_MAX_FUTURE_SKEW): a record says what has happened`);
    return record;
  };
  const latestDate = () => latestAllowedDate(Date.now(), options.maximumFutureSkewMilliseconds ?? DEFAULT_FUTURE_SKEW_MILLISECONDS);
  const overview = async (what: LifecycleOverview, reply: FastifyReply) => {
    const key = JSON.stringify(what);
    const generation = await store.generation();
    const cached = cache.get(key);
    if (cached && cached.generation === generation) return sendReadAnswer(reply, cached.answer);
    const answer = await store.overview(what);
    if (answer.status === 200) {
      // A few entries per kind of overview: the oldest of a kind goes (another day, length or page).
      const sameKind = [...cache.keys()].filter((k) => (JSON.parse(k) as LifecycleOverview).kind === what.kind);
      if (sameKind.length >= 8) cache.delete(sameKind[0]!);
      cache.set(key, { generation, answer });
    }
    return sendReadAnswer(reply, answer);
  };

  app.get('/api/buildings/:id/lifecycle', DATA_ROUTE, async (request, reply) => {
    const { id } = request.params as { id: string };
    const record = await store.recordJson(id);
    if (record === undefined) return reply.status(404).send({ code: 404, type: 'error', message: `building ${id} has no lifecycle record` });
    return reply.type('application/json').send(record);
  });

  app.put('/api/buildings/:id/lifecycle', DATA_ROUTE, async (request) => {
    requireKey(request);
    const { id } = request.params as { id: string };
    const record = check(request.body, `building ${id}`, latestDate());
    if (record.buildingId !== id) throw new LifecycleError(400, `building ${id}: the record is for ${record.buildingId}`);
    await store.put([record]);
    await options.onChange?.({ kind: 'lifecycle', id, action: 'edit', at: new Date().toISOString() });
    return record;
  });

  // CSV arrives as text; @loaders.gl/csv reads it in the handler (quotes, BOM, CRLF).
  app.addContentTypeParser(['text/csv', 'application/csv'], { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.post('/api/lifecycle/import', DATA_ROUTE, async (request) => {
    requireKey(request);
    let values: unknown[];
    let where: (value: unknown, i: number) => string;
    if (typeof request.body === 'string') {
      values = await recordsFromCsv(request.body);
      where = (value) => `building ${String((value as BuildingLifecycle).buildingId)}`;
    } else if (Array.isArray(request.body)) {
      values = request.body as unknown[];
      where = (_value, i) => `record ${i}`;
    } else {
      throw new LifecycleError(400, 'the body must be a JSON array of lifecycle records, or CSV (Content-Type: text/csv)');
    }
    const latest = latestDate();
    const records = values.map((value, i) => check(value, where(value, i), latest));
    await store.put(records);
    await options.onChange?.({ kind: 'lifecycle', id: '*', action: 'import', at: new Date().toISOString() });
    return { imported: records.length };
  });

  app.get('/api/lifecycle/summary', DATA_ROUTE, async (_request, reply) => overview({ kind: 'summary' }, reply));

  const todayParameter = (query: Record<string, unknown>): string => {
    const today = query.today === undefined ? todayInChina(Date.now()) : String(query.today);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(today) || Number.isNaN(Date.parse(`${today}T00:00:00Z`)) || new Date(`${today}T00:00:00Z`).toISOString().slice(0, 10) !== today) {
      throw new LifecycleError(400, `today: "${today}" is not a date (YYYY-MM-DD)`);
    }
    return today;
  };
  const wholeNumber = (query: Record<string, unknown>, name: string, fallback: number, maximum: number): number => {
    const value = query[name] === undefined ? fallback : Number(query[name]);
    if (!Number.isInteger(value) || value < 0 || value > maximum) throw new LifecycleError(400, `${name}: must be a whole number from 0 to ${maximum}`);
    return value;
  };

  // The daily mode's figures, computed here: counts and the first rows of each list, never every record.
  app.get('/api/lifecycle/inspections', DATA_ROUTE, async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const today = todayParameter(query);
    const limit = wholeNumber(query, 'limit', INSPECTION_LIST_DEFAULT, INSPECTION_LIST_MAXIMUM);
    return overview({ kind: 'inspections', today, limit }, reply);
  });

  // A page of one list: the daily panel's "more".
  app.get('/api/lifecycle/inspections/:list', DATA_ROUTE, async (request, reply) => {
    const { list } = request.params as { list: string };
    if (!(INSPECTION_LISTS as readonly string[]).includes(list)) throw new LifecycleError(404, `no inspection list ${JSON.stringify(list)}: the lists are ${INSPECTION_LISTS.join(', ')}`);
    const query = request.query as Record<string, unknown>;
    const today = todayParameter(query);
    const limit = wholeNumber(query, 'limit', INSPECTION_LIST_DEFAULT, INSPECTION_LIST_MAXIMUM);
    const offset = wholeNumber(query, 'offset', 0, INSPECTION_OFFSET_MAXIMUM);
    return overview({ kind: 'inspection-list', today, list: list as InspectionList, offset, limit }, reply);
  });
}
