/**
 * The network analyses and impact rings as an API, beside the asset API (issue 16). The networks
 * are read from the asset store when the routes are registered (NetworkService.load; a request
 * before it is done waits for it), and again when a dataset is loaded again while the server
 * runs: a request looks at the store's dataset generations (one small query, at most once a
 * second) and, when one changed, the changed datasets are read and their graphs built in the
 * background while requests keep the networks they had; the new ones replace them when built.
 * Every route is a data route (access.ts).
 *
 *   GET /api/network                                         the datasets loaded: {datasets, segments, assets}
 *   GET /api/network/connections/{id}                        a segment's or asset's ends, joined segments, buildings served
 *   GET /api/network/isolation?segment=ID[&inoperable=V1,V2] valve isolation of a break (关阀分析)
 *   GET /api/network/trace?from=ID&direction=upstream|downstream|connected
 *   GET /api/network/section?from=lon,lat&to=lon,lat        cross-section (横断面), line ≤ 2 km
 *   GET /api/network/profile?segment=ID                      longitudinal profile (纵断面)
 *   GET /api/network/clearance?bbox=W,S,E,N[&limit=500]      clearance findings (净距), bbox ≤ 5 × 5 km
 *   GET /api/network/cover?bbox=W,S,E,N[&limit=500]          cover-depth findings (覆土)
 *   GET /api/network/suspected-break?assets=A,B&incidentType=water-main-burst   the main to isolate
 *   GET /api/impact?lon=&lat=&type=gas-leak[&limit=25][&offset=0]   impact rings (影响范围)
 *
 * Bad input is a 400 with a message; an analysis of an ID the network does not hold is a 404
 * naming it. Answers are IDs plus lon/lat geometry to draw (types.ts).
 */
import type { FastifyInstance } from 'fastify';
import { AssetQueryError, checkBbox, checkCircle, type Bbox } from '../../domain/assets.ts';
import { ISOLATION_TYPES_BY_INCIDENT } from '../../domain/emergency/valve-isolation.ts';
import { isIncidentType } from '../../domain/monitoring/incidents.ts';
import { isPipelineType, type PipelineType } from '../../domain/pipelines.ts';
import { DATA_ROUTE } from '../access.ts';
import type { AssetStore } from '../assets/asset-store.ts';
import { incidentImpact, MAXIMUM_FINDINGS, NetworkAnalyses, NetworkInputError } from './analyses.ts';
import { NetworkService } from './network-service.ts';
import { TRACE_DIRECTIONS, type NetworkSummaryAnswer, type TraceDirection } from '../../domain/network-answers.ts';

type Query = Record<string, string | string[] | undefined>;

/** Most IDs in a list parameter (inoperable valves, an incident's assets). */
const MAXIMUM_LIST = 100;
const MAXIMUM_ID_LENGTH = 256;

function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw new NetworkInputError(`give ${name} once`);
  return value;
}

function required(query: Query, name: string, what: string): string {
  const value = single(query, name);
  if (value === undefined || value === '') throw new NetworkInputError(`give ${name}=${what}`);
  if (value.length > MAXIMUM_ID_LENGTH) throw new NetworkInputError(`${name} is longer than ${MAXIMUM_ID_LENGTH} characters`);
  return value;
}

const NUMBER = /^\s*-?(\d+(\.\d*)?|\.\d+)(e[-+]?\d+)?\s*$/i;

function numberParameter(query: Query, name: string): number | undefined {
  const text = single(query, name);
  if (text === undefined) return undefined;
  if (!NUMBER.test(text)) throw new NetworkInputError(`${name} must be a number, got ${JSON.stringify(text.slice(0, 40))}`);
  return Number(text);
}

function numbers(query: Query, name: string, count: number, what: string): number[] {
  const text = required(query, name, what);
  const parts = text.split(',');
  if (parts.length !== count || !parts.every((p) => NUMBER.test(p))) throw new NetworkInputError(`${name} must be ${what}, got ${JSON.stringify(text.slice(0, 80))}`);
  return parts.map(Number);
}

function bboxParameter(query: Query): Bbox {
  try {
    return checkBbox(numbers(query, 'bbox', 4, 'west,south,east,north (degrees)'));
  } catch (error) {
    if (error instanceof AssetQueryError) throw new NetworkInputError(error.message);
    throw error;
  }
}

function list(query: Query, name: string): string[] {
  const text = single(query, name);
  if (text === undefined || text === '') return [];
  const items = [...new Set(text.split(',').map((s) => s.trim()).filter(Boolean))];
  if (items.length > MAXIMUM_LIST) throw new NetworkInputError(`${name} lists more than ${MAXIMUM_LIST} IDs`);
  if (items.some((id) => id.length > MAXIMUM_ID_LENGTH)) throw new NetworkInputError(`an ID in ${name} is longer than ${MAXIMUM_ID_LENGTH} characters`);
  return items;
}

function limitParameter(query: Query, fallback: number, maximum = MAXIMUM_FINDINGS): number {
  const limit = numberParameter(query, 'limit') ?? fallback;
  if (!Number.isInteger(limit) || limit < 1 || limit > maximum) throw new NetworkInputError(`limit must be an integer from 1 to ${maximum}, got ${limit}`);
  return limit;
}

export interface NetworkRoutes {
  /** Resolves when the networks are loaded (rejects when they could not be). */
  ready(): Promise<NetworkService>;
  /** Look at the store now and, if a dataset changed, read it again; resolves with the networks then served. */
  refresh(): Promise<NetworkService>;
}

/** How often (at most) a request looks whether the store's datasets changed. */
export const NETWORK_CHECK_MILLISECONDS = 1_000;

/**
 * Register the network and impact routes over an asset store; the networks are loaded now, in
 * the background, and read again when a dataset changes (or pass `network` to use one already
 * loaded, kept as it is). `checkMilliseconds`: how often a request may look for a change.
 */
export function registerNetworkRoutes(app: FastifyInstance, options: { store: AssetStore; network?: NetworkService; checkMilliseconds?: number }): NetworkRoutes {
  const { store } = options;
  const checkMilliseconds = options.checkMilliseconds ?? NETWORK_CHECK_MILLISECONDS;
  const serve = (loading: Promise<NetworkService>) => {
    const analyses = loading.then((service) => new NetworkAnalyses(service));
    // Reported by the routes that need it (a 503); never an unhandled rejection.
    analyses.catch(() => {});
    return analyses;
  };
  let analyses = serve(options.network ? Promise.resolve(options.network) : NetworkService.load(store));
  let lastCheck = performance.now();
  let refreshing: Promise<void> | undefined;
  /** Read the changed datasets again (or everything, when the last load failed), once at a time. */
  const refresh = (): Promise<void> => {
    refreshing ??= (async () => {
      let current: NetworkAnalyses | undefined;
      try {
        current = await analyses;
      } catch {
        current = undefined;
      }
      const next = current ? await current.service.refreshed(store) : await NetworkService.load(store);
      if (next !== current?.service) analyses = serve(Promise.resolve(next));
    })()
      .catch(() => {}) // the networks served stay; the next check tries again
      .finally(() => {
        refreshing = undefined;
      });
    return refreshing;
  };
  const ready = async (): Promise<NetworkAnalyses> => {
    if (!options.network && performance.now() - lastCheck >= checkMilliseconds) {
      lastCheck = performance.now();
      void refresh();
    }
    try {
      return await analyses;
    } catch (error) {
      throw Object.assign(new Error(`the pipe network could not be loaded from the asset store: ${(error as Error).message}`), { statusCode: 503 });
    }
  };

  app.get('/api/network', DATA_ROUTE, async (): Promise<NetworkSummaryAnswer> => {
    const { service } = await ready();
    const datasets = service.summary.datasets;
    return { datasets, segments: datasets.reduce((n, d) => n + d.segments, 0), assets: datasets.reduce((n, d) => n + d.assets, 0) };
  });

  app.get('/api/network/connections/:id', DATA_ROUTE, async (request) => {
    const { id } = request.params as { id: string };
    return (await ready()).connections(id, limitParameter(request.query as Query, 30, 1_000));
  });

  app.get('/api/network/isolation', DATA_ROUTE, async (request) => {
    const query = request.query as Query;
    const segment = required(query, 'segment', 'the broken segment ID');
    return (await ready()).isolation(segment, list(query, 'inoperable'));
  });

  app.get('/api/network/trace', DATA_ROUTE, async (request) => {
    const query = request.query as Query;
    const from = required(query, 'from', 'a segment ID');
    const direction = single(query, 'direction') ?? 'connected';
    if (!(TRACE_DIRECTIONS as readonly string[]).includes(direction)) throw new NetworkInputError(`direction must be one of ${TRACE_DIRECTIONS.join(', ')}, got ${JSON.stringify(direction.slice(0, 40))}`);
    return (await ready()).trace(from, direction as TraceDirection);
  });

  app.get('/api/network/section', DATA_ROUTE, async (request) => {
    const query = request.query as Query;
    return (await ready()).section(numbers(query, 'from', 2, 'lon,lat'), numbers(query, 'to', 2, 'lon,lat'));
  });

  app.get('/api/network/profile', DATA_ROUTE, async (request) => (await ready()).profile(required(request.query as Query, 'segment', 'a segment ID')));

  app.get('/api/network/clearance', DATA_ROUTE, async (request) => {
    const query = request.query as Query;
    return (await ready()).clearance(bboxParameter(query), limitParameter(query, 500));
  });

  app.get('/api/network/cover', DATA_ROUTE, async (request) => {
    const query = request.query as Query;
    return (await ready()).cover(bboxParameter(query), limitParameter(query, 500));
  });

  app.get('/api/network/suspected-break', DATA_ROUTE, async (request) => {
    const query = request.query as Query;
    const assets = list(query, 'assets');
    if (assets.length === 0) throw new NetworkInputError("give assets=ID,… (the incident's asset IDs)");
    const incidentType = single(query, 'incidentType');
    let types: readonly PipelineType[];
    if (incidentType !== undefined) {
      if (!isIncidentType(incidentType)) throw new NetworkInputError(`incidentType ${JSON.stringify(incidentType.slice(0, 40))} is not an incident type`);
      types = ISOLATION_TYPES_BY_INCIDENT[incidentType] ?? [];
      if (types.length === 0) throw new NetworkInputError(`a ${incidentType} is not cut off by closing valves`);
    } else {
      const named = list(query, 'types');
      if (named.length === 0 || !named.every(isPipelineType)) throw new NetworkInputError('give incidentType=… or types=water,gas (pipeline types)');
      types = named as PipelineType[];
    }
    return (await ready()).suspectedBreak(assets, types);
  });

  app.get('/api/impact', DATA_ROUTE, async (request) => {
    const query = request.query as Query;
    const type = single(query, 'type');
    if (type === undefined || !isIncidentType(type)) throw new NetworkInputError(`type must be an incident type (gas-leak, water-main-burst…), got ${JSON.stringify(type?.slice(0, 40) ?? null)}`);
    const lon = numberParameter(query, 'lon');
    const lat = numberParameter(query, 'lat');
    try {
      checkCircle(lon, lat, 0);
    } catch (error) {
      throw new NetworkInputError(lon === undefined || lat === undefined ? 'give lon and lat (degrees)' : (error as Error).message);
    }
    const limit = limitParameter(query, 25, 500);
    const offset = numberParameter(query, 'offset') ?? 0;
    if (!Number.isInteger(offset) || offset < 0 || offset > 100_000) throw new NetworkInputError(`offset must be an integer from 0 to 100000, got ${offset}`);
    let service: NetworkService | undefined;
    try {
      service = (await ready()).service;
    } catch {
      service = undefined; // buildings only: the rings do not need the network
    }
    return incidentImpact(store, service, { lon: lon!, lat: lat!, type, limit, offset });
  });

  return {
    ready: async () => (await ready()).service,
    refresh: async () => {
      if (!options.network) await refresh();
      return (await ready()).service;
    },
  };
}
