/**
 * The monitoring server's storage on SQLite (better-sqlite3): WAL, prepared statements,
 * migrations, and every write in one transaction. In WAL mode a committed transaction survives
 * the process being killed (synchronous=NORMAL); `durability: 'full'` also survives power loss.
 */
import Database, { type Database as SqliteDatabase, type Statement } from 'better-sqlite3';
import { migrate } from './schema.ts';
import { instantMilliseconds } from '../instants.ts';
import { idOf, insertedId, type Id } from './ids.ts';
import { prepared } from './statements.ts';
import { observationOf, pointOf, timeValue, type DatastreamPayload, type FeatureOfInterestPayload, type HistoricalLocationPayload, type LocationPayload, type PatchPayload, type PatchSetName, type ThingPayload } from './payloads.ts';
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
  /** How far ahead of the server's clock an observation of a deep insert may be. Default 10 min. */
  maximumFutureSkewMilliseconds?: number;
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
  /** The Thing's newest Location: where an observation's FeatureOfInterest comes from when it names none. */
  locationId?: number;
  /** That Location's FeatureOfInterest, once known (the cache is dropped on every change and rollback). */
  featureOfInterestId?: Id;
  /** FeaturesOfInterest known to be in `datastream_features` with this datastream (schema.ts, migration 4). */
  linkedFeatures?: Set<Id>;
}

export interface NewObservation {
  datastreamId: number;
  phenomenonTimeMs: number;
  /** The end of a phenomenon-time interval; null or absent for an instant. */
  phenomenonTimeEndMs?: number | null;
  resultTimeMs: number | null;
  result: unknown;
  parameters?: Record<string, unknown>;
  /** An existing FeatureOfInterest; or one to create (`featureOfInterest`); neither: the one of the Thing's Location. */
  featureOfInterestId?: Id;
  featureOfInterest?: FeatureOfInterestPayload;
}

/** One row of a CreateObservations batch: its new id, or why it was not stored. */
export type RowOutcome = { id: number } | { error: string };

/** An observation as stored, joined with its datastream: the stream's form with the time in epoch ms. */
export type StoredObservation = Omit<StreamObservation, 'phenomenonTime'> & {
  /** Epoch ms; the stream formats it (only when someone listens). */
  phenomenonTimeMs: number;
};

export interface WriteResult {
  observations: StoredObservation[];
  incidents: IncidentChange[];
}

/** The table of each entity set that PATCH and DELETE reach. */
/** Each PATCHable entity set's table (both backends). */
export const TABLES: Record<PatchSetName, string> = {
  Things: 'things',
  Locations: 'locations',
  Sensors: 'sensors',
  ObservedProperties: 'observed_properties',
  FeaturesOfInterest: 'features_of_interest',
  Datastreams: 'datastreams',
  Observations: 'observations',
  HistoricalLocations: 'historical_locations',
};

/** The plain properties PATCH sets, by their column (objects are stored as JSON text). */
export const PATCH_COLUMNS: Record<PatchSetName, Record<string, string>> = {
  Things: { name: 'name', description: 'description', properties: 'properties' },
  Locations: { name: 'name', description: 'description', encodingType: 'encoding_type', location: 'location', properties: 'properties' },
  Sensors: { name: 'name', description: 'description', encodingType: 'encoding_type', metadata: 'metadata', properties: 'properties' },
  ObservedProperties: { name: 'name', definition: 'definition', description: 'description', properties: 'properties' },
  FeaturesOfInterest: { name: 'name', description: 'description', encodingType: 'encoding_type', feature: 'feature', properties: 'properties' },
  Datastreams: { name: 'name', description: 'description', observationType: 'observation_type', unitOfMeasurement: 'unit', properties: 'properties' },
  Observations: { parameters: 'parameters' },
  HistoricalLocations: {},
};

function storedResult(result: unknown): unknown {
  if (typeof result === 'number' || typeof result === 'string') return typeof result === 'string' && result.startsWith('json:') ? `json:${JSON.stringify(result)}` : result;
  return `json:${JSON.stringify(result)}`;
}

export class MonitoringDatabase {
  readonly db: SqliteDatabase;
  readonly incidents: IncidentEngine;
  private readonly datastreamCache = new Map<number, DatastreamInfo>();
  private readonly maximumFutureSkewMilliseconds?: number;
  private readonly statements: {
    insertObservation: Statement;
    linkFeature: Statement;
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
    this.maximumFutureSkewMilliseconds = options.maximumFutureSkewMilliseconds;
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.durability === 'full' ? 'FULL' : 'NORMAL'}`);
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db);
    this.statements = {
      insertObservation: this.db.prepare('INSERT INTO observations (datastream_id, phenomenon_time, phenomenon_time_end, result_time, result, parameters, feature_of_interest_id) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      linkFeature: this.db.prepare('INSERT OR IGNORE INTO datastream_features (datastream_id, feature_of_interest_id) VALUES (?, ?)'),
      datastreamInfo: this.db.prepare(`
        SELECT d.id, d.thing_id AS thingId, json_extract(t.properties, '$.assetId') AS assetId, json_extract(t.properties, '$.assetKind') AS assetKind,
               o.name AS observedProperty, l.lon AS lonDegrees, l.lat AS latDegrees, l.id AS locationId
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
      const row = this.statements.datastreamInfo.get(id) as (DatastreamInfo & { assetId: string | null; assetKind: string | null; lonDegrees: number | null; latDegrees: number | null; locationId: number | null }) | undefined;
      if (!row) return undefined;
      info = { id: row.id, thingId: row.thingId, observedProperty: row.observedProperty, assetId: row.assetId ?? undefined, assetKind: row.assetKind ?? undefined, lonDegrees: row.lonDegrees ?? undefined, latDegrees: row.latDegrees ?? undefined, locationId: row.locationId ?? undefined };
      this.datastreamCache.set(id, info);
    }
    return info;
  }

  private requireExisting(table: string, id: Id, what: string): void {
    if (!prepared(this.db, `SELECT 1 FROM ${table} WHERE id = ?`).get(id)) throw new BadRequestError(`${what} ${id} does not exist`);
  }

  private insertLocation(location: LocationPayload): Id {
    const [lon, lat] = pointOf(location.location);
    return insertedId(this.statements.insertLocation, location.name, location.description, location.encodingType, JSON.stringify(location.location), lon, lat, location.properties ? JSON.stringify(location.properties) : null);
  }

  private insertDatastream(thingId: Id, d: DatastreamPayload): Id {
    const sensorId = '@iot.id' in d.Sensor ? (this.requireExisting('sensors', d.Sensor['@iot.id'], 'Sensor'), d.Sensor['@iot.id']) : this.createSensorRow(d.Sensor);
    const propertyId = '@iot.id' in d.ObservedProperty
      ? (this.requireExisting('observed_properties', d.ObservedProperty['@iot.id'], 'ObservedProperty'), d.ObservedProperty['@iot.id'])
      : this.createObservedPropertyRow(d.ObservedProperty);
    return insertedId(this.statements.insertDatastream, d.name, d.description, d.observationType, JSON.stringify(d.unitOfMeasurement), d.properties ? JSON.stringify(d.properties) : null, thingId, sensorId, propertyId);
  }

  private createSensorRow(s: { name: string; description: string; encodingType: string; metadata: string; properties?: Record<string, unknown> }): Id {
    return insertedId(this.statements.insertSensor, s.name, s.description, s.encodingType, s.metadata, s.properties ? JSON.stringify(s.properties) : null);
  }

  private createObservedPropertyRow(p: { name: string; definition: string; description: string; properties?: Record<string, unknown> }): Id {
    return insertedId(this.statements.insertObservedProperty, p.name, p.definition, p.description, p.properties ? JSON.stringify(p.properties) : null);
  }

  private insertFeatureOfInterest(f: FeatureOfInterestPayload, locationId: Id | null = null): Id {
    const [lon, lat] = pointOf(f.feature);
    const insert = prepared(this.db, 'INSERT INTO features_of_interest (name, description, encoding_type, feature, lon, lat, properties, location_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    return insertedId(insert, f.name, f.description, f.encodingType, JSON.stringify(f.feature), lon, lat, f.properties ? JSON.stringify(f.properties) : null, locationId);
  }

  /** The FeatureOfInterest generated from a Location (§ 9.3.1): one per Location, made the first time it is needed. */
  private featureOfInterestOfLocation(locationId: Id): Id {
    const existing = prepared(this.db, 'SELECT CAST(id AS TEXT) AS id FROM features_of_interest WHERE location_id = ?').get(locationId) as { id: string } | undefined;
    if (existing) return idOf(existing.id);
    return insertedId(prepared(this.db, 'INSERT INTO features_of_interest (name, description, encoding_type, feature, lon, lat, location_id) SELECT name, description, encoding_type, location, lon, lat, id FROM locations WHERE id = ?'), locationId);
  }

  /** A HistoricalLocation of a Thing: where it is from `timeMs` on. */
  private insertHistoricalLocation(thingId: Id, locationIds: Id[], timeMs: number): Id {
    const id = insertedId(prepared(this.db, 'INSERT INTO historical_locations (thing_id, time) VALUES (?, ?)'), thingId, timeMs);
    for (const locationId of locationIds) prepared(this.db, 'INSERT OR IGNORE INTO historical_location_locations (historical_location_id, location_id) VALUES (?, ?)').run(id, locationId);
    return id;
  }

  /** Make a Thing's Locations exactly these (§ 10.2: a new Location of a Thing writes a HistoricalLocation). */
  private setThingLocations(thingId: Id, locationIds: Id[], timeMs: number): void {
    for (const locationId of locationIds) this.requireExisting('locations', locationId, 'Location');
    prepared(this.db, 'DELETE FROM thing_locations WHERE thing_id = ?').run(thingId);
    for (const locationId of locationIds) this.statements.linkLocation.run(thingId, locationId);
    if (locationIds.length) this.insertHistoricalLocation(thingId, locationIds, timeMs);
    this.datastreamCache.clear();
  }

  /**
   * A Thing with its Locations and Datastreams (deep insert, with their Observations), all or
   * nothing. Returns the Thing's id and the observations written, for the stream.
   */
  createThing(thing: ThingPayload, nowMs = Date.now()): { id: Id; written: WriteResult } {
    return this.rollingBack(() => this.db.transaction(() => {
      const id = insertedId(this.statements.insertThing, thing.name, thing.description, thing.properties ? JSON.stringify(thing.properties) : null);
      const locationIds = (thing.Locations ?? []).map((location) => ('@iot.id' in location ? (this.requireExisting('locations', location['@iot.id'], 'Location'), location['@iot.id']) : this.insertLocation(location)));
      for (const locationId of locationIds) this.statements.linkLocation.run(id, locationId);
      if (locationIds.length) this.insertHistoricalLocation(id, locationIds, nowMs);
      const observations: NewObservation[] = [];
      for (const datastream of thing.Datastreams ?? []) {
        const datastreamId = this.insertDatastream(id, datastream);
        observations.push(...this.nestedObservations(Number(datastreamId), datastream, nowMs));
      }
      this.datastreamCache.clear();
      return { id, written: this.insertObservations(observations) };
    })());
  }

  private nestedObservations(datastreamId: number, datastream: DatastreamPayload, nowMs: number): NewObservation[] {
    return (datastream.Observations ?? []).map((o, i) => {
      const observation = observationOf(o, datastreamId, { now: nowMs, maximumFutureSkewMilliseconds: this.maximumFutureSkewMilliseconds });
      if (typeof observation === 'string') throw new BadRequestError(`Observations.${i}: ${observation}`);
      return observation;
    });
  }

  /** A Location, linked to Things when it names them (each gets a HistoricalLocation). */
  createLocation(location: LocationPayload, nowMs = Date.now()): Id {
    return this.db.transaction(() => {
      const id = this.insertLocation(location);
      for (const thing of location.Things ?? []) {
        this.requireExisting('things', thing['@iot.id'], 'Thing');
        this.statements.linkLocation.run(thing['@iot.id'], id);
        this.insertHistoricalLocation(thing['@iot.id'], [id], nowMs);
      }
      this.datastreamCache.clear();
      return id;
    })();
  }

  createSensor(sensor: Parameters<MonitoringDatabase['createSensorRow']>[0]): Id {
    return this.createSensorRow(sensor);
  }

  createObservedProperty(property: Parameters<MonitoringDatabase['createObservedPropertyRow']>[0]): Id {
    return this.createObservedPropertyRow(property);
  }

  createFeatureOfInterest(feature: FeatureOfInterestPayload): Id {
    return this.insertFeatureOfInterest(feature);
  }

  createHistoricalLocation(h: HistoricalLocationPayload, timeMs: number): Id {
    return this.db.transaction(() => {
      this.requireExisting('things', h.Thing['@iot.id'], 'Thing');
      for (const l of h.Locations) this.requireExisting('locations', l['@iot.id'], 'Location');
      return this.insertHistoricalLocation(h.Thing['@iot.id'], h.Locations.map((l) => l['@iot.id']), timeMs);
    })();
  }

  createDatastream(thingId: Id, datastream: DatastreamPayload, nowMs = Date.now()): { id: Id; written: WriteResult } {
    return this.rollingBack(() => this.db.transaction(() => {
      this.requireExisting('things', thingId, 'Thing');
      const id = this.insertDatastream(thingId, datastream);
      this.datastreamCache.clear();
      return { id, written: this.insertObservations(this.nestedObservations(Number(id), datastream, nowMs)) };
    })());
  }

  /**
   * An observation's FeatureOfInterest: the one it names, the one it brings, or the one of its
   * Thing's Location. A BadRequestError when it has none of these (§ 9.3.1).
   */
  private featureOfInterestOf(o: NewObservation, info: DatastreamInfo): Id {
    if (o.featureOfInterestId !== undefined) {
      this.requireExisting('features_of_interest', o.featureOfInterestId, 'FeatureOfInterest');
      return o.featureOfInterestId;
    }
    if (o.featureOfInterest) return this.insertFeatureOfInterest(o.featureOfInterest);
    if (info.locationId === undefined) throw new BadRequestError(`FeatureOfInterest: the Thing of Datastream ${o.datastreamId} has no Location to take it from; give one ({"@iot.id": n} or a new one)`);
    info.featureOfInterestId ??= this.featureOfInterestOfLocation(info.locationId);
    return info.featureOfInterestId;
  }

  /** Store one checked observation inside the caller's transaction. */
  private storeObservation(o: NewObservation, stored: StoredObservation[], changes: Map<number, IncidentChangeRef>): number {
    const info = this.datastream(o.datastreamId);
    if (!info) throw new BadRequestError(`Datastream ${o.datastreamId} does not exist`);
    const featureOfInterestId = this.featureOfInterestOf(o, info);
    const id = Number(this.statements.insertObservation.run(o.datastreamId, o.phenomenonTimeMs, o.phenomenonTimeEndMs ?? null, o.resultTimeMs, storedResult(o.result), o.parameters ? JSON.stringify(o.parameters) : null, featureOfInterestId).lastInsertRowid);
    // The datastream's link to this FeatureOfInterest, once per pair while the cache lives.
    const linked = (info.linkedFeatures ??= new Set());
    if (!linked.has(featureOfInterestId)) {
      this.statements.linkFeature.run(o.datastreamId, featureOfInterestId);
      linked.add(featureOfInterestId);
    }
    const value = typeof o.result === 'number' ? o.result : Number.NaN;
    const { state, change } = this.incidents.observe(info, id, value, o.phenomenonTimeMs);
    if (change) changes.set(change.incidentId, change);
    stored.push({ id, datastreamId: o.datastreamId, thingId: info.thingId, assetId: info.assetId, observedProperty: info.observedProperty, lonDegrees: info.lonDegrees, latDegrees: info.latDegrees, result: o.result, phenomenonTimeMs: o.phenomenonTimeMs, state });
    return id;
  }

  private incidentChanges(changes: Map<number, IncidentChangeRef>): IncidentChange[] {
    // Each changed incident's JSON once, as it stands at the end of the write.
    return [...changes.values()].map((c): IncidentChange => ({ ...c, incident: this.incidents.json(c.incidentId)! }));
  }

  /**
   * Store observations, evaluate their thresholds and update incidents, in one transaction:
   * either every observation is stored or none is.
   */
  insertObservations(observations: NewObservation[]): WriteResult {
    return this.rollingBack(() => this.db.transaction(() => {
      const stored: StoredObservation[] = [];
      const changes = new Map<number, IncidentChangeRef>();
      for (const o of observations) this.storeObservation(o, stored, changes);
      return { observations: stored, incidents: this.incidentChanges(changes) };
    })());
  }

  /** Run a write; when it fails (and rolls back), forget the cached facts it may have added (a FeatureOfInterest made inside it). */
  private rollingBack<T>(write: () => T): T {
    try {
      return write();
    } catch (error) {
      this.datastreamCache.clear();
      throw error;
    }
  }

  /**
   * CreateObservations (§ 14.4): each row stored on its own merits, in one transaction. A row
   * already found bad (a string) or refused by the store (an unknown Datastream or
   * FeatureOfInterest) is answered with its error; the others are stored.
   */
  insertObservationRows(rows: (NewObservation | string)[]): { outcomes: RowOutcome[]; written: WriteResult } {
    return this.rollingBack(() => this.db.transaction(() => {
      const stored: StoredObservation[] = [];
      const changes = new Map<number, IncidentChangeRef>();
      const outcomes = rows.map((row): RowOutcome => {
        if (typeof row === 'string') return { error: row };
        try {
          return { id: this.storeObservation(row, stored, changes) };
        } catch (error) {
          // Checks come before the insert: a refused row has written nothing.
          if (error instanceof BadRequestError) return { error: error.message };
          throw error;
        }
      });
      return { outcomes, written: { observations: stored, incidents: this.incidentChanges(changes) } };
    })());
  }

  /**
   * PATCH (§ 10.3): change the given properties of one entity, and its links by id, in one
   * transaction. False when it does not exist; a BadRequestError (nothing changed) when a link
   * names an entity that does not exist.
   */
  update<S extends PatchSetName>(set: S, id: Id, patch: PatchPayload<S>, nowMs = Date.now()): boolean {
    const table = TABLES[set];
    return this.db.transaction(() => {
      if (!prepared(this.db, `SELECT 1 FROM ${table} WHERE id = ?`).get(id)) return false;
      const assignments: [string, unknown][] = [];
      const p = patch as Record<string, unknown>;
      const jsonText = (v: unknown) => JSON.stringify(v);
      const link = (key: string, column: string, linkedTable: string, what: string) => {
        const reference = p[key] as { '@iot.id': number } | undefined;
        if (!reference) return;
        this.requireExisting(linkedTable, reference['@iot.id'], what);
        assignments.push([column, reference['@iot.id']]);
      };
      for (const [key, column] of Object.entries(PATCH_COLUMNS[set])) {
        if (p[key] === undefined) continue;
        const value = p[key];
        assignments.push([column, typeof value === 'object' && value !== null ? jsonText(value) : value]);
      }
      switch (set) {
        case 'Locations':
        case 'FeaturesOfInterest': {
          const geometry = p[set === 'Locations' ? 'location' : 'feature'] as Parameters<typeof pointOf>[0] | undefined;
          if (geometry) {
            const [lon, lat] = pointOf(geometry);
            assignments.push(['lon', lon], ['lat', lat]);
          }
          break;
        }
        case 'Datastreams':
          link('Thing', 'thing_id', 'things', 'Thing');
          link('Sensor', 'sensor_id', 'sensors', 'Sensor');
          link('ObservedProperty', 'observed_property_id', 'observed_properties', 'ObservedProperty');
          break;
        case 'Observations': {
          link('Datastream', 'datastream_id', 'datastreams', 'Datastream');
          link('FeatureOfInterest', 'feature_of_interest_id', 'features_of_interest', 'FeatureOfInterest');
          const time = p.phenomenonTime === undefined ? undefined : timeValue(p.phenomenonTime)!;
          if (time) assignments.push(['phenomenon_time', time.startMs], ['phenomenon_time_end', time.endMs]);
          if (p.resultTime !== undefined) assignments.push(['result_time', p.resultTime === null ? null : instantMilliseconds(p.resultTime)!]);
          if (p.result !== undefined) assignments.push(['result', storedResult(p.result)]);
          break;
        }
        case 'HistoricalLocations': {
          link('Thing', 'thing_id', 'things', 'Thing');
          if (p.time !== undefined) assignments.push(['time', instantMilliseconds(p.time)!]);
          const locations = p.Locations as { '@iot.id': number }[] | undefined;
          if (locations) {
            for (const l of locations) this.requireExisting('locations', l['@iot.id'], 'Location');
            prepared(this.db, 'DELETE FROM historical_location_locations WHERE historical_location_id = ?').run(id);
            for (const l of locations) prepared(this.db, 'INSERT OR IGNORE INTO historical_location_locations (historical_location_id, location_id) VALUES (?, ?)').run(id, l['@iot.id']);
          }
          break;
        }
        case 'Things': {
          const locations = p.Locations as { '@iot.id': number }[] | undefined;
          if (locations) this.setThingLocations(id, locations.map((l) => l['@iot.id']), nowMs);
          break;
        }
      }
      if (assignments.length) {
        // Column names come from our own tables above, never from the request.
        prepared(this.db, `UPDATE ${table} SET ${assignments.map(([column]) => `${column} = ?`).join(', ')} WHERE id = ?`).run(...assignments.map(([, value]) => value), id);
      }
      // An observation moved to another Datastream or FeatureOfInterest: link the new pair.
      if (set === 'Observations') {
        prepared(this.db, 'INSERT OR IGNORE INTO datastream_features (datastream_id, feature_of_interest_id) SELECT datastream_id, feature_of_interest_id FROM observations WHERE id = ? AND feature_of_interest_id IS NOT NULL').run(id);
      }
      this.datastreamCache.clear();
      return true;
    })();
  }

  /**
   * DELETE (§ 10.4) with the integrity the standard asks for: a Thing takes its Datastreams (and
   * their Observations) and HistoricalLocations; a Sensor or an ObservedProperty its Datastreams;
   * a FeatureOfInterest its Observations; a Location its HistoricalLocations (those left with no
   * Location). False when it does not exist.
   */
  delete(set: PatchSetName, id: Id): boolean {
    if (set === 'FeaturesOfInterest') return this.deleteFeatureOfInterest(id);
    const table = TABLES[set];
    return this.db.transaction(() => {
      if (!prepared(this.db, `SELECT 1 FROM ${table} WHERE id = ?`).get(id)) return false;
      if (set === 'Sensors') prepared(this.db, 'DELETE FROM datastreams WHERE sensor_id = ?').run(id);
      if (set === 'ObservedProperties') prepared(this.db, 'DELETE FROM datastreams WHERE observed_property_id = ?').run(id);
      if (set === 'Locations') {
        prepared(this.db, 'DELETE FROM historical_locations WHERE id IN (SELECT historical_location_id FROM historical_location_locations WHERE location_id = ?) AND NOT EXISTS (SELECT 1 FROM historical_location_locations h WHERE h.historical_location_id = historical_locations.id AND h.location_id <> ?)').run(id, id);
      }
      // The rest follows the foreign keys (ON DELETE CASCADE, schema.ts).
      prepared(this.db, `DELETE FROM ${table} WHERE id = ?`).run(id);
      this.datastreamCache.clear();
      return true;
    })();
  }

  /**
   * A FeatureOfInterest and its Observations. No index has observations by FeatureOfInterest
   * (schema.ts, migration 4), so the foreign key's own cascade would read every observation: the
   * observations go first through `datastream_features` and the (datastream_id, phenomenon_time)
   * index, then the row with foreign keys off for that one statement, its links by hand. (Inside a
   * caller's transaction the pragma cannot change: the foreign key then cascades, correct but slow.)
   */
  private deleteFeatureOfInterest(id: Id): boolean {
    const remove = this.db.transaction(() => {
      if (!prepared(this.db, 'SELECT 1 FROM features_of_interest WHERE id = ?').get(id)) return false;
      prepared(this.db, 'DELETE FROM observations WHERE datastream_id IN (SELECT datastream_id FROM datastream_features WHERE feature_of_interest_id = ?) AND feature_of_interest_id = ?').run(id, id);
      prepared(this.db, 'DELETE FROM datastream_features WHERE feature_of_interest_id = ?').run(id);
      prepared(this.db, 'DELETE FROM features_of_interest WHERE id = ?').run(id);
      this.datastreamCache.clear();
      return true;
    });
    if (this.db.inTransaction) return remove();
    this.db.pragma('foreign_keys = OFF');
    try {
      return remove();
    } finally {
      this.db.pragma('foreign_keys = ON');
    }
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
