import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateDistrict } from '../demo/district.ts';
import { generateNetwork } from '../demo/network.ts';
import { evaluateThreshold } from '../domain/monitoring/thresholds.ts';
import { defaultThresholdRules } from '../server/sensorthings/index.ts';
import { startTestServer, TEST_KEY, type TestServer } from '../server/sensorthings/testing/test-server.ts';
import { createScenario, networkDistances } from './scenarios.ts';
import { baseline, demand } from './signals.ts';
import { LifelineSimulator } from './simulator.ts';
import { planSites, scaleSites, type SensorSite } from './sites.ts';

const district = generateDistrict();
const network = generateNetwork(district);
const sites = planSites(district, network);
const rules = new Map(defaultThresholdRules().map((r) => [r.observedProperty, r]));
const stateOf = (site: SensorSite, value: number) => {
  const rule = rules.get(site.property);
  return rule ? evaluateThreshold(rule, value) : 'normal';
};
const T0 = Date.parse('2026-11-25T02:00:00Z'); // 10:00 in Foshan
const MINUTE = 60_000;

describe('sensor sites', () => {
  test('every kind of sensor is bound to an asset of the district', () => {
    const byProperty = new Map<string, number>();
    for (const site of sites) byProperty.set(site.property, (byProperty.get(site.property) ?? 0) + 1);
    expect(Object.fromEntries(byProperty)).toMatchObject({ methane: expect.any(Number), 'water-pressure': expect.any(Number), 'water-flow': expect.any(Number), 'drainage-level': expect.any(Number), settlement: expect.any(Number), 'building-tilt': 24 });
    const assetIds = new Set([...network.assets.map((a) => a.id), ...district.buildings.map((b) => b.properties.id)]);
    for (const site of sites.filter((s) => s.property !== 'settlement')) expect(assetIds.has(site.assetId)).toBe(true);
    expect(new Set(sites.map((s) => s.key)).size).toBe(sites.length);
    expect(sites.length).toBeGreaterThan(1000);
  });

  test('scaling to 10,000 keeps keys unique', () => {
    const scaled = scaleSites(sites, 10_000);
    expect(scaled).toHaveLength(10_000);
    expect(new Set(scaled.map((s) => s.key)).size).toBe(10_000);
  });
});

describe('normal behaviour', () => {
  test('stays below every threshold around the clock, with demand peaking in the morning and evening', () => {
    for (let hour = 0; hour < 24; hour++) {
      for (const site of sites) expect(stateOf(site, baseline(site, T0 + hour * 60 * MINUTE, hour))).toBe('normal');
    }
    expect(demand(Date.parse('2026-11-25T23:30:00Z'))).toBeGreaterThan(0.9); // 07:30 local
    expect(demand(Date.parse('2026-11-25T19:00:00Z'))).toBeLessThan(0.2); // 03:00 local
  });
});

describe('scenarios', () => {
  test('a gas leak reaches level I at its well and spreads to neighbours later, the further the later', () => {
    const leak = createScenario('gas-leak', sites, network, T0, { seed: 3 });
    const origin = sites.find((s) => s.assetId === leak.originAssetId && s.property === 'methane')!;
    const at = (site: SensorSite, minutes: number) => leak.apply(site, 1, T0 + minutes * MINUTE);
    expect(stateOf(origin, at(origin, 5))).toBe(1);
    const neighbours = sites.filter((s) => s.property === 'methane' && s !== origin).map((s) => ({ s, d: Math.hypot((s.lonDegrees - origin.lonDegrees) * 102_000, (s.latDegrees - origin.latDegrees) * 110_600) })).filter((n) => n.d < 120).sort((a, b) => a.d - b.d);
    expect(neighbours.length).toBeGreaterThan(0);
    const near = neighbours[0]!.s;
    expect(at(near, 0.5)).toBeLessThan(at(near, 8));
    expect(stateOf(near, at(near, 8))).not.toBe('normal');
    expect(at(origin, 60)).toBe(1); // over, and recovered
  });

  test('a burst lowers pressure along the network, nearer first', () => {
    const burst = createScenario('water-main-burst', sites, network, T0, { seed: 5 });
    const distances = networkDistances(network, 'water', burst.originAssetId);
    const pressure = sites.filter((s) => s.property === 'water-pressure' && distances.has(s.assetId)).sort((a, b) => distances.get(a.assetId)! - distances.get(b.assetId)!);
    const origin = pressure[0]!;
    expect(distances.get(origin.assetId)).toBe(0);
    const far = pressure.find((s) => distances.get(s.assetId)! > 600)!;
    expect(stateOf(origin, burst.apply(origin, 0.3, T0 + 3 * MINUTE))).toBe(1);
    // 20 s in: the wave has reached the burst but not a sensor 600 m away along the pipes.
    expect(burst.apply(far, 0.3, T0 + 20_000)).toBe(0.3);
    expect(burst.apply(far, 0.3, T0 + 5 * MINUTE)).toBeLessThan(0.3);
  });

  test('a rainstorm floods the deep wells before the shallow ones', () => {
    const storm = createScenario('rainstorm', sites, network, T0);
    const levels = sites.filter((s) => s.property === 'drainage-level');
    const deep = levels.reduce((a, b) => ((a.downstream ?? 0) > (b.downstream ?? 0) ? a : b));
    const shallow = levels.reduce((a, b) => ((a.downstream ?? 0) < (b.downstream ?? 0) ? a : b));
    const peak = T0 + 8 * MINUTE;
    expect(stateOf(deep, storm.apply(deep, baseline(deep, peak, 1), peak))).toBe(1);
    expect(storm.apply(shallow, 20, peak)).toBeLessThan(storm.apply(deep, 20, peak));
  });

  test('a road point settles past level II and holds', () => {
    const settlement = createScenario('settlement', sites, network, T0, { seed: 2 });
    const origin = sites.find((s) => s.assetId === settlement.originAssetId)!;
    expect(stateOf(origin, settlement.apply(origin, 2, T0 + 10 * MINUTE))).toBeLessThanOrEqual(2);
    expect(settlement.apply(origin, 2, T0 + 20 * MINUTE)).toBe(settlement.apply(origin, 2, T0 + 10 * MINUTE));
  });
});

describe('against a SensorThings server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  test('registers its sensors once, posts readings, and a scenario raises an incident', async () => {
    const some = sites.filter((s) => s.property === 'methane').slice(0, 40);
    const simulator = new LifelineSimulator({ baseUrl: server.base, apiKey: TEST_KEY, sites: some, network });
    expect(await simulator.bootstrap()).toBe(40);
    expect(await new LifelineSimulator({ baseUrl: server.base, apiKey: TEST_KEY, sites: some, network }).bootstrap()).toBe(0);
    await simulator.tick();
    expect(server.monitoring.database.count('observations')).toBe(40);
    expect(server.monitoring.database.count('incidents')).toBe(0);
    simulator.startScenario('gas-leak', { originAssetId: some[0]!.assetId, durationMs: 10 * MINUTE });
    // Five simulated minutes later, the leak has reached level I at its well.
    const realNow = simulator.now;
    simulator.now = () => realNow.call(simulator) + 5 * MINUTE;
    await simulator.tick();
    const incidents = await server.json<{ value: { type: string; level: number; assetIds: string[] }[] }>('Incidents');
    expect(incidents.value[0]).toMatchObject({ type: 'methane-over-limit', level: 1 });
    expect(incidents.value[0]!.assetIds).toContain(some[0]!.assetId);
  });
});
