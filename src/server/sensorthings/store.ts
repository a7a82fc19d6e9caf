/**
 * The monitoring server's storage behind one asynchronous interface, with two backends:
 *  - SQLite (better-sqlite3, `database.ts`), the embedded default: this wraps the synchronous
 *    class, so its writes still run in one synchronous transaction each (no await inside);
 *  - PostgreSQL (`postgres-store.ts`), selected by a `postgres://…` location.
 * Routes, the stream, the sensor index and the MQTT binding use only this interface.
 *
 * Every committed write is handed to the publisher (the stream hub) by the store, in commit
 * order, before the write's promise resolves: the stream's cursor (the last observation id)
 * then never runs ahead of a write that is not yet sent.
 */
import type { Database as SqliteDatabase } from 'better-sqlite3';
import type { CompactSensor } from '../../domain/monitoring/compact-sensors.ts';
import type { IncidentAction, IncidentLogAction } from '../../domain/monitoring/incidents.ts';
import type { ThresholdRule } from '../../domain/monitoring/thresholds.ts';
import type { SensorState } from '../../domain/monitoring/warning.ts';
import { MonitoringDatabase, type DatabaseOptions, type DatastreamInfo, type NewObservation, type RowOutcome, type StoredObservation, type WriteResult } from './database.ts';
import type { IncidentChange } from './incident-engine.ts';
import type { Id } from './ids.ts';
import type { DatastreamPayload, FeatureOfInterestPayload, HistoricalLocationPayload, LocationPayload, PatchPayload, PatchSetName, ThingPayload } from './payloads.ts';
import { readEntities, readEntity } from './read.ts';
import type { EntitySetName } from './entities.ts';
import { latestSensorsOf, sqliteSensorSignature } from './compact.ts';

/** [west, south, east, north] degrees. */
export type Bbox4 = readonly [number, number, number, number];

/** An incident that is not closed (both backends' status column). */
export const OPEN_INCIDENT = "status IN ('raised', 'acknowledged', 'dispatched')";

export type CountedTable = 'observations' | 'things' | 'datastreams' | 'incidents' | 'incident_events' | 'locations';

/** The store is unreachable or refused to work for a reason that is not the request's: a 503. */
export class StoreUnavailableError extends Error {}

export interface MonitoringStore {
  readonly backend: 'sqlite' | 'postgres';
  /** Where committed writes go (the stream hub), in commit order; a write is answered once a returned promise settles (PostgreSQL). */
  setPublisher(publish: (result: WriteResult) => void | Promise<void>): void;

  createThing(thing: ThingPayload, nowMs?: number): Promise<{ id: Id; written: WriteResult }>;
  createLocation(location: LocationPayload, nowMs?: number): Promise<Id>;
  createSensor(sensor: { name: string; description: string; encodingType: string; metadata: string; properties?: Record<string, unknown> }): Promise<Id>;
  createObservedProperty(property: { name: string; definition: string; description: string; properties?: Record<string, unknown> }): Promise<Id>;
  createFeatureOfInterest(feature: FeatureOfInterestPayload): Promise<Id>;
  createHistoricalLocation(h: HistoricalLocationPayload, timeMs: number): Promise<Id>;
  createDatastream(thingId: Id, datastream: DatastreamPayload, nowMs?: number): Promise<{ id: Id; written: WriteResult }>;
  /** All or nothing; a BadRequestError names the first bad observation. */
  insertObservations(observations: NewObservation[]): Promise<WriteResult>;
  /** CreateObservations (§14.4): each row stored or answered with its error. */
  insertObservationRows(rows: (NewObservation | string)[]): Promise<{ outcomes: RowOutcome[]; written: WriteResult }>;
  update<S extends PatchSetName>(set: S, id: Id, patch: PatchPayload<S>, nowMs?: number): Promise<boolean>;
  delete(set: PatchSetName, id: Id): Promise<boolean>;
  incidentAct(id: number, action: IncidentAction, by: string, note: string | undefined, timeMs: number): Promise<IncidentChange | { error: string } | undefined>;
  incidentLog(id: number, action: IncidentLogAction, by: string, entry: { unit?: string; note?: string }, timeMs: number): Promise<IncidentChange | { error: string } | undefined>;

  /** One entity as a GET returns it (for a 201 and the MQTT notifications). */
  readEntity(set: EntitySetName, id: Id, baseUrl: string): Promise<Record<string, unknown> | undefined>;
  /** Several entities of one set, each as `readEntity` returns it (undefined: unknown), in the order asked: one read for a write's MQTT notifications. */
  readEntities(set: EntitySetName, ids: readonly Id[], baseUrl: string): Promise<(Record<string, unknown> | undefined)[]>;
  count(table: CountedTable): Promise<number>;
  /** Observations after an id, oldest first (a resuming stream). */
  observationsAfter(afterId: number, limit: number): Promise<StoredObservation[]>;
  observationIdAfter(afterId: number, offset: number): Promise<number | undefined>;
  lastObservationId(): Promise<number>;
  incidentChangesAfter(afterEventId: number, limit?: number): Promise<IncidentChange[]>;
  incidentEventIdAfter(afterEventId: number, offset: number): Promise<number | undefined>;
  incidentEventTimeAfter(afterEventId: number): Promise<number | undefined>;
  lastIncidentEventId(): Promise<number>;
  /** Every located sensor with its latest reading (PostgreSQL: one read of the latest-observation table). */
  latestSensors(): Promise<CompactSensor[]>;
  /** Changes when datastreams or Thing locations were added (the sensor index reads again). */
  sensorSignature(): Promise<string>;
  /** Facts for the grids and the check-up (issue 19), the same on both backends: */
  /** Things with a location inside a bbox [west, south, east, north] (their newest Location). */
  thingsIn(bbox: Bbox4): Promise<{ id: number; lon: number; lat: number }[]>;
  /** Things one of whose Datastreams is a source of an open incident. */
  thingsInAlarm(): Promise<number[]>;
  /** Open incidents inside a bbox. */
  openIncidentsIn(bbox: Bbox4): Promise<{ lon: number; lat: number }[]>;
  /** Incidents of these types raised in [startMs, endMs). */
  incidentsRaised(startMs: number, endMs: number, types: string[]): Promise<{ type: string; lon: number; lat: number; raisedAtMs: number }[]>;
  /** Every located Thing with the time of its newest reading (null: none yet). */
  thingsWithLastReading(): Promise<{ id: number; lon: number; lat: number; lastMs: number | null }[]>;
  /** Retention: drop observations older than a time. Returns how many went. */
  pruneObservations(beforeMs: number): Promise<number>;
  stateOf(info: DatastreamInfo, value: number): SensorState;
  ruleFor(observedProperty: string): ThresholdRule | undefined;
  /** Resolves when the database answers (readiness: /readyz); throws when it does not. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The SQLite backend: the synchronous MonitoringDatabase, each call one synchronous transaction. */
export class SqliteMonitoringStore implements MonitoringStore {
  readonly backend = 'sqlite' as const;
  readonly database: MonitoringDatabase;
  private publish: (result: WriteResult) => void = () => {};

  constructor(options: DatabaseOptions | MonitoringDatabase) {
    this.database = options instanceof MonitoringDatabase ? options : new MonitoringDatabase(options);
  }

  get db(): SqliteDatabase {
    return this.database.db;
  }

  setPublisher(publish: (result: WriteResult) => void | Promise<void>): void {
    this.publish = (result) => void publish(result);
  }

  private published<T extends { written: WriteResult }>(outcome: T): T {
    this.publish(outcome.written);
    return outcome;
  }

  async createThing(thing: ThingPayload, nowMs?: number) {
    return this.published(this.database.createThing(thing, nowMs));
  }
  async createLocation(location: LocationPayload, nowMs?: number) {
    return this.database.createLocation(location, nowMs);
  }
  async createSensor(sensor: Parameters<MonitoringStore['createSensor']>[0]) {
    return this.database.createSensor(sensor);
  }
  async createObservedProperty(property: Parameters<MonitoringStore['createObservedProperty']>[0]) {
    return this.database.createObservedProperty(property);
  }
  async createFeatureOfInterest(feature: FeatureOfInterestPayload) {
    return this.database.createFeatureOfInterest(feature);
  }
  async createHistoricalLocation(h: HistoricalLocationPayload, timeMs: number) {
    return this.database.createHistoricalLocation(h, timeMs);
  }
  async createDatastream(thingId: Id, datastream: DatastreamPayload, nowMs?: number) {
    return this.published(this.database.createDatastream(thingId, datastream, nowMs));
  }
  async insertObservations(observations: NewObservation[]) {
    const written = this.database.insertObservations(observations);
    this.publish(written);
    return written;
  }
  async insertObservationRows(rows: (NewObservation | string)[]) {
    return this.published(this.database.insertObservationRows(rows));
  }
  async update<S extends PatchSetName>(set: S, id: Id, patch: PatchPayload<S>, nowMs?: number) {
    return this.database.update(set, id, patch, nowMs);
  }
  async delete(set: PatchSetName, id: Id) {
    return this.database.delete(set, id);
  }
  async incidentAct(id: number, action: IncidentAction, by: string, note: string | undefined, timeMs: number) {
    const change = this.database.incidents.act(id, action, by, note, timeMs);
    if (change && !('error' in change)) this.publish({ observations: [], incidents: [change] });
    return change;
  }
  async incidentLog(id: number, action: IncidentLogAction, by: string, entry: { unit?: string; note?: string }, timeMs: number) {
    const change = this.database.incidents.log(id, action, by, entry, timeMs);
    if (change && !('error' in change)) this.publish({ observations: [], incidents: [change] });
    return change;
  }
  async readEntity(set: EntitySetName, id: Id, baseUrl: string) {
    return readEntity({ db: this.database.db, baseUrl }, set, id, {});
  }
  async readEntities(set: EntitySetName, ids: readonly Id[], baseUrl: string) {
    return readEntities({ db: this.database.db, baseUrl }, set, ids);
  }
  async count(table: CountedTable) {
    return this.database.count(table);
  }
  async observationsAfter(afterId: number, limit: number) {
    return this.database.observationsAfter(afterId, limit);
  }
  async observationIdAfter(afterId: number, offset: number) {
    return this.database.observationIdAfter(afterId, offset);
  }
  async lastObservationId() {
    return this.database.lastObservationId();
  }
  async incidentChangesAfter(afterEventId: number, limit?: number) {
    return this.database.incidents.changesAfter(afterEventId, limit);
  }
  async incidentEventIdAfter(afterEventId: number, offset: number) {
    return this.database.incidents.eventIdAfter(afterEventId, offset);
  }
  async incidentEventTimeAfter(afterEventId: number) {
    return this.database.incidents.eventTimeAfter(afterEventId);
  }
  async lastIncidentEventId() {
    return this.database.incidents.lastEventId();
  }
  async latestSensors() {
    return latestSensorsOf(this.database);
  }
  async sensorSignature() {
    return sqliteSensorSignature(this.database.db);
  }
  async pruneObservations(beforeMs: number) {
    return this.database.pruneObservations(beforeMs);
  }
  async thingsIn([west, south, east, north]: Bbox4) {
    return this.database.db.prepare(`SELECT DISTINCT tl.thing_id AS id, l.lon AS lon, l.lat AS lat FROM thing_locations tl JOIN locations l ON l.id = tl.location_id
      WHERE tl.location_id = (SELECT max(location_id) FROM thing_locations WHERE thing_id = tl.thing_id) AND l.lon BETWEEN ? AND ? AND l.lat BETWEEN ? AND ?`).all(west, east, south, north) as { id: number; lon: number; lat: number }[];
  }
  async thingsInAlarm() {
    return (this.database.db.prepare(`SELECT DISTINCT d.thing_id AS id FROM incidents i JOIN incident_sources s ON s.incident_id = i.id JOIN datastreams d ON d.id = s.datastream_id WHERE i.${OPEN_INCIDENT}`).all() as { id: number }[]).map((r) => r.id);
  }
  async openIncidentsIn([west, south, east, north]: Bbox4) {
    return this.database.db.prepare(`SELECT lon, lat FROM incidents WHERE ${OPEN_INCIDENT} AND lon BETWEEN ? AND ? AND lat BETWEEN ? AND ?`).all(west, east, south, north) as { lon: number; lat: number }[];
  }
  async incidentsRaised(startMs: number, endMs: number, types: string[]) {
    if (!types.length) return [];
    return this.database.db.prepare(`SELECT type, lon, lat, raised_at AS raisedAtMs FROM incidents WHERE raised_at >= ? AND raised_at < ? AND type IN (${types.map(() => '?').join(', ')})`).all(startMs, endMs, ...types) as { type: string; lon: number; lat: number; raisedAtMs: number }[];
  }
  async thingsWithLastReading() {
    return this.database.db.prepare(`SELECT t.id AS id, l.lon AS lon, l.lat AS lat,
        (SELECT max((SELECT max(o.phenomenon_time) FROM observations o WHERE o.datastream_id = d.id)) FROM datastreams d WHERE d.thing_id = t.id) AS lastMs
      FROM things t JOIN thing_locations tl ON tl.thing_id = t.id AND tl.location_id = (SELECT max(location_id) FROM thing_locations WHERE thing_id = t.id)
      JOIN locations l ON l.id = tl.location_id WHERE l.lon IS NOT NULL AND l.lat IS NOT NULL`).all() as { id: number; lon: number; lat: number; lastMs: number | null }[];
  }
  stateOf(info: DatastreamInfo, value: number) {
    return this.database.incidents.stateOf(info, value);
  }
  ruleFor(observedProperty: string) {
    return this.database.incidents.ruleFor(observedProperty);
  }
  async ping() {
    this.database.db.prepare('SELECT 1').get();
  }
  async close() {
    this.database.close();
  }
}

/** Whether a monitoring database location names a PostgreSQL server. */
export function isPostgresLocation(location: string): boolean {
  return /^postgres(ql)?:\/\//.test(location);
}
