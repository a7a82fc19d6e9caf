/**
 * The SQLite schema of the monitoring server, as numbered migrations. `PRAGMA user_version`
 * records how many have run; each runs in its own transaction, once.
 */
import type { Database } from 'better-sqlite3';

export const MIGRATIONS: readonly string[] = [
  // 1: SensorThings entities, observations, incidents.
  `
  CREATE TABLE things (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '', properties TEXT
  );
  CREATE INDEX things_asset ON things (json_extract(properties, '$.assetId'));
  CREATE TABLE locations (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',
    encoding_type TEXT NOT NULL, location TEXT NOT NULL, lon REAL, lat REAL, properties TEXT
  );
  CREATE TABLE thing_locations (
    thing_id INTEGER NOT NULL REFERENCES things (id) ON DELETE CASCADE,
    location_id INTEGER NOT NULL REFERENCES locations (id) ON DELETE CASCADE,
    PRIMARY KEY (thing_id, location_id)
  );
  CREATE INDEX thing_locations_location ON thing_locations (location_id);
  CREATE TABLE sensors (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',
    encoding_type TEXT NOT NULL, metadata TEXT NOT NULL, properties TEXT
  );
  CREATE TABLE observed_properties (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, definition TEXT NOT NULL, description TEXT NOT NULL DEFAULT '', properties TEXT
  );
  CREATE TABLE datastreams (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',
    observation_type TEXT NOT NULL, unit TEXT NOT NULL, properties TEXT,
    thing_id INTEGER NOT NULL REFERENCES things (id) ON DELETE CASCADE,
    sensor_id INTEGER NOT NULL REFERENCES sensors (id),
    observed_property_id INTEGER NOT NULL REFERENCES observed_properties (id)
  );
  CREATE INDEX datastreams_thing ON datastreams (thing_id);
  CREATE TABLE observations (
    id INTEGER PRIMARY KEY, datastream_id INTEGER NOT NULL REFERENCES datastreams (id) ON DELETE CASCADE,
    phenomenon_time INTEGER NOT NULL, result_time INTEGER, result, parameters TEXT
  );
  CREATE INDEX observations_datastream_time ON observations (datastream_id, phenomenon_time);
  CREATE TABLE incidents (
    id INTEGER PRIMARY KEY, type TEXT NOT NULL, level INTEGER NOT NULL, status TEXT NOT NULL,
    lon REAL NOT NULL, lat REAL NOT NULL, asset_ids TEXT NOT NULL, alarm_active INTEGER NOT NULL,
    raised_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
  );
  CREATE INDEX incidents_open ON incidents (status, type);
  CREATE TABLE incident_sources (
    incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    datastream_id INTEGER NOT NULL, state INTEGER NOT NULL,
    PRIMARY KEY (incident_id, datastream_id)
  );
  CREATE INDEX incident_sources_datastream ON incident_sources (datastream_id);
  CREATE TABLE incident_observations (
    incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    observation_id INTEGER NOT NULL,
    PRIMARY KEY (incident_id, observation_id)
  );
  CREATE TABLE incident_events (
    id INTEGER PRIMARY KEY, incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    kind TEXT NOT NULL, status TEXT NOT NULL, level INTEGER NOT NULL, actor TEXT NOT NULL, at INTEGER NOT NULL, note TEXT
  );
  CREATE INDEX incident_events_incident ON incident_events (incident_id);
  `,
  // 2: the linked unit of an emergency-log entry (notify, arrive).
  `
  ALTER TABLE incident_events ADD COLUMN unit TEXT;
  `,
  // 3: FeaturesOfInterest (one generated per Location, reused), HistoricalLocations, phenomenon-time
  // intervals (an end; null for an instant). Observations stored before get their Thing's FOI.
  `
  CREATE TABLE features_of_interest (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',
    encoding_type TEXT NOT NULL, feature TEXT NOT NULL, lon REAL, lat REAL, properties TEXT,
    location_id INTEGER REFERENCES locations (id) ON DELETE SET NULL
  );
  CREATE UNIQUE INDEX features_of_interest_location ON features_of_interest (location_id) WHERE location_id IS NOT NULL;
  ALTER TABLE observations ADD COLUMN phenomenon_time_end INTEGER;
  ALTER TABLE observations ADD COLUMN feature_of_interest_id INTEGER REFERENCES features_of_interest (id) ON DELETE CASCADE;
  CREATE INDEX observations_feature_of_interest ON observations (feature_of_interest_id);
  CREATE TABLE historical_locations (
    id INTEGER PRIMARY KEY, thing_id INTEGER NOT NULL REFERENCES things (id) ON DELETE CASCADE, time INTEGER NOT NULL
  );
  CREATE INDEX historical_locations_thing ON historical_locations (thing_id, time);
  CREATE TABLE historical_location_locations (
    historical_location_id INTEGER NOT NULL REFERENCES historical_locations (id) ON DELETE CASCADE,
    location_id INTEGER NOT NULL REFERENCES locations (id) ON DELETE CASCADE,
    PRIMARY KEY (historical_location_id, location_id)
  );
  CREATE INDEX historical_location_locations_location ON historical_location_locations (location_id);
  INSERT INTO features_of_interest (name, description, encoding_type, feature, lon, lat, location_id)
    SELECT name, description, encoding_type, location, lon, lat, id FROM locations WHERE id IN (SELECT location_id FROM thing_locations);
  UPDATE observations SET feature_of_interest_id = (
    SELECT f.id FROM datastreams d JOIN features_of_interest f
      ON f.location_id = (SELECT max(location_id) FROM thing_locations WHERE thing_id = d.thing_id)
    WHERE d.id = observations.datastream_id);
  `,
  // 4: which FeaturesOfInterest each Datastream's observations have, instead of an index of
  // observations by FeatureOfInterest: that second index, with a FeatureOfInterest on every row,
  // took ingest from ~147k to ~79k observations/s (issue 17). A FeatureOfInterest's observations are
  // read through it and the (datastream_id, phenomenon_time) index. A link may outlive its last
  // observation (deleted, pruned, moved by PATCH): reads filter on the observation's own
  // feature_of_interest_id all the same.
  `
  CREATE TABLE datastream_features (
    datastream_id INTEGER NOT NULL REFERENCES datastreams (id) ON DELETE CASCADE,
    feature_of_interest_id INTEGER NOT NULL REFERENCES features_of_interest (id) ON DELETE CASCADE,
    PRIMARY KEY (feature_of_interest_id, datastream_id)
  ) WITHOUT ROWID;
  CREATE INDEX datastream_features_datastream ON datastream_features (datastream_id);
  INSERT OR IGNORE INTO datastream_features (datastream_id, feature_of_interest_id)
    SELECT DISTINCT datastream_id, feature_of_interest_id FROM observations WHERE feature_of_interest_id IS NOT NULL;
  DROP INDEX observations_feature_of_interest;
  `,
];

/** Bring a database up to the newest schema. Returns the number of migrations run. */
export function migrate(db: Database): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) throw new Error(`database schema ${current} is newer than this server (${MIGRATIONS.length})`);
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
  return MIGRATIONS.length - current;
}
