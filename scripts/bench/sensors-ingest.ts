/**
 * Ingest at city scale for `npm run bench` (BENCH_ONLY=sensors-ingest), issue 17's §4 and ingest
 * targets, per backend (SQLite and PostgreSQL, a column each; BENCH_INGEST_BACKENDS=sqlite or
 * =postgres runs one), the server in a process of its own, with BENCH_INGEST_SENSORS sensors
 * (default 85,000, the simulator's city layout) registered before it starts, written straight into
 * its database (SQLite: seedSensors in one transaction; PostgreSQL: the store's createThing, 32 at
 * a time, group-committed), each with one normal reading a minute old:
 *  (a) burst: 4 writers posting CreateObservations of 1,000 readings back to back for
 *      BENCH_INGEST_BURST_SECONDS (default 60): observations/s stored (target ≥ 5,000 on PostgreSQL);
 *  (b) MQTT creates, QoS 1, through the server's binding (same checks as a POST), for
 *      BENCH_INGEST_MQTT_SECONDS (default 30): a third with 4 publishers at full speed (stored
 *      against published: the broker acknowledges QoS 1 itself, and drops what passes its queue
 *      for a subscriber that falls behind), two thirds in windows of 800 publishes each waited
 *      for until stored (observations/s the server takes); then paced: 4 publishers at a fixed
 *      total rate by the wall clock (not waiting for storage), BENCH_INGEST_MQTT_PACED_RATES (default
 *      1420,5000: the city's sustained rate and the burst target) for BENCH_INGEST_MQTT_PACED_SECONDS
 *      each (default 60), then a bounded wait until stored: the publish rate achieved, stored against
 *      published, how far behind the server was when publishing stopped, and publish → stored p95;
 *  (c) sustained: every sensor a reading a minute (at 85,000, 1,417 a second: one
 *      CreateObservations a second with the sensors due), for BENCH_INGEST_SUSTAINED_SECONDS
 *      (default 600): lag (acknowledged − due) in the first and last fifth, and the server's RSS;
 *  (d) POST → SSE event latency during (c): one POST a second on a probe sensor, an SSE client
 *      whose bbox holds only it (target p95 ≤ 200 ms).
 * (c) and (d) run first, on the freshly started server; then (a) and (b).
 * BENCH_SHORT=1 shortens (a) to 20 s, (b) to 15 s (paced: 20 s a rate) and (c) to 120 s.
 *
 * The broker: unless BENCH_MQTT_URL names one, each backend's run starts a Mosquitto of its own
 * (/usr/sbin/mosquitto, or MOSQUITTO_BINARY) on a free port, with the per-client queue that
 * scripts/mosquitto-ingest.conf says a deployment taking MQTT creates needs (max_queued_messages
 * 1,000,000; BENCH_MOSQUITTO_MAX_QUEUED overrides, 0 = no bound): Mosquitto's default of 1,000 drops
 * the QoS 1 creates past the server's window while the store is behind (issue 17: 168,955 of 234,000
 * stored at full speed on PostgreSQL). Persistence off; stopped at the end. Its $SYS counter gives
 * the messages it dropped, /proc its RSS.
 */
import { readFileSync } from 'node:fs';
import { connectAsync } from 'mqtt';
import { startMosquitto, type Mosquitto } from '../../src/server/sensorthings/testing/mosquitto.ts';
import { generateDistrict } from '../../src/demo/district.ts';
import { generateNetwork } from '../../src/demo/network.ts';
import { StreamClient } from '../../src/monitoring/stream-client.ts';
import { MonitoringDatabase } from '../../src/server/sensorthings/database.ts';
import { freePort, getJson, monitoringBackends, post, startServerProcess, type MonitoringBackend, type ServerProcess } from '../../src/server/sensorthings/faults/harness.ts';
import { defaultThresholdRules } from '../../src/server/sensorthings/index.ts';
import { thingSchema } from '../../src/server/sensorthings/payloads.ts';
import { PostgresMonitoringStore } from '../../src/server/sensorthings/postgres-store.ts';
import { thingPayload } from '../../src/server/sensorthings/testing/test-server.ts';
import { seedSensors, simulatorDatastreamIds } from '../../src/simulator/seed.ts';
import { baseline, round } from '../../src/simulator/signals.ts';
import { thingOf } from '../../src/simulator/simulator.ts';
import { citySites, planSites, type SensorSite, OBSERVED_PROPERTIES } from '../../src/simulator/sites.ts';

/** A broker given, instead of one of the bench's own per backend. */
const GIVEN_BROKER = process.env.BENCH_MQTT_URL;
const MAXIMUM_QUEUED = process.env.BENCH_MOSQUITTO_MAX_QUEUED === undefined ? undefined : Number(process.env.BENCH_MOSQUITTO_MAX_QUEUED);
const short = !!process.env.BENCH_SHORT;
const seconds = (name: string, full: number, shortened: number) => Number(process.env[name] ?? (short ? shortened : full));

export interface IngestScale {
  sensors: number;
  burstSeconds: number;
  mqttSeconds: number;
  /** Paced MQTT: total publishes a second (4 publishers), each for mqttPacedSeconds. */
  mqttPacedRates: number[];
  mqttPacedSeconds: number;
  sustainedSeconds: number;
}

export function ingestScale(): IngestScale {
  return {
    sensors: Number(process.env.BENCH_INGEST_SENSORS ?? 85_000),
    burstSeconds: seconds('BENCH_INGEST_BURST_SECONDS', 60, 20),
    mqttSeconds: seconds('BENCH_INGEST_MQTT_SECONDS', 30, 15),
    mqttPacedRates: (process.env.BENCH_INGEST_MQTT_PACED_RATES ?? '1420,5000').split(',').map(Number).filter((r) => r > 0),
    mqttPacedSeconds: seconds('BENCH_INGEST_MQTT_PACED_SECONDS', 60, 20),
    sustainedSeconds: seconds('BENCH_INGEST_SUSTAINED_SECONDS', 600, 120),
  };
}

export interface BackendIngest {
  backend: string;
  /** Why it did not run. */
  skipped?: string;
  registerSeconds?: number;
  burstPerSecond?: number;
  mqtt?: MqttMeasure;
  /** The broker's config (its own) or URL (BENCH_MQTT_URL). */
  broker?: string;
  /** The bench's own broker: RSS peak (VmHWM, over the whole run), MB. */
  brokerRssPeak?: number;
  /** Server RSS peak during the burst and MQTT phases, MB. */
  rssPeakAfter?: number;
  sustainedRate?: number;
  /** Lag acknowledged − due, ms: p50/p95 of the first and last fifth, and the maximum. */
  lagFirst?: [number, number];
  lagLast?: [number, number];
  lagMax?: number;
  /** Server RSS, MB: median of the first and the last fifth, and the peak. */
  rssFirst?: number;
  rssLast?: number;
  rssPeak?: number;
  sseP50?: number;
  sseP95?: number;
  sseSamples?: number;
  /** Probes posted (acknowledged or not): those never seen on the stream are the difference. */
  sseProbes?: number;
  sustainedFailures?: number;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const median = (values: number[]) => percentile(values, 50);
const fifth = <T>(values: T[], which: 'first' | 'last') => (which === 'first' ? values.slice(0, Math.max(1, Math.floor(values.length / 5))) : values.slice(-Math.max(1, Math.floor(values.length / 5))));

/** The server process's resident set, MB (Linux /proc). */
function rssMegabytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

function sites(count: number): SensorSite[] {
  const district = generateDistrict();
  return citySites(planSites(district, generateNetwork(district)), count);
}

/** Each site's Datastream id, written straight into a SQLite file (the simulator's --seed-database). */
function seedSqlite(path: string, all: SensorSite[]): Map<string, number> {
  const database = new MonitoringDatabase({ path, rules: defaultThresholdRules() });
  try {
    seedSensors(database, all, { readingAtMs: Date.now() - 60_000 });
    return simulatorDatastreamIds(database);
  } finally {
    database.close();
  }
}

/** Each site's Datastream id, written through the PostgreSQL store (its createThing, 32 at a time), each with a normal reading a minute old. */
async function seedPostgres(url: string, all: SensorSite[]): Promise<Map<string, number>> {
  const store = await PostgresMonitoringStore.open({ url, rules: defaultThresholdRules(), partitionTimer: false });
  try {
    const ids = new Map<string, number>();
    const sensorIds = new Map<string, number>();
    const propertyIds = new Map<string, number>();
    for (const property of new Set(all.map((s) => s.property))) {
      const p = OBSERVED_PROPERTIES[property];
      sensorIds.set(property, Number(await store.createSensor({ name: p.sensor, description: `${p.zh}（模拟）`, encodingType: 'text/plain', metadata: 'cim-twin lifeline simulator' })));
      propertyIds.set(property, Number(await store.createObservedProperty({ name: property, definition: `urn:cim-twin:observed-property:${property}`, description: p.zh })));
    }
    let next = 0;
    await Promise.all(Array.from({ length: 32 }, async () => {
      while (next < all.length) {
        const site = all[next++]!;
        await store.createThing(thingSchema.parse(thingOf(site, sensorIds.get(site.property)!, propertyIds.get(site.property)!)));
      }
    }));
    const { rows } = await store.pool.query<{ id: number; key: string }>("SELECT d.id::int AS id, t.properties::jsonb ->> 'simulatorKey' AS key FROM datastreams d JOIN things t ON t.id = d.thing_id");
    for (const r of rows) ids.set(r.key, r.id);
    const at = Date.now() - 60_000;
    const readings = all.map((site) => ({ datastreamId: ids.get(site.key)!, phenomenonTimeMs: at, resultTimeMs: null, result: round(site, baseline(site, at, 0)) }));
    for (let i = 0; i < readings.length; i += 10_000) await store.insertObservations(readings.slice(i, i + 10_000));
    return ids;
  } finally {
    await store.close();
  }
}

/** Each site's Datastream id, registered over HTTP (4 in flight): any backend. */
async function registerOverHttp(base: string, all: SensorSite[]): Promise<Map<string, number>> {
  const sensorIds = new Map<string, number>();
  const propertyIds = new Map<string, number>();
  for (const property of new Set(all.map((s) => s.property))) {
    const p = OBSERVED_PROPERTIES[property];
    const sensor = (await (await post(base, 'Sensors', { name: p.sensor, description: p.zh, encodingType: 'text/plain', metadata: 'bench' })).json()) as { '@iot.id': number };
    const observed = (await (await post(base, 'ObservedProperties', { name: property, definition: `urn:cim-twin:observed-property:${property}`, description: p.zh })).json()) as { '@iot.id': number };
    sensorIds.set(property, sensor['@iot.id']);
    propertyIds.set(property, observed['@iot.id']);
  }
  let next = 0;
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (next < all.length) {
      const site = all[next++]!;
      const response = await post(base, 'Things', thingOf(site, sensorIds.get(site.property)!, propertyIds.get(site.property)!));
      if (response.status !== 201) throw new Error(`register ${site.key}: ${response.status} ${await response.text()}`);
      await response.arrayBuffer();
    }
  }));
  const ids = new Map<string, number>();
  let page: string | undefined = `Things?$select=id,properties&$expand=${encodeURIComponent('Datastreams($select=id)')}&$top=5000`;
  while (page) {
    const body: { value: { properties: { simulatorKey?: string }; Datastreams: { '@iot.id': number }[] }[]; '@iot.nextLink'?: string } = await getJson(base, page);
    for (const thing of body.value) if (thing.properties.simulatorKey && thing.Datastreams[0]) ids.set(thing.properties.simulatorKey, thing.Datastreams[0]['@iot.id']);
    page = body['@iot.nextLink'] ? body['@iot.nextLink'].slice(body['@iot.nextLink'].indexOf('/Things') + 1) : undefined;
  }
  return ids;
}

/** The highest Observation id stored (ids only grow): how far ingest has got, without a $count. */
async function lastObservationId(base: string): Promise<number> {
  const page = await getJson<{ value: { '@iot.id': number }[] }>(base, 'Observations?$select=id&$orderby=id%20desc&$top=1');
  return page.value[0]?.['@iot.id'] ?? 0;
}

interface Sensor {
  site: SensorSite;
  datastreamId: number;
}

const readingOf = (s: Sensor, timeMs: number, step: number) => [new Date(timeMs).toISOString(), round(s.site, baseline(s.site, timeMs, step))];

/** Readings of these sensors as CreateObservations groups (one group per sensor). */
function createObservations(sensors: Sensor[], timeMs: number, step: number) {
  return sensors.map((s) => ({ Datastream: { '@iot.id': s.datastreamId }, components: ['phenomenonTime', 'result'], dataArray: [readingOf(s, timeMs, step)] }));
}

async function burst(base: string, sensors: Sensor[], durationSeconds: number): Promise<number> {
  let offset = 0;
  let stored = 0;
  let step = 1;
  const until = performance.now() + durationSeconds * 1000;
  const started = performance.now();
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (performance.now() < until) {
      const slice: Sensor[] = [];
      for (let i = 0; i < 1000; i++) slice.push(sensors[(offset + i) % sensors.length]!);
      offset += 1000;
      const text = JSON.stringify(createObservations(slice, Date.now() - 1000, step++));
      const response = await post(base, 'CreateObservations', text);
      if (response.status !== 201) throw new Error(`burst: ${response.status} ${await response.text()}`);
      const links = (await response.json()) as string[];
      stored += links.filter((l) => l !== 'error').length;
    }
  }));
  return stored / ((performance.now() - started) / 1000);
}

/** Wait until the last stored id reaches `target`, or stops moving for `quietMilliseconds`; the last id and when it last moved. */
async function settle(base: string, quietMilliseconds: number, target = Infinity): Promise<{ last: number; movedAt: number }> {
  let last = await lastObservationId(base);
  let movedAt = performance.now();
  while (last < target && performance.now() - movedAt < quietMilliseconds) {
    await new Promise((r) => setTimeout(r, 100));
    const now = await lastObservationId(base);
    if (now !== last) {
      last = now;
      movedAt = performance.now();
    }
  }
  return { last, movedAt };
}

export interface MqttMeasure {
  /** Open loop: 4 publishers as fast as the broker acknowledges (PUBACK), for a third of the time. */
  openPublished: number;
  openStored: number;
  /** Open loop: from the last PUBACK until the stored count reached its final value, ms. */
  openDrainMilliseconds: number;
  /** The broker's own count of messages it dropped ($SYS/broker/publish/messages/dropped) after the open loop and at the end; undefined without $SYS. */
  brokerDroppedOpen?: number;
  brokerDroppedEnd?: number;
  /** The broker's RSS peak during the MQTT phases (sampled every 250 ms), MB; the bench's own broker only. */
  brokerRssPeak?: number;
  /** Closed loop: windows of 800 publishes (200 per publisher), each waited for until stored. */
  closedPerSecond: number;
  closedPublished: number;
  closedStored: number;
  /** Open loop: how far the stored count was behind the published one when the publishers were done (past the server's Receive Maximum plus the broker's queue, the broker drops). */
  openBehindAtEnd: number;
  /** Closed loop, medians per window, ms: publishing the 800 (until the broker's PUBACKs), then until the bench saw them stored. */
  closedPublishMilliseconds: number;
  closedStoreMilliseconds: number;
  /** Paced: one per rate in IngestScale.mqttPacedRates, in that order. */
  paced: PacedMeasure[];
}

export interface PacedMeasure {
  /** Total publishes a second asked for (4 publishers). */
  targetPerSecond: number;
  /** Published over the time from the first publish to the last. */
  publishedPerSecond: number;
  published: number;
  /** Acknowledged by the broker (PUBACK). */
  acknowledged: number;
  /** Stored when the bounded wait after publishing ended. */
  stored: number;
  /** Published − stored when the last one was published. */
  behindAtEnd: number;
  /** From the last publish until the stored count (sampled every 50 ms) reached its final value, ms. */
  drainMilliseconds: number;
  /** Publish → stored, ms, p50 / p95: the n-th published against when the stored count (sampled every 50 ms) first reached n. */
  latencyP50: number;
  latencyP95: number;
}

type MqttClient = Awaited<ReturnType<typeof connectAsync>>;

/**
 * Paced: `rate` publishes a second in all from the 4 clients, by the wall clock (every 20 ms each
 * client publishes what is due by then, without waiting for PUBACKs or storage), for
 * `durationSeconds`; then waits until all are stored, or the stored count has not moved for 3 s, or
 * max(10 s, the duration) has passed. Stored counts come from the highest Observation id, sampled
 * every 50 ms throughout, so the publish → stored latency is to within about that; it matches the
 * n-th published to the n-th stored, which is exact while none are lost and the server stores them
 * in about the order they were published.
 */
async function mqttPaced(base: string, clients: MqttClient[], publishOne: (client: MqttClient) => Promise<unknown>, rate: number, durationSeconds: number): Promise<PacedMeasure> {
  const before = await lastObservationId(base);
  const publishedAt: number[] = [];
  const samples: { at: number; stored: number }[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const asked = performance.now();
      const stored = (await lastObservationId(base)) - before;
      samples.push({ at: performance.now(), stored }); // when the answer came: latencies err long, not short
      const wait = asked + 50 - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  let acknowledged = 0;
  const acks: Promise<void>[] = [];
  const perClient = rate / clients.length;
  const sent = clients.map(() => 0);
  const started = performance.now();
  const until = started + durationSeconds * 1000;
  try {
    for (;;) {
      const now = Math.min(performance.now(), until);
      const elapsed = (now - started) / 1000;
      clients.forEach((client, c) => {
        const due = Math.floor(elapsed * perClient) - sent[c]!;
        for (let i = 0; i < due; i++) {
          acks.push(publishOne(client).then(() => void acknowledged++));
          publishedAt.push(performance.now());
        }
        sent[c]! += Math.max(0, due);
      });
      if (now >= until) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const published = publishedAt.length;
    const lastPublish = publishedAt.at(-1) ?? started;
    const behindAtEnd = published - ((await lastObservationId(base)) - before);
    // The bounded wait.
    const waitStarted = performance.now();
    let stored = (await lastObservationId(base)) - before;
    let movedAt = waitStarted;
    while (stored < published && performance.now() - movedAt < 3_000 && performance.now() - waitStarted < Math.max(10_000, durationSeconds * 1000)) {
      await new Promise((r) => setTimeout(r, 50));
      const now = (await lastObservationId(base)) - before;
      if (now !== stored) {
        stored = now;
        movedAt = performance.now();
      }
    }
    await Promise.race([Promise.allSettled(acks), new Promise((r) => setTimeout(r, 2_000))]);
    sampling = false;
    await sampler;
    samples.push({ at: performance.now(), stored: (await lastObservationId(base)) - before });
    // The n-th published against the first sample with at least n stored.
    const latencies: number[] = [];
    let k = 0;
    for (let n = 0; n < Math.min(published, stored); n++) {
      while (k < samples.length && samples[k]!.stored < n + 1) k++;
      if (k === samples.length) break;
      latencies.push(Math.max(0, samples[k]!.at - publishedAt[n]!));
    }
    return {
      targetPerSecond: rate,
      publishedPerSecond: published / ((lastPublish - started) / 1000),
      published,
      acknowledged,
      stored,
      behindAtEnd,
      drainMilliseconds: Math.max(0, (samples.find((x) => x.stored >= stored)?.at ?? NaN) - lastPublish),
      latencyP50: percentile(latencies, 50),
      latencyP95: percentile(latencies, 95),
    };
  } finally {
    sampling = false;
    await sampler;
  }
}

async function mqttIngest(base: string, brokerUrl: string, broker: Mosquitto | undefined, prefix: string, sensors: Sensor[], durationSeconds: number, scale: IngestScale, log: (line: string) => void): Promise<MqttMeasure> {
  const clients = await Promise.all(Array.from({ length: 4 }, () => connectAsync(brokerUrl, { protocolVersion: 5, reconnectPeriod: 0 })));
  // The broker's drop counter (published every sys_interval, 1 s on the bench's own broker).
  let dropped: number | undefined;
  const sys = await connectAsync(brokerUrl, { protocolVersion: 5, reconnectPeriod: 0 });
  sys.on('message', (_topic, payload) => (dropped = Number(payload.toString())));
  await sys.subscribeAsync('$SYS/broker/publish/messages/dropped', { qos: 0 });
  // A given broker's counter runs since it started (retained, so it comes on subscribing): from here on.
  await new Promise((r) => setTimeout(r, 500));
  const droppedBefore = dropped ?? 0;
  const droppedNow = async () => {
    if (broker) await new Promise((r) => setTimeout(r, 1_200)); // one more sys_interval
    else if (dropped === undefined) return undefined;
    return (dropped ?? 0) - droppedBefore;
  };
  const brokerRss: number[] = [];
  const brokerRssTimer = broker ? setInterval(() => brokerRss.push(broker.rssMegabytes()), 250) : undefined;
  let offset = 0;
  const publishOne = (client: MqttClient) => {
    const s = sensors[offset++ % sensors.length]!;
    const [phenomenonTime, result] = readingOf(s, Date.now() - 1000, offset);
    return client.publishAsync(`${prefix}/Datastreams(${s.datastreamId})/Observations`, JSON.stringify({ phenomenonTime, result }), { qos: 1 });
  };
  const publishSome = (client: MqttClient, count: number) => Promise.all(Array.from({ length: count }, () => publishOne(client)));
  try {
    // Open loop: QoS 1 is acknowledged by the broker, not by the server.
    const openBefore = await lastObservationId(base);
    let openPublished = 0;
    const openUntil = performance.now() + (durationSeconds / 3) * 1000;
    await Promise.all(clients.map(async (client) => {
      while (performance.now() < openUntil) {
        await publishSome(client, 1000);
        openPublished += 1000;
      }
    }));
    const openEnded = performance.now();
    const openBehindAtEnd = openPublished - ((await lastObservationId(base)) - openBefore);
    log(`  MQTT full speed: ${openPublished.toLocaleString('en')} published, ${openBehindAtEnd.toLocaleString('en')} not yet stored; draining …`);
    const open = await settle(base, 10_000, openBefore + openPublished);
    const brokerDroppedOpen = await droppedNow();
    log(`  MQTT full speed: ${(open.last - openBefore).toLocaleString('en')} of ${openPublished.toLocaleString('en')} stored, drained in ${((open.movedAt - openEnded) / 1000).toFixed(1)} s; broker dropped ${brokerDroppedOpen ?? '?'}${broker ? `, broker RSS peak ${Math.max(...brokerRss).toFixed(0)} MB` : ''}`);
    // Closed loop: the rate the server takes them at, without overrunning the broker's queue for it.
    let closedPublished = 0;
    const closedBefore = open.last;
    const started = performance.now();
    const closedUntil = started + ((durationSeconds * 2) / 3) * 1000;
    let expected = closedBefore;
    const publishTimes: number[] = [];
    const storeTimes: number[] = [];
    while (performance.now() < closedUntil) {
      const publishStarted = performance.now();
      await Promise.all(clients.map((client) => publishSome(client, 200)));
      closedPublished += 800;
      expected += 800;
      const windowStarted = performance.now();
      publishTimes.push(windowStarted - publishStarted);
      let last = await lastObservationId(base);
      while (last < expected && performance.now() - windowStarted < 5_000) {
        await new Promise((r) => setTimeout(r, 10));
        last = await lastObservationId(base);
      }
      storeTimes.push(performance.now() - windowStarted);
      expected = last; // a window that lost messages does not hold up the next one
    }
    const closed = await settle(base, 1_000);
    // Paced: the city's rates, by the clock.
    const paced: PacedMeasure[] = [];
    for (const rate of scale.mqttPacedRates) {
      log(`  MQTT paced, ${rate.toLocaleString('en')}/s for ${scale.mqttPacedSeconds} s …`);
      paced.push(await mqttPaced(base, clients, publishOne, rate, scale.mqttPacedSeconds));
      await settle(base, 1_000);
    }
    const brokerDroppedEnd = await droppedNow();
    return {
      openPublished,
      openStored: open.last - openBefore,
      openDrainMilliseconds: Math.max(0, open.movedAt - openEnded),
      brokerDroppedOpen,
      brokerDroppedEnd,
      brokerRssPeak: broker ? Math.max(...brokerRss) : undefined,
      closedPerSecond: (closed.last - closedBefore) / ((closed.movedAt - started) / 1000),
      closedPublished,
      closedStored: closed.last - closedBefore,
      openBehindAtEnd,
      closedPublishMilliseconds: median(publishTimes),
      closedStoreMilliseconds: median(storeTimes),
      paced,
    };
  } finally {
    if (brokerRssTimer) clearInterval(brokerRssTimer);
    await Promise.all([...clients, sys].map((c) => c.endAsync()));
  }
}

async function sustained(server: ServerProcess, sensors: Sensor[], probeDatastream: number, durationSeconds: number, result: BackendIngest): Promise<void> {
  const perSecond = sensors.length / 60;
  const base = server.base;
  const lags: number[] = [];
  const rss: number[] = [];
  const latencies: number[] = [];
  const probes = new Map<number, number>();
  let failures = 0;
  const stream = new StreamClient({
    url: `${base}/Stream?bbox=${encodeURIComponent('99.99,9.99,100.01,10.01')}`,
    onUpdate: (u) => {
      const at = performance.now();
      for (const o of u.observations) {
        const sent = probes.get(o.result as number);
        if (sent !== undefined) latencies.push(at - sent);
      }
    },
  });
  stream.start();
  const started = performance.now();
  while (stream.state !== 'live') {
    if (performance.now() - started > 20_000) throw new Error('sustained: the stream did not go live');
    await new Promise((r) => setTimeout(r, 50));
  }
  const rssTimer = setInterval(() => rss.push(rssMegabytes(server.child.pid!)), 2_000);
  const inFlight = new Set<Promise<void>>();
  let cursor = 0;
  const begin = performance.now();
  try {
    for (let second = 0; second < durationSeconds; second++) {
      const due = begin + second * 1000;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      // Never more than 8 seconds' requests in flight: past that the server is not keeping up.
      while (inFlight.size >= 8) await Promise.race(inFlight);
      const count = Math.round((second + 1) * perSecond) - Math.round(second * perSecond);
      const slice = Array.from({ length: count }, (_, i) => sensors[(cursor + i) % sensors.length]!);
      cursor += count;
      const text = JSON.stringify(createObservations(slice, Date.now(), second));
      const request = (async () => {
        const response = await post(base, 'CreateObservations', text);
        if (response.status !== 201) failures++;
        await response.arrayBuffer();
        lags.push(performance.now() - due);
      })();
      inFlight.add(request);
      void request.finally(() => inFlight.delete(request));
      // The probe: POST → the SSE event.
      const marker = 1 + second / 1e6;
      probes.set(marker, performance.now());
      void post(base, 'Observations', { Datastream: { '@iot.id': probeDatastream }, result: marker }).then((r) => {
        if (r.status !== 201) failures++;
        return r.arrayBuffer();
      });
    }
    await Promise.all(inFlight);
    await new Promise((r) => setTimeout(r, 1_000));
  } finally {
    clearInterval(rssTimer);
    stream.stop();
  }
  result.sustainedRate = perSecond;
  result.lagFirst = [percentile(fifth(lags, 'first'), 50), percentile(fifth(lags, 'first'), 95)];
  result.lagLast = [percentile(fifth(lags, 'last'), 50), percentile(fifth(lags, 'last'), 95)];
  result.lagMax = Math.max(...lags);
  result.rssFirst = median(fifth(rss, 'first'));
  result.rssLast = median(fifth(rss, 'last'));
  result.rssPeak = Math.max(...rss);
  result.sseP50 = percentile(latencies, 50);
  result.sseP95 = percentile(latencies, 95);
  result.sseSamples = latencies.length;
  result.sseProbes = probes.size;
  result.sustainedFailures = failures;
}

async function benchBackend(backend: MonitoringBackend, scale: IngestScale, all: SensorSite[], log: (line: string) => void): Promise<BackendIngest> {
  const result: BackendIngest = { backend: backend.name };
  if (backend.skipReason) return { ...result, skipped: backend.skipReason };
  const location = await backend.fresh();
  const registerStarted = performance.now();
  let ids: Map<string, number> | undefined;
  log(`${backend.name}: seeding ${all.length.toLocaleString('en')} sensors …`);
  if (backend.name === 'SQLite') ids = seedSqlite(location, all);
  else if (backend.name === 'PostgreSQL') ids = await seedPostgres(location, all);
  const broker = GIVEN_BROKER ? undefined : await startMosquitto({ maximumQueuedMessages: MAXIMUM_QUEUED });
  const brokerUrl = GIVEN_BROKER ?? broker!.url;
  result.broker = broker ? broker.config.split('\n').filter((l) => /^(max_|persistence|memory_limit)/.test(l)).join(', ') : brokerUrl;
  const port = await freePort();
  const prefix = `stafaults-bench-${port}/v1.1`;
  const server = await startServerProcess(location, { port, args: ['--mqtt', brokerUrl, '--mqtt-creates', '--mqtt-topic-prefix', prefix, '--public-url', `http://127.0.0.1:${port}/v1.1`] });
  try {
    if (!ids) {
      log(`${backend.name}: registering ${all.length.toLocaleString('en')} sensors over HTTP …`);
      ids = await registerOverHttp(server.base, all);
    }
    result.registerSeconds = (performance.now() - registerStarted) / 1000;
    const sensors = all.map((site) => ({ site, datastreamId: ids!.get(site.key)! }));
    if (sensors.some((s) => !s.datastreamId)) throw new Error(`${backend.name}: some sensors were not registered`);
    // The probe sensor, far from every other one, for the SSE latency.
    const probe = await post(server.base, 'Things', thingPayload('BENCH-PROBE', 'methane', 100, 10));
    const probeThing = (await probe.json()) as { '@iot.id': number };
    const probeDatastream = (await getJson<{ value: { '@iot.id': number }[] }>(server.base, `Things(${probeThing['@iot.id']})/Datastreams?$select=id`)).value[0]!['@iot.id'];

    // The sustained load first, on the server as it starts: its RSS is the server's own, not what a burst left.
    log(`${backend.name}: sustained, ${(sensors.length / 60).toFixed(0)}/s for ${scale.sustainedSeconds} s …`);
    await sustained(server, sensors, probeDatastream, scale.sustainedSeconds, result);
    const rss: number[] = [];
    const rssTimer = setInterval(() => rss.push(rssMegabytes(server.child.pid!)), 1_000);
    try {
      log(`${backend.name}: burst, 4 writers, ${scale.burstSeconds} s …`);
      result.burstPerSecond = await burst(server.base, sensors, scale.burstSeconds);
      log(`${backend.name}: MQTT QoS 1, ${scale.mqttSeconds} s …`);
      try {
        result.mqtt = await mqttIngest(server.base, brokerUrl, broker, prefix, sensors, scale.mqttSeconds, scale, log);
      } catch (error) {
        log(`${backend.name}: MQTT not measured: ${(error as Error).message}`);
      }
    } finally {
      clearInterval(rssTimer);
    }
    result.rssPeakAfter = Math.max(...rss);
    if (broker) result.brokerRssPeak = broker.rssPeakMegabytes();
    return result;
  } finally {
    await server.kill();
    await broker?.stop();
    await backend.tearDown();
  }
}

export async function benchSensorsIngest(log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Promise<{ scale: IngestScale; results: BackendIngest[] }> {
  const scale = ingestScale();
  const all = sites(scale.sensors);
  const results: BackendIngest[] = [];
  const chosen = (process.env.BENCH_INGEST_BACKENDS ?? 'sqlite,postgres').toLowerCase().split(',').map((b) => b.trim());
  for (const backend of await monitoringBackends('sensors-ingest bench')) {
    if (!chosen.includes(backend.name === 'SQLite' ? 'sqlite' : 'postgres')) continue;
    results.push(await benchBackend(backend, scale, all, log));
  }
  return { scale, results };
}

/** The table: one column per backend. */
export function sensorsIngestLines({ scale, results }: { scale: IngestScale; results: BackendIngest[] }): string[] {
  const n = (v: number | undefined, digits = 0) => (v === undefined || Number.isNaN(v) ? '–' : v.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
  const cell = (r: BackendIngest, text: string) => (r.skipped ? 'not run' : text);
  const row = (label: string, target: string, value: (r: BackendIngest) => string) => `| ${label} | ${target} | ${results.map((r) => cell(r, value(r))).join(' | ')} |`;
  const lines = [
    '',
    `Ingest at city scale (${scale.sensors.toLocaleString('en')} sensors, the simulator's city layout; server in its own process on loopback; burst ${scale.burstSeconds} s, MQTT ${scale.mqttSeconds} s + paced ${scale.mqttPacedSeconds} s a rate, sustained ${scale.sustainedSeconds} s)`,
    '',
    `| measure | target | ${results.map((r) => r.backend).join(' | ')} |`,
    `|---|---|${results.map(() => '---:').join('|')}|`,
    row('burst: CreateObservations of 1,000, 4 writers, observations/s', '≥ 5,000 (PostgreSQL)', (r) => n(r.burstPerSecond)),
    row('MQTT creates, QoS 1, 4 publishers, windows of 800 waited for: observations/s stored', '–', (r) => n(r.mqtt?.closedPerSecond)),
    row('MQTT, windows waited for: stored / published', 'all', (r) => (r.mqtt ? `${n(r.mqtt.closedStored)} / ${n(r.mqtt.closedPublished)}` : '–')),
    row('MQTT, publishers at full speed (PUBACK from the broker): stored / published', 'all', (r) => (r.mqtt ? `${n(r.mqtt.openStored)} / ${n(r.mqtt.openPublished)}` : '–')),
    row('MQTT at full speed: stored count behind the published one when the publishers were done / then drained in, ms', '–', (r) => (r.mqtt ? `${n(r.mqtt.openBehindAtEnd)} / ${n(r.mqtt.openDrainMilliseconds)}` : '–')),
    row('MQTT: messages the broker dropped ($SYS), after full speed / at the end', '0', (r) => (r.mqtt ? `${n(r.mqtt.brokerDroppedOpen)} / ${n(r.mqtt.brokerDroppedEnd)}` : '–')),
    row("MQTT: the bench's broker RSS peak during the MQTT phases / over the run, MB", '–', (r) => `${n(r.mqtt?.brokerRssPeak)} / ${n(r.brokerRssPeak)}`),
    row('MQTT, a window waited for (median): publishing the 800 / then until seen stored, ms', '–', (r) => (r.mqtt ? `${n(r.mqtt.closedPublishMilliseconds)} / ${n(r.mqtt.closedStoreMilliseconds)}` : '–')),
    ...scale.mqttPacedRates.flatMap((rate, i) => {
      const paced = (r: BackendIngest) => r.mqtt?.paced[i];
      const label = `MQTT paced at ${rate.toLocaleString('en')}/s (4 publishers, ${scale.mqttPacedSeconds} s)`;
      return [
        row(`${label}: publishes/s achieved`, n(rate), (r) => n(paced(r)?.publishedPerSecond)),
        row(`${label}: stored / published (acknowledged by the broker)`, 'all', (r) => { const p = paced(r); return p ? `${n(p.stored)} / ${n(p.published)} (${n(p.acknowledged)})` : '–'; }),
        row(`${label}: stored count behind when publishing stopped / then drained in, ms`, '–', (r) => { const p = paced(r); return p ? `${n(p.behindAtEnd)} / ${n(p.drainMilliseconds)}` : '–'; }),
        row(`${label}: publish → stored p50 / p95, ms (stored count sampled every 50 ms)`, '–', (r) => { const p = paced(r); return p ? `${n(p.latencyP50)} / ${n(p.latencyP95)}` : '–'; }),
      ];
    }),
    row('sustained: readings/s (every sensor once a minute)', '≈ 1,417', (r) => n(r.sustainedRate)),
    row('sustained: lag p50 / p95, first fifth, ms', 'flat', (r) => `${n(r.lagFirst?.[0])} / ${n(r.lagFirst?.[1])}`),
    row('sustained: lag p50 / p95, last fifth, ms', 'flat', (r) => `${n(r.lagLast?.[0])} / ${n(r.lagLast?.[1])}`),
    row('sustained: lag max, ms', '–', (r) => n(r.lagMax)),
    row('sustained: server RSS first fifth → last fifth (peak), MB', 'flat', (r) => `${n(r.rssFirst)} → ${n(r.rssLast)} (${n(r.rssPeak)})`),
    row('sustained: failed requests', '0', (r) => n(r.sustainedFailures)),
    row('server RSS peak during the burst and MQTT phases (after the sustained one), MB', '–', (r) => n(r.rssPeakAfter)),
    row('POST → SSE event during the sustained load, p50 / p95, ms', 'p95 ≤ 200', (r) => `${n(r.sseP50)} / ${n(r.sseP95)} (${n(r.sseSamples)} of ${n(r.sseProbes)} probes seen)`),
    row('sensors seeded into the database (before the server starts) in, s', '–', (r) => n(r.registerSeconds, 1)),
  ];
  for (const r of results) if (r.broker) lines.push('', `${r.backend}: broker ${r.broker}`);
  for (const r of results) if (r.skipped) lines.push('', `${r.backend} not run: ${r.skipped}`);
  return lines;
}
