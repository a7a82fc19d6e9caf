/**
 * The monitoring server's storage on SQLite (better-sqlite3): WAL, prepared statements,
 * migrations, and every write in one transaction. In WAL mode a committed transaction survives
 * the process being killed (synchronous=NORMAL); `durability: 'full'` also survives power loss.
 */
import Database, { type Database as SqliteDatabase, type Statement } from 'better-sqlite3';
import { migrate } from './schema.ts';
import { prepared } from './statements.ts';
import type { DatastreamPayload, LocationPayload, ThingPayload } from './payloads.ts';
import { IncidentEngine, type IncidentChange, type IncidentChangeRef } from './incident-engine.ts';
import type { ThresholdRule } from '../../domain/monitoring/thresholds.ts';
import type { StreamObservation } from '../../domain/monitoring/api.ts';

export class NotFoundError extends Error {}
export class BadRequestError extends Error {}

export interface DatabaseOptions {
  /** File path, or ":memory:". */
  path: string;
  /** "normal" survives a killed process; "full" survives power loss too. Default "normal". */
  durability?: 'normal' | 'full';
  rules: ThresholdRule[];
}

/** What the stream needs to know of a datastream, cached. */
export interface DatastreamInfo {
  id: number;
  thingId: number;
  assetId?: string;
  assetKind?: string;
  observedProperty: string;
  lonDegrees?: number;
  latDegrees?: number;
}

export interface NewObservation {
  datastreamId: number;
  phenomenonTimeMs: number;
  resultTimeMs: number | null;
  result: unknown;
  parameters?: Record<string, unknown>;
}

/** An observation as stored, joined with its datastream: the stream's form with the time in epoch ms. */
export type StoredObservation = Omit<StreamObservation, 'phenomenonTime'> & {
  /** Epoch ms; the stream formats it (only when someone listens). */
  phenomenonTimeMs: number;
};

export interface WriteResult {
  observations: StoredObservation[];
  incidents: IncidentChange[];
}

function storedResult(result: unknown): unknown {
  if (typeof result === 'number' || typeof result === 'string') return typeof result === 'string' && result.startsWith('json:') ? `json:${JSON.stringify(result)}` : result;
  return `json:${JSON.stringify(result)}`;
}

export class MonitoringDatabase {
  readonly db: SqliteDatabase;
  readonly incidents: IncidentEngine;
  private readonly datastreamCache = new Map<number, DatastreamInfo>();
  private readonly statements: {
    insertObservation: Statement;
    datastreamInfo: Statement;
    insertThing: Statement;
    insertLocation: Statement;
    linkLocation: Statement;
    insertSensor: Statement;
    insertObservedProperty: Statement;
    insertDatastream: Statement;
  };

  constructor(options: DatabaseOptions) {
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.durability === 'full' ? 'FULL' : 'NORMAL'}`);
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db);
    this.statements = {
      insertObservation: this.db.prepare('INSERT INTO observations (datastream_id, phenomenon_time, result_time, result, parameters) VALUES (?, ?, ?, ?, ?)'),
      datastreamInfo: this.db.prepare(`
        SELECT d.id, d.thing_id AS thingId, json_extract(t.properties, '$.assetId') AS assetId, json_extract(t.properties, '$.assetKind') AS assetKind,
               o.name AS observedProperty, l.lon AS lonDegrees, l.lat AS latDegrees
        FROM datastreams d JOIN things t ON t.id = d.thing_id JOIN observed_properties o ON o.id = d.observed_property_id
        LEFT JOIN locations l ON l.id = (SELECT location_id FROM thing_locations WHERE thing_id = t.id ORDER BY location_id DESC LIMIT 1)
        WHERE d.id = ?`),
      insertThing: this.db.prepare('INSERT INTO things (name, description, properties) VALUES (?, ?, ?)'),
      insertLocation: this.db.prepare('INSERT INTO locations (name, description, encoding_type, location, lon, lat, properties) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      linkLocation: this.db.prepare('INSERT OR IGNORE INTO thing_locations (thing_id, location_id) VALUES (?, ?)'),
      insertSensor: this.db.prepare('INSERT INTO sensors (name, description, encoding_type, metadata, properties) VALUES (?, ?, ?, ?, ?)'),
      insertObservedProperty: this.db.prepare('INSERT INTO observed_properties (name, definition, description, properties) VALUES (?, ?, ?, ?)'),
      insertDatastream: this.db.prepare('INSERT INTO datastreams (name, description, observation_type, unit, properties, thing_id, sensor_id, observed_property_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
    };
    this.incidents = new IncidentEngine(this.db, options.rules);
  }

  /** Datastream facts for thresholds and the stream; undefined for an unknown id. */
  datastream(id: number): DatastreamInfo | undefined {
    let info = this.datastreamCache.get(id);
    if (!info) {
      const row = this.statements.datastreamInfo.get(id) as (DatastreamInfo & { assetId: string | null; assetKind: string | null; lonDegrees: number | null; latDegrees: number | null }) | undefined;
      if (!row) return undefined;
      info = { id: row.id, thingId: row.thingId, observedProperty: row.observedProperty, assetId: row.assetId ?? undefined, assetKind: row.assetKind ?? undefined, lonDegrees: row.lonDegrees ?? undefined, latDegrees: row.latDegrees ?? undefined };
      this.datastreamCache.set(id, info);
    }
    return info;
  }

  private requireExisting(table: string, id: number, what: string): void {
    if (!prepared(this.db, `SELECT 1 FROM ${table} WHERE id = ?`).get(id)) throw new BadRequestError(`${what} ${id} does not exist`);
  }

  private insertLocation(location: LocationPayload): number {
    const point = location.location.type === 'Feature' ? location.location.geometry : location.location;
    const [lon, lat] = point.coordinates;
    return Number(this.statements.insertLocation.run(location.name, location.description, location.encodingType, JSON.stringify(location.location), lon, lat, location.properties ? JSON.stringify(location.properties) : null).lastInsertRowid);
  }

  private insertDatastream(thingId: number, d: DatastreamPayload): number {
    const sensorId = '@iot.id' in d.Sensor ? (this.requireExisting('sensors', d.Sensor['@iot.id'], 'Sensor'), d.Sensor['@iot.id']) : this.createSensorRow(d.Sensor);
    const propertyId = '@iot.id' in d.ObservedProperty
      ? (this.requireExisting('observed_properties', d.ObservedProperty['@iot.id'], 'ObservedProperty'), d.ObservedProperty['@iot.id'])
      : this.createObservedPropertyRow(d.ObservedProperty);
    return Number(this.statements.insertDatastream.run(d.name, d.description, d.observationType, JSON.stringify(d.unitOfMeasurement), d.properties ? JSON.stringify(d.properties) : null, thingId, sensorId, propertyId).lastInsertRowid);
  }

  private createSensorRow(s: { name: string; description: string; encodingType: string; metadata: string; properties?: Record<string, unknown> }): number {
    return Number(this.statements.insertSensor.run(s.name, s.description, s.encodingType, s.metadata, s.properties ? JSON.stringify(s.properties) : null).lastInsertRowid);
  }

  private createObservedPropertyRow(p: { name: string; definition: string; description: string; properties?: Record<string, unknown> }): number {
    return Number(this.statements.insertObservedProperty.run(p.name, p.definition, p.description, p.properties ? JSON.stringify(p.properties) : null).lastInsertRowid);
  }

  /** A Thing with its Locations and Datastreams (deep insert), all or nothing. */
  createThing(thing: ThingPayload): number {
    return this.db.transaction(() => {
      const id = Number(this.statements.insertThing.run(thing.name, thing.description, thing.properties ? JSON.stringify(thing.properties) : null).lastInsertRowid);
      for (const location of thing.Locations ?? []) {
        const locationId = '@iot.id' in location ? (this.requireExisting('locations', location['@iot.id'], 'Location'), location['@iot.id']) : this.insertLocation(location);
        this.statements.linkLocation.run(id, locationId);
      }
      for (const datastream of thing.Datastreams ?? []) this.insertDatastream(id, datastream);
      this.datastreamCache.clear();
      return id;
    })();
  }

  createLocation(location: LocationPayload): number {
    return this.db.transaction(() => this.insertLocation(location))();
  }

  createSensor(sensor: Parameters<MonitoringDatabase['createSensorRow']>[0]): number {
    return this.createSensorRow(sensor);
  }

  createObservedProperty(property: Parameters<MonitoringDatabase['createObservedPropertyRow']>[0]): number {
    return this.createObservedPropertyRow(property);
  }

  createDatastream(thingId: number, datastream: DatastreamPayload): number {
    return this.db.transaction(() => {
      this.requireExisting('things', thingId, 'Thing');
      const id = this.insertDatastream(thingId, datastream);
      this.datastreamCache.clear();
      return id;
    })();
  }

  /**
   * Store observations, evaluate their thresholds and update incidents, in one transaction:
   * either every observation is stored or none is.
   */
  insertObservations(observations: NewObservation[]): WriteResult {
    return this.db.transaction(() => {
      const stored: StoredObservation[] = [];
      const changes = new Map<number, IncidentChangeRef>();
      for (const o of observations) {
        const info = this.datastream(o.datastreamId);
        if (!info) throw new BadRequestError(`Datastream ${o.datastreamId} does not exist`);
        const id = Number(this.statements.insertObservation.run(o.datastreamId, o.phenomenonTimeMs, o.resultTimeMs, storedResult(o.result), o.parameters ? JSON.stringify(o.parameters) : null).lastInsertRowid);
        const value = typeof o.result === 'number' ? o.result : Number.NaN;
        const { state, change } = this.incidents.observe(info, id, value, o.phenomenonTimeMs);
        if (change) changes.set(change.incidentId, change);
        stored.push({ id, datastreamId: o.datastreamId, thingId: info.thingId, assetId: info.assetId, observedProperty: info.observedProperty, lonDegrees: info.lonDegrees, latDegrees: info.latDegrees, result: o.result, phenomenonTimeMs: o.phenomenonTimeMs, state });
      }
      // Each changed incident's JSON once, as it stands at the end of the write.
      const incidents = [...changes.values()].map((c): IncidentChange => ({ ...c, incident: this.incidents.json(c.incidentId)! }));
      return { observations: stored, incidents };
    })();
  }

  count(table: 'observations' | 'things' | 'datastreams' | 'incidents' | 'incident_events' | 'locations'): number {
    return (this.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  }

  /** Observations after an id, for a resuming stream client, oldest first. */
  observationsAfter(afterId: number, limit: number): StoredObservation[] {
    const rows = prepared(this.db, 'SELECT id, datastream_id, phenomenon_time, result FROM observations WHERE id > ? ORDER BY id LIMIT ?').all(afterId, limit) as { id: number; datastream_id: number; phenomenon_time: number; result: unknown }[];
    return rows.map((r) => {
      const info = this.datastream(r.datastream_id)!;
      const result = typeof r.result === 'string' && r.result.startsWith('json:') ? JSON.parse(r.result.slice(5)) as unknown : r.result;
      return { id: r.id, datastreamId: r.datastream_id, thingId: info.thingId, assetId: info.assetId, observedProperty: info.observedProperty, lonDegrees: info.lonDegrees, latDegrees: info.latDegrees, result, phenomenonTimeMs: r.phenomenon_time, state: this.incidents.stateOf(info, typeof result === 'number' ? result : Number.NaN) };
    });
  }

  /**
   * Delete observations older than a time, in chunks so writers are not held up; the ones that
   * triggered an incident are kept with it. Returns how many were deleted.
   */
  pruneObservations(beforeMs: number, chunk = 20_000): number {
    const statement = this.db.prepare('DELETE FROM observations WHERE id IN (SELECT id FROM observations WHERE phenomenon_time < ? AND id NOT IN (SELECT observation_id FROM incident_observations) LIMIT ?)');
    let total = 0;
    for (;;) {
      const deleted = statement.run(beforeMs, chunk).changes;
      total += deleted;
      if (deleted < chunk) return total;
    }
  }

  /** The id of the observation `offset` places after an id (0: the next one), or undefined: how far behind a cursor is, in one bounded index read. */
  observationIdAfter(afterId: number, offset: number): number | undefined {
    return (prepared(this.db, 'SELECT id FROM observations WHERE id > ? ORDER BY id LIMIT 1 OFFSET ?').get(afterId, offset) as { id: number } | undefined)?.id;
  }

  lastObservationId(): number {
    return (this.db.prepare('SELECT coalesce(max(id), 0) AS n FROM observations').get() as { n: number }).n;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
