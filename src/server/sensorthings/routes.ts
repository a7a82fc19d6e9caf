/**
 * The SensorThings API 1.1 HTTP binding (JSON) under a base path, plus two documented extensions:
 * `Incidents` (lifeline incidents with their lifecycle) and `Stream` (Server-Sent Events).
 *
 *   GET  /v1.1                                    service root
 *   GET  /v1.1/{Set}[(id)[/{Navigation}]]         $top $skip $count $orderby $filter $select $expand
 *   POST /v1.1/{Things|Locations|Sensors|ObservedProperties|Datastreams|Observations}
 *   POST /v1.1/Datastreams(id)/Observations
 *   POST /v1.1/CreateObservations                 data arrays (§14.4), one transaction
 *   POST /v1.1/Incidents(id)/Actions              {"action": "acknowledge", "by": "张工"}; the emergency log:
 *                                                 {"action": "notify"|"arrive", "unit": "gas-company", "by": …},
 *                                                 {"action": "note", "note": "…", "by": …}
 *   GET  /v1.1/Stream?bbox=&types=                Server-Sent Events, resumable with Last-Event-ID
 *
 * Writes need an API key (`X-API-Key` or `Authorization: Bearer`); reads too when configured.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { BadRequestError, type MonitoringDatabase, type NewObservation } from './database.ts';
import { ENTITY_SETS, isEntitySetName, type EntitySetName } from './entities.ts';
import { parseOptions, QueryError } from './odata.ts';
import { createObservationsSchema, observationOf, readDataArrayRow, datastreamSchema, describeIssues, incidentActionSchema, locationSchema, observationSchema, observedPropertySchema, sensorSchema, thingSchema } from './payloads.ts';
import { readCollection, readEntity, type ReadContext } from './read.ts';
import type { StreamHub } from './stream.ts';
import { prepared } from './statements.ts';

export interface RoutesOptions {
  database: MonitoringDatabase;
  hub: StreamHub;
  /** Keys accepted for writes. Empty: every write is refused (401). */
  apiKeys: string[];
  /** Reads need a key too. Default false. */
  readsNeedKey?: boolean;
  /** Base path. Default "/v1.1". */
  basePath?: string;
  /** Public URL of the base path for links, when behind a proxy. Default: from the request. */
  publicUrl?: string;
}

class HttpError extends Error {
  constructor(readonly statusCode: number, message: string) {
    super(message);
  }
}

/** Whether a request carries one of the keys (X-API-Key or Authorization: Bearer), compared in constant time. */
export function hasValidKey(request: FastifyRequest, keys: string[]): boolean {
  return keyMatches(requestKey(request), keys);
}

function keyMatches(candidate: string | undefined, keys: string[]): boolean {
  if (!candidate) return false;
  const given = Buffer.from(candidate);
  return keys.some((key) => {
    const expected = Buffer.from(key);
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
}

function requestKey(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string') return header;
  const authorization = request.headers.authorization;
  return authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined;
}

/** `Things(12)/Datastreams` → { set, id, navigation }. */
function parseResourcePath(path: string): { set: EntitySetName; id?: number; navigation?: string } {
  const match = /^([A-Za-z]+)(?:\((\d+)\))?(?:\/([A-Za-z]+))?$/.exec(path);
  if (!match || !isEntitySetName(match[1]!)) throw new HttpError(404, `no such resource: ${path}`);
  if (match[3] && !match[2]) throw new HttpError(404, `no such resource: ${path}`);
  return { set: match[1], id: match[2] ? Number(match[2]) : undefined, navigation: match[3] };
}

/** A request URL's path below the base, decoded, and its query string (without "?"). */
function splitUrl(url: string, base: string): { path: string; query: string } {
  const mark = url.indexOf('?');
  const pathname = mark < 0 ? url : url.slice(0, mark);
  return { path: decodeURIComponent(pathname.slice(base.length + 1)), query: mark < 0 ? '' : url.slice(mark + 1) };
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (!result.success) throw new HttpError(400, describeIssues(result.error));
  return result.data;
}

export function registerSensorThings(app: FastifyInstance, options: RoutesOptions): void {
  const base = options.basePath ?? '/v1.1';
  const { database, hub } = options;
  const context = (request: FastifyRequest): ReadContext => ({ db: database.db, baseUrl: options.publicUrl ?? `${request.protocol}://${request.host}${base}` });

  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith(base) || request.method === 'OPTIONS') return;
    const write = request.method !== 'GET' && request.method !== 'HEAD';
    if ((write || options.readsNeedKey) && !keyMatches(requestKey(request), options.apiKeys)) {
      throw new HttpError(401, write ? 'writes need an API key (X-API-Key or Authorization: Bearer)' : 'this server needs an API key for reads');
    }
  });

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    let status = 500;
    if (error instanceof HttpError) status = error.statusCode;
    else if (error instanceof QueryError || error instanceof BadRequestError) status = 400;
    else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') status = 413;
    else if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) status = error.statusCode;
    if (status === 500) request.log.error(error);
    void reply.status(status).send({ code: status, type: 'error', message: status === 500 ? 'internal error' : error.message });
  });

  const reply201 = (reply: FastifyReply, request: FastifyRequest, set: EntitySetName, id: number) => {
    const entity = readEntity(context(request), set, id, {});
    return reply.status(201).header('Location', entity?.['@iot.selfLink'] as string).send(entity);
  };

  const withTransitions = (set: EntitySetName, value: Record<string, unknown>) => {
    if (set === 'Incidents' && typeof value['@iot.id'] === 'number') value.transitions = database.incidents.transitions(value['@iot.id']);
    return value;
  };

  const serviceRoot = (request: FastifyRequest) => ({
    value: Object.keys(ENTITY_SETS).map((name) => ({ name, url: `${context(request).baseUrl}/${name}` })),
    serverSettings: {
      conformance: [
        'http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel',
        'http://www.opengis.net/spec/iot_sensing/1.1/req/resource-path/resource-path-to-entities',
        'http://www.opengis.net/spec/iot_sensing/1.1/req/request-data',
        'http://www.opengis.net/spec/iot_sensing/1.1/req/create-update-delete/create-entity',
        'http://www.opengis.net/spec/iot_sensing/1.1/req/data-array/data-array',
      ],
      extensions: { Incidents: 'lifeline incidents with their lifecycle (cim-twin)', Stream: 'Server-Sent Events of observations and incidents (cim-twin)' },
    },
  });
  app.get(base, async (request) => serviceRoot(request));

  app.get(`${base}/Stream`, (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    let bbox: [number, number, number, number] | undefined;
    if (query.bbox) {
      const numbers = query.bbox.split(',').map(Number);
      if (numbers.length !== 4 || numbers.some((n) => !Number.isFinite(n))) throw new HttpError(400, 'bbox must be minLon,minLat,maxLon,maxLat');
      bbox = numbers as [number, number, number, number];
    }
    const types = query.types ? new Set(query.types.split(',').map((t) => t.trim()).filter(Boolean)) : undefined;
    const lastEventId = (request.headers['last-event-id'] as string | undefined) ?? query.lastEventId;
    hub.attach(request, reply, { bbox, types }, lastEventId);
  });

  app.get(`${base}/*`, async (request) => {
    const { path, query } = splitUrl(request.url, base);
    if (path === '') return serviceRoot(request);
    const { set, id, navigation } = parseResourcePath(path);
    const options = parseOptions(request.query as Record<string, string | undefined>);
    const ctx = context(request);
    if (id === undefined) {
      const result = readCollection(ctx, ENTITY_SETS[set], options, undefined, undefined, query);
      result.value.forEach((v) => withTransitions(set, v));
      return result;
    }
    if (!navigation) {
      const entity = readEntity(ctx, set, id, options);
      if (!entity) throw new HttpError(404, `${set}(${id}) does not exist`);
      return withTransitions(set, entity);
    }
    const nav = ENTITY_SETS[set].navigation[navigation];
    if (!nav) throw new HttpError(404, `${set} has no navigation property ${navigation}`);
    if (!readEntity(ctx, set, id, { select: ['id'] })) throw new HttpError(404, `${set}(${id}) does not exist`);
    const target = ENTITY_SETS[nav.target];
    if (nav.many) return readCollection(ctx, target, options, { where: nav.where, parameter: id }, `${ctx.baseUrl}/${set}(${id})/${navigation}`, query);
    const row = prepared(database.db, `SELECT id FROM ${target.table} WHERE ${nav.where}`).get(id) as { id: number } | undefined;
    if (!row) throw new HttpError(404, `${set}(${id})/${navigation} does not exist`);
    return readEntity(ctx, nav.target, row.id, options);
  });

  /** Store observations, then send them to the stream (after the commit). */
  const ingest = (observations: NewObservation[]) => {
    const result = database.insertObservations(observations);
    hub.publish(result);
    return result;
  };

  app.post(`${base}/*`, async (request, reply) => {
    const { path } = splitUrl(request.url, base);
    if (path === 'CreateObservations') {
      const groups = parse(createObservationsSchema, request.body);
      const now = Date.now();
      const observations: NewObservation[] = [];
      for (const [g, group] of groups.entries()) {
        if (!group.components.includes('result')) throw new HttpError(400, `${g}.components: must include result`);
        for (let row = 0; row < group.dataArray.length; row++) {
          const observation = readDataArrayRow(group.components, group.dataArray[row], group.Datastream['@iot.id'], now);
          if (typeof observation === 'string') throw new HttpError(400, `${g}.dataArray.${row}: ${observation}`);
          observations.push(observation);
        }
      }
      const result = ingest(observations);
      const { baseUrl } = context(request);
      return reply.status(201).send(result.observations.map((o) => `${baseUrl}/Observations(${o.id})`));
    }
    const incidentAction = /^Incidents\((\d+)\)\/Actions$/.exec(path);
    if (incidentAction) {
      const body = parse(incidentActionSchema, request.body);
      const id = Number(incidentAction[1]);
      const change =
        body.action === 'notify' || body.action === 'arrive' || body.action === 'note'
          ? database.incidents.log(id, body.action, body.by, { unit: 'unit' in body ? body.unit : undefined, note: body.note }, Date.now())
          : database.incidents.act(id, body.action, body.by, body.note, Date.now());
      if (!change) throw new HttpError(404, `Incidents(${incidentAction[1]}) does not exist`);
      if ('error' in change) throw new HttpError(409, change.error);
      hub.publishIncident(change);
      return change.incident;
    }
    const datastreamObservations = /^Datastreams\((\d+)\)\/Observations$/.exec(path);
    if (datastreamObservations || path === 'Observations') {
      const body = parse(observationSchema, request.body);
      const observation = observationOf(body, datastreamObservations ? Number(datastreamObservations[1]) : undefined, Date.now());
      if (typeof observation === 'string') throw new HttpError(400, observation);
      const result = ingest([observation]);
      return reply201(reply, request, 'Observations', result.observations[0]!.id);
    }
    switch (path) {
      case 'Things':
        return reply201(reply, request, 'Things', database.createThing(parse(thingSchema, request.body)));
      case 'Locations':
        return reply201(reply, request, 'Locations', database.createLocation(parse(locationSchema, request.body)));
      case 'Sensors':
        return reply201(reply, request, 'Sensors', database.createSensor(parse(sensorSchema, request.body)));
      case 'ObservedProperties':
        return reply201(reply, request, 'ObservedProperties', database.createObservedProperty(parse(observedPropertySchema, request.body)));
      case 'Datastreams': {
        const body = parse(datastreamSchema, request.body);
        return reply201(reply, request, 'Datastreams', database.createDatastream(body.Thing['@iot.id'], body));
      }
      default:
        throw new HttpError(path.startsWith('Incidents') ? 405 : 404, `cannot POST to ${path}`);
    }
  });
}
