/** The simulator at city scale: sites over a Hefei-sized area, sensors seeded straight into a database, the storm burst. */
import { afterEach, describe, expect, test } from 'vitest';
import { generateDistrict } from '../demo/district.ts';
import { generateNetwork } from '../demo/network.ts';
import { evaluateThreshold } from '../domain/monitoring/thresholds.ts';
import { defaultThresholdRules } from '../server/sensorthings/index.ts';
import { MonitoringDatabase } from '../server/sensorthings/database.ts';
import { startTestServer, temporaryDatabase, TEST_KEY } from '../server/sensorthings/testing/test-server.ts';
import { createBurst } from './scenarios.ts';
import { seedSensors, simulatorDatastreamIds } from './seed.ts';
import { LifelineSimulator } from './simulator.ts';
import { citySites, CITY_PATCH_SPACING_METRES, planSites } from './sites.ts';

const district = generateDistrict();
const network = generateNetwork(district);
const sites = planSites(district, network);
const drainageRule = defaultThresholdRules().find((r) => r.observedProperty === 'drainage-level')!;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('city sites', () => {
  test('85,000 sensors: the district first, then copies in district-sized patches 6 km apart over about 38 km × 38 km, keys and asset ids unique', () => {
    const city = citySites(sites, 85_000);
    expect(city).toHaveLength(85_000);
    expect(city.slice(0, sites.length)).toEqual(sites);
    expect(new Set(city.map((s) => s.key)).size).toBe(85_000);
    expect(new Set(city.map((s) => `${s.property}@${s.assetId}`)).size).toBe(85_000);
    const lons = city.map((s) => s.lonDegrees);
    const lats = city.map((s) => s.latDegrees);
    const widthMetres = (Math.max(...lons) - Math.min(...lons)) * 111_320 * Math.cos((23.02 * Math.PI) / 180);
    const heightMetres = (Math.max(...lats) - Math.min(...lats)) * 110_574;
    // A square of patches, as many as needed: ceil(sqrt(patches)) - 1 spacings and one district (2 km) across.
    const spacings = Math.ceil(Math.sqrt(Math.ceil(85_000 / sites.length))) - 1;
    for (const metres of [widthMetres, heightMetres]) {
      expect(metres).toBeGreaterThan(spacings * CITY_PATCH_SPACING_METRES);
      expect(metres).toBeLessThan(spacings * CITY_PATCH_SPACING_METRES + 2500);
      expect(metres).toBeGreaterThan(30_000); // Hefei's built-up area is some 40 km across
    }
    // The demo district holds only its own sites: a view on it sees under 2 % of the city.
    const [minLon, maxLon] = [Math.min(...sites.map((s) => s.lonDegrees)), Math.max(...sites.map((s) => s.lonDegrees))];
    const [minLat, maxLat] = [Math.min(...sites.map((s) => s.latDegrees)), Math.max(...sites.map((s) => s.latDegrees))];
    expect(city.filter((s) => s.lonDegrees >= minLon && s.lonDegrees <= maxLon && s.latDegrees >= minLat && s.latDegrees <= maxLat)).toHaveLength(sites.length);
  });
});

describe('the burst', () => {
  test('every drainage sensor of the city into overflow from the same reading, nothing else touched, normal again after', () => {
    const city = citySites(sites, 20_000);
    const T0 = Date.parse('2026-12-06T02:00:00Z');
    const burst = createBurst(T0, 5 * 60_000);
    const drainage = city.filter((s) => s.property === 'drainage-level');
    expect(drainage.length).toBeGreaterThan(500);
    for (const site of drainage) {
      expect(burst.apply(site, 20, T0 - 1)).toBe(20);
      expect(evaluateThreshold(drainageRule, burst.apply(site, 20, T0))).not.toBe('normal');
      expect(burst.apply(site, 20, T0 + 5 * 60_000)).toBe(20);
    }
    const other = city.find((s) => s.property === 'methane')!;
    expect(burst.apply(other, 1.2, T0 + 1)).toBe(1.2);
  });
});

describe('seeding a database', () => {
  test('writes the Things the simulator registers, once, with a reading each; the simulator then registers none and sends in requests of at most 10,000', async () => {
    const file = temporaryDatabase();
    cleanups.push(() => file.remove());
    const city = citySites(sites, 12_000);
    const database = new MonitoringDatabase({ path: file.path, rules: defaultThresholdRules() });
    expect(seedSensors(database, city, { readingAtMs: Date.now() - 60_000 })).toEqual({ created: 12_000, readings: 12_000 });
    expect(seedSensors(database, city)).toEqual({ created: 0, readings: 0 });
    expect(database.count('datastreams')).toBe(12_000);
    // Each site's Datastream, found by its key: the one on the Thing named for that site.
    const ids = simulatorDatastreamIds(database);
    expect(ids.size).toBe(12_000);
    for (const site of [city[0]!, city[5_000]!, city[11_999]!]) {
      const row = database.db.prepare("SELECT json_extract(t.properties, '$.simulatorKey') AS key FROM datastreams d JOIN things t ON t.id = d.thing_id WHERE d.id = ?").get(ids.get(site.key)) as { key: string };
      expect(row.key).toBe(site.key);
    }
    database.close();

    const server = await startTestServer({ databasePath: file.path });
    cleanups.push(() => server.close());
    const bodies: number[] = [];
    const counting: typeof fetch = async (input, init) => {
      if (String(input).endsWith('/CreateObservations')) bodies.push((JSON.parse(String(init!.body)) as unknown[]).length);
      return fetch(input, init);
    };
    const simulator = new LifelineSimulator({ baseUrl: server.base, apiKey: TEST_KEY, sites: city, network, fetch: counting });
    expect(await simulator.bootstrap()).toBe(0);
    simulator.burst(60_000);
    await simulator.tick();
    expect(bodies).toEqual([10_000, 2_000]);
    expect(server.monitoring.database.count('observations')).toBe(24_000);
    // The burst raised drainage incidents across the city, the other patches included.
    const incidents = await server.json<{ value: { assetIds: string[] }[] }>('Incidents?$top=1000');
    expect(incidents.value.some((i) => i.assetIds.some((a) => a.includes('~')))).toBe(true);
  });

});
