/**
 * The viewer's start-up read of every sensor, and the route by which a live stream's client
 * names its view (our extensions to SensorThings; the standard routes stay as they are):
 *
 *   GET  /v1.1/SensorIndex    every datastream with a location: id, Thing, asset, observed
 *                             property, unit, place and latest reading, in the columnar form of
 *                             src/domain/monitoring/compact-sensors.ts; gzip when accepted
 *   POST /v1.1/Stream/View    {stream, bbox?, watch?}: from now on the stream `stream` (the id
 *                             its hello event gave) carries values only inside bbox and for the
 *                             watched datastreams, and states everywhere (stream.ts)
 *
 * The view route is not a data route: the stream's id, known only to whoever holds the stream,
 * is what it checks (reading the stream passed the access rules already).
 */
import type { FastifyInstance } from 'fastify';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { z } from 'zod';
import { DATA_ROUTE } from '../access.ts';
import { encodeCompactSensors, type CompactSensor } from '../../domain/monitoring/compact-sensors.ts';
import { evaluateThreshold } from '../../domain/monitoring/thresholds.ts';
import type { SensorState } from '../../domain/monitoring/warning.ts';
import type { Database } from 'better-sqlite3';
import type { MonitoringDatabase, WriteResult } from './database.ts';
import { prepared } from './statements.ts';
import type { StreamHub } from './stream.ts';
import type { MonitoringStore } from './store.ts';
import type { ThresholdRule } from '../../domain/monitoring/thresholds.ts';

const gzipAsync = promisify(gzip);

/** Every located datastream with its latest reading (by phenomenon time), by datastream id; the columns in LatestRow's order. */
const LATEST_SQL = `
  SELECT d.id AS datastreamId, d.thing_id AS thingId, d.name AS name, json_extract(d.unit, '$.symbol') AS unitSymbol,
         json_extract(t.properties, '$.assetId') AS assetId, json_extract(t.properties, '$.assetKind') AS assetKind,
         p.name AS observedProperty, l.lon AS lon, l.lat AS lat, o.result AS result, o.phenomenon_time AS timeMs
  FROM datastreams d JOIN things t ON t.id = d.thing_id JOIN observed_properties p ON p.id = d.observed_property_id
  JOIN locations l ON l.id = (SELECT location_id FROM thing_locations WHERE thing_id = t.id ORDER BY location_id DESC LIMIT 1)
  LEFT JOIN observations o ON o.id = (SELECT id FROM observations WHERE datastream_id = d.id ORDER BY phenomenon_time DESC, id DESC LIMIT 1)
  WHERE l.lon IS NOT NULL AND l.lat IS NOT NULL
  ORDER BY d.id`;

/**
 * A row of LATEST_SQL (and of the PostgreSQL store's read), in this column order: read as an array,
 * not an object per row (85,000 sensors on SQLite: 659 ms for the rows as objects, 382 ms as arrays, on a busy machine).
 */
export type LatestRow = [
  datastreamId: number, thingId: number, name: string, unitSymbol: unknown, assetId: unknown, assetKind: unknown,
  observedProperty: string, lon: number, lat: number, result: unknown, timeMs: number | null,
];

const textOf = (value: unknown): string | undefined => (value === null || value === undefined ? undefined : String(value));

/** Every located sensor with its latest reading and that reading's state under the server's rules (SQLite). */
export function latestSensorsOf(database: MonitoringDatabase): CompactSensor[] {
  return compactSensorsOf(prepared(database.db, LATEST_SQL).raw(true).all() as LatestRow[], (p) => database.incidents.ruleFor(p));
}

/** The signature of the SQLite tables the sensor index depends on. */
export function sqliteSensorSignature(db: Database): string {
  const row = prepared(db, 'SELECT (SELECT max(id) FROM datastreams) AS d, (SELECT max(rowid) FROM thing_locations) AS l, (SELECT max(id) FROM locations) AS p').get() as { d: number | null; l: number | null; p: number | null };
  return `${row.d}.${row.l}.${row.p}`;
}

/** Rows of the latest readings as compact sensors, each with its state under the rules. */
export function compactSensorsOf(rows: readonly LatestRow[], ruleFor: (observedProperty: string) => ThresholdRule | undefined): CompactSensor[] {
  const sensors = new Array<CompactSensor>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const [datastreamId, thingId, name, unitSymbol, assetIdValue, assetKindValue, observedProperty, lon, lat, result, timeMs] = rows[i]!;
    const value = typeof result === 'number' ? result : undefined;
    const rule = ruleFor(observedProperty);
    const state: SensorState = rule && value !== undefined ? evaluateThreshold(rule, value) : 'normal';
    const assetId = textOf(assetIdValue);
    const assetKind = textOf(assetKindValue);
    // The keys in one order (optional ones left out, not undefined), as the answer's JSON has them.
    const sensor = { datastreamId, thingId, name } as CompactSensor;
    if (assetId) sensor.assetId = assetId;
    if (assetKind) sensor.assetKind = assetKind;
    sensor.observedProperty = observedProperty;
    sensor.unitSymbol = textOf(unitSymbol) ?? '';
    sensor.lonDegrees = lon;
    sensor.latDegrees = lat;
    if (value !== undefined) sensor.value = value;
    if (timeMs !== null) sensor.timeMs = timeMs;
    sensor.state = state;
    sensors[i] = sensor;
  }
  return sensors;
}

/**
 * Every sensor's latest reading, in memory: read from the database once, then kept up to date by
 * each committed write the stream hub publishes (the same moment the stream sends it, so the
 * index and a stream opened before it was read never leave a gap). Read again from the database
 * when datastreams or Thing locations were added, or after `maximumAgeMilliseconds`.
 */
export class SensorIndex {
  private sensors = new Map<number, CompactSensor>();
  private ordered: CompactSensor[] = [];
  private signature = '';
  private readAtMs = 0;
  private stale = true;
  private reading: Promise<CompactSensor[]> | undefined;
  private readonly stop: () => void;

  constructor(private readonly store: MonitoringStore, hub: StreamHub, private readonly maximumAgeMilliseconds = 300_000) {
    this.stop = hub.onPublish((result) => {
      for (const buffer of this.buffers) buffer.push(result);
      if (result.observations.some((o) => !this.sensors.has(o.datastreamId))) this.stale = true;
      this.apply(result);
    });
  }

  /** What the index holds now, without reading (empty before the first read). */
  current(): CompactSensor[] {
    return this.ordered;
  }

  /** Every located sensor, by datastream id. */
  async all(): Promise<CompactSensor[]> {
    const signature = await this.store.sensorSignature();
    if (this.stale || signature !== this.signature || Date.now() - this.readAtMs > this.maximumAgeMilliseconds) {
      // One read at a time; the writes published while it runs are applied after (newer times win).
      this.reading ??= this.store.latestSensors().finally(() => (this.reading = undefined));
      const published: WriteResult[] = [];
      const stopBuffering = this.hubBuffer(published);
      try {
        this.ordered = await this.reading;
      } finally {
        stopBuffering();
      }
      this.sensors = new Map(this.ordered.map((s) => [s.datastreamId, s]));
      for (const result of published) this.apply(result);
      this.signature = signature;
      this.readAtMs = Date.now();
      this.stale = false;
    }
    return this.ordered;
  }

  private buffers = new Set<WriteResult[]>();
  private hubBuffer(into: WriteResult[]): () => void {
    this.buffers.add(into);
    return () => this.buffers.delete(into);
  }

  private apply(result: WriteResult): void {
    for (const o of result.observations) {
      const sensor = this.sensors.get(o.datastreamId);
      if (!sensor || (sensor.timeMs !== undefined && o.phenomenonTimeMs < sensor.timeMs)) continue;
      if (typeof o.result === 'number') sensor.value = o.result;
      else delete sensor.value;
      sensor.timeMs = o.phenomenonTimeMs;
      sensor.state = o.state;
    }
  }

  close(): void {
    this.stop();
  }
}

const viewSchema = z
  .object({
    stream: z.string().min(1).max(100),
    /** [minLon, minLat, maxLon, maxLat] degrees; none: values for the watched datastreams only. */
    bbox: z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90), z.number().min(-180).max(180), z.number().min(-90).max(90)]).optional(),
    watch: z.array(z.number().int().positive()).max(1000).optional(),
  })
  .strict();

export interface CompactOptions {
  store: MonitoringStore;
  hub: StreamHub;
  basePath?: string;
}

export function registerCompactSensors(app: FastifyInstance, options: CompactOptions): void {
  const base = options.basePath ?? '/v1.1';
  const index = new SensorIndex(options.store, options.hub);
  options.hub.setStateSource(() => index.all());
  app.addHook('onClose', async () => index.close());
  app.get(`${base}/SensorIndex`, DATA_ROUTE, async (request, reply) => {
    const asOfMs = Date.now();
    const body = Buffer.from(JSON.stringify(encodeCompactSensors(await index.all(), asOfMs)));
    void reply.header('Content-Type', 'application/json; charset=utf-8').header('Cache-Control', 'no-store').header('Vary', 'Accept-Encoding');
    const accepted = request.headers['accept-encoding'];
    if (typeof accepted === 'string' && /\bgzip\b/.test(accepted)) return reply.header('Content-Encoding', 'gzip').send(await gzipAsync(body, { level: 6 }));
    return reply.send(body);
  });
  app.post(`${base}/Stream/View`, { bodyLimit: 64 * 1024 }, async (request, reply) => {
    const parsed = viewSchema.safeParse(request.body);
    if (!parsed.success) return reply.status(400).send({ code: 400, type: 'error', message: `view: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}` });
    const { stream, bbox, watch } = parsed.data;
    if (bbox && (bbox[0] > bbox[2] || bbox[1] > bbox[3])) return reply.status(400).send({ code: 400, type: 'error', message: 'view: bbox must be minLon,minLat,maxLon,maxLat' });
    if (!options.hub.setView(stream, { bbox, watch: new Set(watch ?? []) })) return reply.status(404).send({ code: 404, type: 'error', message: `view: no stream ${stream} is connected` });
    return reply.status(204).send();
  });
}
