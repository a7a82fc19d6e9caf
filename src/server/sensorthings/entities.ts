/**
 * The entity sets the server offers: their tables, the properties clients may filter and sort
 * on (a whitelist: anything else is a 400), their navigation properties, and how a row becomes
 * SensorThings 1.1 JSON with `@iot.id`, `@iot.selfLink` and navigation links.
 */

export type EntitySetName = 'Things' | 'Locations' | 'HistoricalLocations' | 'Sensors' | 'ObservedProperties' | 'Datastreams' | 'Observations' | 'FeaturesOfInterest' | 'Incidents';

/** The entity sets of SensorThings 1.1 itself (the service root lists these; Incidents is our extension). */
export const STANDARD_ENTITY_SETS: readonly EntitySetName[] = ['Things', 'Locations', 'HistoricalLocations', 'Datastreams', 'Sensors', 'ObservedProperties', 'Observations', 'FeaturesOfInterest'];

/**
 * `interval`: a time that may be an interval (phenomenonTime): `sql` is its start, `endSql` its
 * end (null for an instant). `point`: a GeoJSON point stored as `sql` (longitude) and `latSql`.
 */
export type ColumnType = 'id' | 'text' | 'number' | 'time' | 'json' | 'interval' | 'point';

export interface Column {
  /** SQL expression (never built from request text). */
  sql: string;
  type: ColumnType;
  endSql?: string;
  latSql?: string;
}

export interface Navigation {
  target: EntitySetName;
  many: boolean;
  /** WHERE clause over the target's table with one parameter: the parent's id. */
  where: string;
  /** The same for SQLite where its tables differ from PostgreSQL's (read it with `sqliteWhere`). */
  sqlite?: string;
}

/** A navigation's WHERE clause on SQLite. */
export function sqliteWhere(navigation: Navigation): string {
  return navigation.sqlite ?? navigation.where;
}

export interface EntitySet {
  name: EntitySetName;
  /** The singular name used in navigation links (Datastream, Thing …). */
  singular: string;
  table: string;
  columns: Record<string, Column>;
  /** Properties with a JSON document whose members may be filtered on (`properties/assetId`). */
  jsonColumns: Record<string, string>;
  navigation: Record<string, Navigation>;
  /** SQL columns to read for output. */
  select: string;
  toJson(row: Record<string, unknown>): Record<string, unknown>;
}

const iso = (ms: unknown) => (ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString());
/** An instant, or an ISO 8601 interval `start/end`. */
const isoTime = (start: unknown, end: unknown) => (end === null || end === undefined ? iso(start) : `${iso(start)}/${iso(end)}`);
const json = (text: unknown) => (typeof text === 'string' ? (JSON.parse(text) as unknown) : undefined);
const idColumn: Column = { sql: 'id', type: 'id' };

export const ENTITY_SETS: Record<EntitySetName, EntitySet> = {
  Things: {
    name: 'Things',
    singular: 'Thing',
    table: 'things',
    columns: { '@iot.id': idColumn, id: idColumn, name: { sql: 'name', type: 'text' }, description: { sql: 'description', type: 'text' } },
    jsonColumns: { properties: 'properties' },
    navigation: {
      Locations: { target: 'Locations', many: true, where: 'id IN (SELECT location_id FROM thing_locations WHERE thing_id = ?)' },
      Datastreams: { target: 'Datastreams', many: true, where: 'thing_id = ?' },
      HistoricalLocations: { target: 'HistoricalLocations', many: true, where: 'thing_id = ?' },
    },
    select: 'id, name, description, properties',
    toJson: (r) => ({ name: r.name, description: r.description, properties: json(r.properties) ?? {} }),
  },
  Locations: {
    name: 'Locations',
    singular: 'Location',
    table: 'locations',
    columns: { '@iot.id': idColumn, id: idColumn, name: { sql: 'name', type: 'text' }, description: { sql: 'description', type: 'text' }, encodingType: { sql: 'encoding_type', type: 'text' }, location: { sql: 'lon', latSql: 'lat', type: 'point' } },
    jsonColumns: { properties: 'properties' },
    navigation: {
      Things: { target: 'Things', many: true, where: 'id IN (SELECT thing_id FROM thing_locations WHERE location_id = ?)' },
      HistoricalLocations: { target: 'HistoricalLocations', many: true, where: 'id IN (SELECT historical_location_id FROM historical_location_locations WHERE location_id = ?)' },
    },
    select: 'id, name, description, encoding_type, location, properties',
    toJson: (r) => ({ name: r.name, description: r.description, encodingType: r.encoding_type, location: json(r.location), ...(r.properties ? { properties: json(r.properties) } : {}) }),
  },
  HistoricalLocations: {
    name: 'HistoricalLocations',
    singular: 'HistoricalLocation',
    table: 'historical_locations',
    columns: { '@iot.id': idColumn, id: idColumn, time: { sql: 'time', type: 'time' }, 'Thing/@iot.id': { sql: 'thing_id', type: 'id' } },
    jsonColumns: {},
    navigation: {
      Thing: { target: 'Things', many: false, where: 'id = (SELECT thing_id FROM historical_locations WHERE id = ?)' },
      Locations: { target: 'Locations', many: true, where: 'id IN (SELECT location_id FROM historical_location_locations WHERE historical_location_id = ?)' },
    },
    select: 'id, time',
    toJson: (r) => ({ time: iso(r.time) }),
  },
  FeaturesOfInterest: {
    name: 'FeaturesOfInterest',
    singular: 'FeatureOfInterest',
    table: 'features_of_interest',
    columns: { '@iot.id': idColumn, id: idColumn, name: { sql: 'name', type: 'text' }, description: { sql: 'description', type: 'text' }, encodingType: { sql: 'encoding_type', type: 'text' }, feature: { sql: 'lon', latSql: 'lat', type: 'point' } },
    jsonColumns: { properties: 'properties' },
    navigation: {
      Observations: {
        target: 'Observations',
        many: true,
        where: 'feature_of_interest_id = ?',
        // SQLite has no index of observations by FeatureOfInterest (schema.ts, migration 4): the
        // datastreams that have it, then their observations by the (datastream_id, …) index.
        sqlite: '(datastream_id, feature_of_interest_id) IN (SELECT datastream_id, feature_of_interest_id FROM datastream_features WHERE feature_of_interest_id = ?)',
      },
    },
    select: 'id, name, description, encoding_type, feature, properties',
    toJson: (r) => ({ name: r.name, description: r.description, encodingType: r.encoding_type, feature: json(r.feature), ...(r.properties ? { properties: json(r.properties) } : {}) }),
  },
  Sensors: {
    name: 'Sensors',
    singular: 'Sensor',
    table: 'sensors',
    columns: { '@iot.id': idColumn, id: idColumn, name: { sql: 'name', type: 'text' }, description: { sql: 'description', type: 'text' }, encodingType: { sql: 'encoding_type', type: 'text' } },
    jsonColumns: { properties: 'properties' },
    navigation: { Datastreams: { target: 'Datastreams', many: true, where: 'sensor_id = ?' } },
    select: 'id, name, description, encoding_type, metadata, properties',
    toJson: (r) => ({ name: r.name, description: r.description, encodingType: r.encoding_type, metadata: r.metadata, ...(r.properties ? { properties: json(r.properties) } : {}) }),
  },
  ObservedProperties: {
    name: 'ObservedProperties',
    singular: 'ObservedProperty',
    table: 'observed_properties',
    columns: { '@iot.id': idColumn, id: idColumn, name: { sql: 'name', type: 'text' }, definition: { sql: 'definition', type: 'text' }, description: { sql: 'description', type: 'text' } },
    jsonColumns: { properties: 'properties' },
    navigation: { Datastreams: { target: 'Datastreams', many: true, where: 'observed_property_id = ?' } },
    select: 'id, name, definition, description, properties',
    toJson: (r) => ({ name: r.name, definition: r.definition, description: r.description, ...(r.properties ? { properties: json(r.properties) } : {}) }),
  },
  Datastreams: {
    name: 'Datastreams',
    singular: 'Datastream',
    table: 'datastreams',
    columns: {
      '@iot.id': idColumn,
      id: idColumn,
      name: { sql: 'name', type: 'text' },
      description: { sql: 'description', type: 'text' },
      observationType: { sql: 'observation_type', type: 'text' },
      'Thing/@iot.id': { sql: 'thing_id', type: 'id' },
      'Sensor/@iot.id': { sql: 'sensor_id', type: 'id' },
      'ObservedProperty/@iot.id': { sql: 'observed_property_id', type: 'id' },
      'ObservedProperty/name': { sql: '(SELECT name FROM observed_properties o WHERE o.id = observed_property_id)', type: 'text' },
    },
    jsonColumns: { properties: 'properties', unitOfMeasurement: 'unit' },
    navigation: {
      Thing: { target: 'Things', many: false, where: 'id = (SELECT thing_id FROM datastreams WHERE id = ?)' },
      Sensor: { target: 'Sensors', many: false, where: 'id = (SELECT sensor_id FROM datastreams WHERE id = ?)' },
      ObservedProperty: { target: 'ObservedProperties', many: false, where: 'id = (SELECT observed_property_id FROM datastreams WHERE id = ?)' },
      Observations: { target: 'Observations', many: true, where: 'datastream_id = ?' },
    },
    select: 'id, name, description, observation_type, unit, properties',
    toJson: (r) => ({ name: r.name, description: r.description, observationType: r.observation_type, unitOfMeasurement: json(r.unit), ...(r.properties ? { properties: json(r.properties) } : {}) }),
  },
  Observations: {
    name: 'Observations',
    singular: 'Observation',
    table: 'observations',
    columns: {
      '@iot.id': idColumn,
      id: idColumn,
      phenomenonTime: { sql: 'phenomenon_time', endSql: 'phenomenon_time_end', type: 'interval' },
      resultTime: { sql: 'result_time', type: 'time' },
      result: { sql: 'result', type: 'number' },
      'Datastream/@iot.id': { sql: 'datastream_id', type: 'id' },
      // What is measured, through the Datastream (a stream reset's REST query names a client's types with it).
      'Datastream/ObservedProperty/name': { sql: '(SELECT p.name FROM datastreams d JOIN observed_properties p ON p.id = d.observed_property_id WHERE d.id = datastream_id)', type: 'text' },
      'FeatureOfInterest/@iot.id': { sql: 'feature_of_interest_id', type: 'id' },
      'FeatureOfInterest/feature': { sql: '(SELECT f.lon FROM features_of_interest f WHERE f.id = feature_of_interest_id)', latSql: '(SELECT f.lat FROM features_of_interest f WHERE f.id = feature_of_interest_id)', type: 'point' },
    },
    jsonColumns: { parameters: 'parameters' },
    navigation: {
      Datastream: { target: 'Datastreams', many: false, where: 'id = (SELECT datastream_id FROM observations WHERE id = ?)' },
      FeatureOfInterest: { target: 'FeaturesOfInterest', many: false, where: 'id = (SELECT feature_of_interest_id FROM observations WHERE id = ?)' },
    },
    select: 'id, phenomenon_time, phenomenon_time_end, result_time, result, parameters, datastream_id, feature_of_interest_id',
    toJson: (r) => ({
      phenomenonTime: isoTime(r.phenomenon_time, r.phenomenon_time_end),
      resultTime: iso(r.result_time),
      result: typeof r.result === 'string' && r.result.startsWith('json:') ? JSON.parse(r.result.slice(5)) : r.result,
      ...(r.parameters ? { parameters: json(r.parameters) } : {}),
    }),
  },
  Incidents: {
    name: 'Incidents',
    singular: 'Incident',
    table: 'incidents',
    columns: {
      '@iot.id': idColumn,
      id: idColumn,
      type: { sql: 'type', type: 'text' },
      level: { sql: 'level', type: 'number' },
      status: { sql: 'status', type: 'text' },
      alarmActive: { sql: 'alarm_active', type: 'number' },
      raisedAt: { sql: 'raised_at', type: 'time' },
      updatedAt: { sql: 'updated_at', type: 'time' },
      // Filterable as its JSON text: contains(assetIds,'"440604-B-000123"') (with the quotes) matches one asset exactly.
      assetIds: { sql: 'asset_ids', type: 'text' },
    },
    jsonColumns: {},
    navigation: { Observations: { target: 'Observations', many: true, where: 'id IN (SELECT observation_id FROM incident_observations WHERE incident_id = ?)' } },
    select: 'id, type, level, status, lon, lat, asset_ids, alarm_active, raised_at, updated_at',
    toJson: (r) => ({
      type: r.type,
      level: r.level,
      status: r.status,
      location: { type: 'Point', coordinates: [r.lon, r.lat] },
      assetIds: json(r.asset_ids),
      alarmActive: r.alarm_active === 1,
      raisedAt: iso(r.raised_at),
      updatedAt: iso(r.updated_at),
    }),
  },
};

export function isEntitySetName(name: string): name is EntitySetName {
  return Object.hasOwn(ENTITY_SETS, name);
}
