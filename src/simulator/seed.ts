/**
 * Sensors written straight into a monitoring database, for city-scale tests: registering 85,000
 * Things one HTTP request at a time takes minutes, one transaction here takes seconds. The Things
 * are the ones the simulator registers (same properties, `simulatorKey` included), so a simulator
 * started against the server afterwards finds them and only sends readings.
 */
import type { MonitoringDatabase } from '../server/sensorthings/database.ts';
import { thingSchema } from '../server/sensorthings/payloads.ts';
import { baseline, round } from './signals.ts';
import { OBSERVED_PROPERTIES, type SensorSite } from './sites.ts';
import { thingOf } from './simulator.ts';

export interface SeedResult {
  /** Things created now (sites already there are skipped). */
  created: number;
  /** Readings stored (one per created sensor, when asked for). */
  readings: number;
}

/**
 * Create the sites' Things (with their Location and one Datastream each) that are not there yet;
 * with `readingAtMs`, store each new sensor's normal reading at that time too, so it starts online.
 */
export function seedSensors(database: MonitoringDatabase, sites: readonly SensorSite[], options: { readingAtMs?: number } = {}): SeedResult {
  const db = database.db;
  return db.transaction(() => {
    const existing = new Set((db.prepare("SELECT json_extract(properties, '$.simulatorKey') AS key FROM things WHERE json_extract(properties, '$.simulator') = 'cim-twin'").all() as { key: string }[]).map((r) => r.key));
    const sensorIds = new Map<string, number>();
    const propertyIds = new Map<string, number>();
    const readings: { datastreamId: number; phenomenonTimeMs: number; resultTimeMs: null; result: number }[] = [];
    let created = 0;
    for (const site of sites) {
      if (existing.has(site.key)) continue;
      const property = OBSERVED_PROPERTIES[site.property];
      if (!sensorIds.has(site.property)) {
        sensorIds.set(site.property, Number(database.createSensor({ name: property.sensor, description: `${property.zh}（模拟）`, encodingType: 'text/plain', metadata: 'cim-twin lifeline simulator' })));
        propertyIds.set(site.property, Number(database.createObservedProperty({ name: site.property, definition: `urn:cim-twin:observed-property:${site.property}`, description: property.zh })));
      }
      const { id: thingId } = database.createThing(thingSchema.parse(thingOf(site, sensorIds.get(site.property)!, propertyIds.get(site.property)!)));
      created++;
      if (options.readingAtMs !== undefined) {
        const { id } = db.prepare('SELECT id FROM datastreams WHERE thing_id = ?').get(thingId) as { id: number };
        readings.push({ datastreamId: id, phenomenonTimeMs: options.readingAtMs, resultTimeMs: null, result: round(site, baseline(site, options.readingAtMs, 0)) });
      }
    }
    for (let i = 0; i < readings.length; i += 10_000) database.insertObservations(readings.slice(i, i + 10_000));
    return { created, readings: readings.length };
  })();
}

/** Each simulator site's Datastream id in a monitoring database, by `simulatorKey` (the Things seedSensors or the simulator made). */
export function simulatorDatastreamIds(database: MonitoringDatabase): Map<string, number> {
  const rows = database.db.prepare("SELECT d.id AS id, json_extract(t.properties, '$.simulatorKey') AS key FROM datastreams d JOIN things t ON t.id = d.thing_id WHERE json_extract(t.properties, '$.simulator') = 'cim-twin'").all() as { id: number; key: string }[];
  return new Map(rows.map((r) => [r.key, r.id]));
}
