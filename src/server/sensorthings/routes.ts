/**
 * The SensorThings API 1.1 HTTP binding (JSON) under a base path, plus two documented extensions:
 * `Incidents` (lifeline incidents with their lifecycle) and `Stream` (Server-Sent Events).
 *
 *   GET  /v1.1                                    service root
 *   GET  /v1.1/{Set}[(id)[/{Navigation}]]         $top $skip $count $orderby $filter $select $expand
 *   POST /v1.1/{Things|Locations|Sensors|ObservedProperties|Datastreams|Observations}
 *   POST /v1.1/Datastreams(id)/Observations
 *   POST /v1.1/{FeaturesOfInterest|HistoricalLocations}
 *   PATCH, DELETE /v1.1/{Set}(id)                 §10.3, §10.4 (DELETE with the standard's cascade)
 *   POST /v1.1/CreateObservations                 data arrays (§14.4): each row its selfLink or "error"
 *   POST /v1.1/Incidents(id)/Actions              {"action": "acknowledge", "by": "张工"}; the emergency log:
 *                                                 {"action": "notify"|"arrive", "unit": "gas-company", "by": …},
 *                                                 {"action": "note", "note": "…", "by": …}
 *   GET  /v1.1/Stream?bbox=&types=                Server-Sent Events, resumable with Last-Event-ID
 *
 * Writes need an API key (`X-API-Key` or `Authorization: Bearer`); reads too when configured
 * (access.ts decides, on the route the router matched). GETs run in the read workers within
 * their budget (read-pool.ts); their options are bounded before (odata.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { BadRequestError, type NewObservation, type WriteResult } from './database.ts';
import { StoreUnavailableError, type MonitoringStore } from './store.ts';
import { STANDARD_ENTITY_SETS, type EntitySetName } from './entities.ts';
import { parseOptions, queryParameters, QueryError } from './odata.ts';
import { createObservationsSchema, observationOf, readDataArrayRow, datastreamSchema, describeIssues, featureOfInterestSchema, historicalLocationSchema, incidentActionSchema, isPatchSetName, locationSchema, observationSchema, observedPropertySchema, patchSchemas, sensorSchema, thingSchema, type TimeRules } from './payloads.ts';
import { instantMilliseconds } from '../instants.ts';
import { idFromText, stringify, type Id } from './ids.ts';
import { sendReadAnswer, type ReadExecutor } from './read-pool.ts';
import type { StreamHub } from './stream.ts';
import { DATA_ROUTE, hasValidKey } from '../access.ts';

export { hasValidKey };

export interface RoutesOptions {
  store: MonitoringStore;
  hub: StreamHub;
  /** Where GETs run (worker threads, or in-process for ":memory:"). */
  reads: ReadExecutor;
  /** Base path. Default "/v1.1". */
  basePath?: string;
  /** Public URL of the base path for links, when behind a proxy. Default: from the request. */
  publicUrl?: string;
  /** How far ahead of the server's clock an observation's time may be. Default 10 min. */
  maximumFutureSkewMilliseconds?: number;
}

class HttpError extends Error {
  constructor(readonly statusCode: number, message: string) {
    super(message);
  }
}

/** The query string of a request URL (without "?"). */
function rawQueryOf(url: string): string {
  const mark = url.indexOf('?');
  return mark < 0 ? '' : url.slice(mark + 1);
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (!result.success) throw new HttpError(400, describeIssues(result.error));
  return result.data;
}

export function registerSensorThings(app: FastifyInstance, options: RoutesOptions): void {
  const base = options.basePath ?? '/v1.1';
  const { store, hub, reads } = options;
  const baseUrlOf = (request: FastifyRequest) => options.publicUrl ?? `${request.protocol}://${request.host}${base}`;
  const timeRules = (): TimeRules => ({ now: Date.now(), maximumFutureSkewMilliseconds: options.maximumFutureSkewMilliseconds });

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    let status = 500;
    if (error instanceof HttpError) status = error.statusCode;
    else if (error instanceof StoreUnavailableError) status = 503;
    else if (error instanceof QueryError || error instanceof BadRequestError) status = 400;
    else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') status = 413;
    else if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) status = error.statusCode;
    if (status === 500) request.log.error(error);
    if (status === 503) void reply.header('Retry-After', '5');
    void reply.status(status).send({ code: status, type: 'error', message: status === 500 ? 'internal error' : error.message });
  });

  const reply201 = async (reply: FastifyReply, request: FastifyRequest, set: EntitySetName, id: Id) => {
    // Stored: a 201 whatever happens next. Should the read-back fail (the database gone away, the
    // read pool failing), the answer is its id and link alone, never a 503 or 500 that would say it
    // was not stored and have the client create it again (as PATCH answers 204 then).
    const selfLink = `${baseUrlOf(request)}/${set}(${String(id)})`;
    const entity = await store.readEntity(set, id, baseUrlOf(request)).catch((error: unknown) => {
      request.log.warn(`${set}(${String(id)}) stored, but not read back: ${error instanceof Error ? error.message : String(error)}`);
      return { '@iot.id': id, '@iot.selfLink': selfLink };
    });
    // stringify: ids past 2^53 keep their digits.
    return reply.status(201).header('Location', entity?.['@iot.selfLink'] as string).type('application/json; charset=utf-8').send(stringify(entity));
  };

  const serviceRoot = (request: FastifyRequest) => ({
    // The standard's entity sets only: the extensions (Incidents, Stream) are named under serverSettings.
    value: STANDARD_ENTITY_SETS.map((name) => ({ name, url: `${baseUrlOf(request)}/${name}` })),
    serverSettings: {
      conformance: [
        'http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel',
        'http://www.opengis.net/spec/iot_sensing/1.1/req/resource-path/resource-path-to-entities',
        'http://www.opengis.net/spec/iot_sensing/1.1/req/request-data',
        'http://www.opengis.net/spec/iot_sensing/1.1/req/create-update-delete',
        'http://www.opengis.net/spec/iot_sensing/1.1/req/data-array/data-array',
      ],
      extensions: {
        Incidents: { description: 'lifeline incidents with their lifecycle (cim-twin)', url: `${baseUrlOf(request)}/Incidents` },
        Stream: { description: 'Server-Sent Events of observations and incidents (cim-twin)', url: `${baseUrlOf(request)}/Stream` },
      },
    },
  });
  app.get(base, DATA_ROUTE, async (request) => serviceRoot(request));

  app.get(`${base}/Stream`, DATA_ROUTE, (request, reply) => {
    const query = new Map(queryParameters(rawQueryOf(request.url)));
    let bbox: [number, number, number, number] | undefined;
    const bboxText = query.get('bbox');
    if (bboxText) {
      const numbers = bboxText.split(',').map(Number);
      if (numbers.length !== 4 || numbers.some((n) => !Number.isFinite(n))) throw new HttpError(400, 'bbox must be minLon,minLat,maxLon,maxLat');
      bbox = numbers as [number, number, number, number];
    }
    const typesText = query.get('types');
    const types = typesText ? new Set(typesText.split(',').map((t) => t.trim()).filter(Boolean).slice(0, 100)) : undefined;
    const header = request.headers['last-event-id'];
    const lastEventId = (typeof header === 'string' ? header : undefined) ?? query.get('lastEventId');
    hub.attach(request, reply, { bbox, types }, lastEventId, baseUrlOf(request));
  });

  app.get(`${base}/*`, DATA_ROUTE, async (request, reply) => {
    // The path as the router decoded it: the same one the access check saw.
    const path = (request.params as { '*': string })['*'];
    if (path === '') return serviceRoot(request);
    const rawQuery = rawQueryOf(request.url);
    const parsed = parseOptions(queryParameters(rawQuery));
    const answer = await reads.read({ api: 'sensorthings', request: { path, options: parsed, rawQuery, baseUrl: baseUrlOf(request) } });
    return sendReadAnswer(reply, answer);
  });

  // The store sends every committed write to the stream (in commit order): a deep insert's observations too.
  const created = (reply: FastifyReply, request: FastifyRequest, set: EntitySetName, outcome: { id: Id; written: WriteResult }) => reply201(reply, request, set, outcome.id);

  app.post(`${base}/*`, DATA_ROUTE, async (request, reply) => {
    const path = (request.params as { '*': string })['*'];
    if (path === 'CreateObservations') {
      // A malformed body is a 400; a bad row is answered in its place (§14.4: "error"), the others are stored.
      const groups = parse(createObservationsSchema, request.body);
      const rules = timeRules();
      const rows: (NewObservation | string)[] = [];
      for (const [g, group] of groups.entries()) {
        if (!group.components.includes('result')) throw new HttpError(400, `${g}.components: must include result`);
        for (let row = 0; row < group.dataArray.length; row++) rows.push(readDataArrayRow(group.components, group.dataArray[row], group.Datastream['@iot.id'], rules));
      }
      const { outcomes } = await store.insertObservationRows(rows);
      const baseUrl = baseUrlOf(request);
      const failures = outcomes.filter((o) => 'error' in o).length;
      if (failures) request.log.info(`CreateObservations: ${failures} of ${outcomes.length} rows refused, first: ${(outcomes.find((o) => 'error' in o) as { error: string }).error}`);
      return reply.status(201).send(outcomes.map((o) => ('id' in o ? `${baseUrl}/Observations(${o.id})` : 'error')));
    }
    const incidentAction = /^Incidents\((\d{1,15})\)\/Actions$/.exec(path);
    if (incidentAction) {
      const body = parse(incidentActionSchema, request.body);
      const id = Number(incidentAction[1]);
      const change =
        body.action === 'notify' || body.action === 'arrive' || body.action === 'note'
          ? await store.incidentLog(id, body.action, body.by, { unit: 'unit' in body ? body.unit : undefined, note: body.note }, Date.now())
          : await store.incidentAct(id, body.action, body.by, body.note, Date.now());
      if (!change) throw new HttpError(404, `Incidents(${incidentAction[1]}) does not exist`);
      if ('error' in change) throw new HttpError(409, change.error);
      return change.incident;
    }
    const datastreamObservations = /^Datastreams\((\d{1,15})\)\/Observations$/.exec(path);
    if (datastreamObservations || path === 'Observations') {
      const body = parse(observationSchema, request.body);
      const observation = observationOf(body, datastreamObservations ? Number(datastreamObservations[1]) : undefined, timeRules());
      if (typeof observation === 'string') throw new HttpError(400, observation);
      const result = await store.insertObservations([observation]);
      return reply201(reply, request, 'Observations', result.observations[0]!.id);
    }
    switch (path) {
      case 'Things':
        return created(reply, request, 'Things', await store.createThing(parse(thingSchema, request.body)));
      case 'Locations':
        return reply201(reply, request, 'Locations', await store.createLocation(parse(locationSchema, request.body)));
      case 'Sensors':
        return reply201(reply, request, 'Sensors', await store.createSensor(parse(sensorSchema, request.body)));
      case 'ObservedProperties':
        return reply201(reply, request, 'ObservedProperties', await store.createObservedProperty(parse(observedPropertySchema, request.body)));
      case 'Datastreams': {
        const body = parse(datastreamSchema, request.body);
        return created(reply, request, 'Datastreams', await store.createDatastream(body.Thing['@iot.id'], body));
      }
      case 'FeaturesOfInterest':
        return reply201(reply, request, 'FeaturesOfInterest', await store.createFeatureOfInterest(parse(featureOfInterestSchema, request.body)));
      case 'HistoricalLocations': {
        const body = parse(historicalLocationSchema, request.body);
        return reply201(reply, request, 'HistoricalLocations', await store.createHistoricalLocation(body, instantMilliseconds(body.time)!));
      }
      default:
        throw new HttpError(path.startsWith('Incidents') ? 405 : 404, `cannot POST to ${path.slice(0, 200)}`);
    }
  });

  /** `Things(12)` → the set and id of an entity that PATCH and DELETE may reach. */
  const entityOf = (request: FastifyRequest, verb: string) => {
    const path = (request.params as { '*': string })['*'];
    const match = /^([A-Za-z]+)\((\d{1,19})\)$/.exec(path);
    const id = match ? idFromText(match[2]!) : undefined;
    if (match && id === undefined) throw new HttpError(404, `${path.slice(0, 200)} does not exist`);
    if (match && isPatchSetName(match[1]!)) return { set: match[1], id: id! };
    if (match?.[1] === 'Incidents') throw new HttpError(405, `cannot ${verb} ${path.slice(0, 200)}: incidents change through their Actions`);
    throw new HttpError(404, `cannot ${verb} ${path.slice(0, 200)}`);
  };

  app.patch(`${base}/*`, DATA_ROUTE, async (request, reply) => {
    const { set, id } = entityOf(request, 'PATCH');
    const body = parse(patchSchemas[set] as z.ZodType<Record<string, unknown>>, request.body);
    if ('phenomenonTime' in body || 'resultTime' in body) {
      // The same bound on future times as a create.
      const observation = observationOf({ result: 0, ...body } as Parameters<typeof observationOf>[0], 0, timeRules());
      if (typeof observation === 'string') throw new HttpError(400, observation);
    }
    if (!(await store.update(set, id, body as never))) throw new HttpError(404, `${set}(${id}) does not exist`);
    // Stored: a success whatever happens next. Should the entity not be read back (the database
    // gone just after the COMMIT, the read pool failing, the entity deleted meanwhile), the answer
    // is 204 No Content, which §10.3.2 allows ("200 OK or 204 No Content"), never an error that
    // would make the client send a stored change again (not idempotent: a Location link adds a
    // HistoricalLocation).
    const entity = await store.readEntity(set, id, baseUrlOf(request)).catch((error: unknown) => {
      if (error instanceof StoreUnavailableError) request.log.warn(`PATCH ${set}(${id}) stored, read-back failed: ${error.message}`);
      else request.log.error(error, `PATCH ${set}(${id}) stored, read-back failed`);
      return undefined;
    });
    if (!entity) return reply.status(204).send();
    return reply.status(200).type('application/json; charset=utf-8').send(stringify(entity));
  });

  app.delete(`${base}/*`, DATA_ROUTE, async (request, reply) => {
    const { set, id } = entityOf(request, 'DELETE');
    if (!(await store.delete(set, id))) throw new HttpError(404, `${set}(${id}) does not exist`);
    return reply.status(200).send();
  });
}
