#!/usr/bin/env -S npx tsx
/**
 * `npm run simulate`: the lifeline simulator against any SensorThings 1.1 endpoint.
 *
 *   --url URL            the endpoint (default http://127.0.0.1:8080/v1.1)
 *   --sensors N          sensors (default: the demo district's ~1,400 sites; more are copies)
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
import { planSites, scaleSites } from '../src/simulator/sites.ts';

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
    },
  });
  const apiKey = process.env.MONITORING_API_KEY;
  if (!apiKey) throw new Error('set MONITORING_API_KEY to a write key of the server');
  for (const name of values.scenario) if (!(SCENARIO_NAMES as readonly string[]).includes(name)) throw new Error(`unknown scenario ${name} (${SCENARIO_NAMES.join(', ')})`);
  const district = generateDistrict();
  const network = generateNetwork(district);
  const planned = planSites(district, network);
  const sites = values.sensors ? scaleSites(planned, Number(values.sensors)) : planned;
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
