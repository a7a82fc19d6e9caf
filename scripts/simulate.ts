#!/usr/bin/env -S npx tsx
/**
 * `npm run simulate`: the lifeline simulator against any SensorThings 1.1 endpoint.
 *
 *   --url URL            the endpoint (default http://127.0.0.1:8080/v1.1)
 *   --sensors N          sensors (default: the demo district's ~1,400 sites; more are copies)
 *   --area AREA          where copies go: "district" (default: a few metres from the originals, in
 *                        the demo district) or "city" (district-sized patches 6 km apart: at
 *                        85,000 about 38 km × 38 km, a Hefei-sized city, the demo district one of them)
 *   --seed-database FILE write the sensors' Things straight into this SQLite monitoring database
 *                        (one transaction, seconds for 85,000; HTTP registration takes minutes),
 *                        with one normal reading each, then register and send as usual
 *   --burst MINUTES      a storm over the whole area now: every drainage sensor into overflow at
 *                        once, for MINUTES (simulated)
 *   --interval S         seconds between readings of each sensor (default 10; 1 for 1 Hz)
 *   --speed X            simulated time per real time (default 1). Above 1 the readings' times run
 *                        ahead of the clock: give the server room (--max-future-skew), or it refuses them
 *   --scenario NAME      start a scenario now: gas-leak, water-main-burst, rainstorm, settlement (repeatable)
 *   --cycle              run the four scenarios in turn, forever
 *   --mqtt URL           publish the readings to this MQTT broker (v1.1/Datastreams(<id>)/Observations)
 *                        instead of posting them; the sensors are still registered over HTTP
 * Environment: MONITORING_API_KEY; MQTT_USERNAME, MQTT_PASSWORD.
 */
import { parseArgs } from 'node:util';
import { generateDistrict } from '../src/demo/district.ts';
import { generateNetwork } from '../src/demo/network.ts';
import { SCENARIO_NAMES, type ScenarioName } from '../src/simulator/scenarios.ts';
import { LifelineSimulator } from '../src/simulator/simulator.ts';
import { mqttSender } from '../src/simulator/mqtt-sender.ts';
import { citySites, planSites, scaleSites } from '../src/simulator/sites.ts';
import { seedSensors } from '../src/simulator/seed.ts';
import { MonitoringDatabase } from '../src/server/sensorthings/database.ts';
import { defaultThresholdRules } from '../src/server/sensorthings/index.ts';

async function main() {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: 'http://127.0.0.1:8080/v1.1' },
      sensors: { type: 'string' },
      interval: { type: 'string', default: '10' },
      speed: { type: 'string', default: '1' },
      scenario: { type: 'string', multiple: true, default: [] },
      cycle: { type: 'boolean', default: false },
      mqtt: { type: 'string' },
      area: { type: 'string', default: 'district' },
      'seed-database': { type: 'string' },
      burst: { type: 'string' },
    },
  });
  if (values.area !== 'district' && values.area !== 'city') throw new Error(`--area ${values.area}: must be district or city`);
  const count = values.sensors === undefined ? undefined : Number(values.sensors);
  if (count !== undefined && (!Number.isInteger(count) || count < 1)) throw new Error(`--sensors ${values.sensors}: must be a whole number above 0`);
  const burstMinutes = values.burst === undefined ? undefined : Number(values.burst);
  if (burstMinutes !== undefined && !(burstMinutes > 0)) throw new Error(`--burst ${values.burst}: must be minutes above 0`);
  const apiKey = process.env.MONITORING_API_KEY;
  if (!apiKey) throw new Error('set MONITORING_API_KEY to a write key of the server');
  for (const name of values.scenario) if (!(SCENARIO_NAMES as readonly string[]).includes(name)) throw new Error(`unknown scenario ${name} (${SCENARIO_NAMES.join(', ')})`);
  const district = generateDistrict();
  const network = generateNetwork(district);
  const planned = planSites(district, network);
  const sites = count === undefined ? planned : values.area === 'city' ? citySites(planned, count) : scaleSites(planned, count);
  if (values['seed-database']) {
    const database = new MonitoringDatabase({ path: values['seed-database'], rules: defaultThresholdRules() });
    try {
      const seeded = seedSensors(database, sites, { readingAtMs: Date.now() });
      console.log(`${values['seed-database']}: ${seeded.created} sensors written (${sites.length - seeded.created} there already)`);
    } finally {
      database.close();
    }
  }
  const sender = values.mqtt ? await mqttSender(values.mqtt, { username: process.env.MQTT_USERNAME, password: process.env.MQTT_PASSWORD }) : undefined;
  const simulator = new LifelineSimulator({
    baseUrl: values.url.replace(/\/$/, ''),
    apiKey,
    sites,
    network,
    intervalMilliseconds: Number(values.interval) * 1000,
    speed: Number(values.speed),
    cycle: values.cycle,
    log: (line) => console.log(line),
    send: sender?.send,
  });
  const created = await simulator.bootstrap();
  console.log(`${sites.length} sensors (${created} registered now), a reading each every ${values.interval} s${values.mqtt ? `, published to ${values.mqtt}` : ''}`);
  for (const name of values.scenario) simulator.startScenario(name as ScenarioName);
  if (burstMinutes !== undefined) simulator.burst(burstMinutes * 60_000);
  simulator.start();
  process.on('SIGINT', () => {
    simulator.stop();
    void (sender?.close() ?? Promise.resolve()).then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
