/**
 * Issue 17: MQTT creates published at full speed are all stored. Against the machine's real broker
 * (Mosquitto at 127.0.0.1:1883 with its default per-client queue of 1,000 messages, or MQTT_TEST_URL),
 * on both backends: publishers that do not wait for anything but the broker's PUBACK, many thousands
 * of QoS 1 creates, every one stored, and a subscriber to the notifications gets each one once, as
 * GET returns it.
 */
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { randomPort } from './testing/server-process.ts';
import { startTestServer, testBackends, thingPayload, type TestServer } from './testing/test-server.ts';

const BROKER = process.env.MQTT_TEST_URL ?? 'mqtt://127.0.0.1:1883';
const BACKENDS = await testBackends('MQTT ingest rate');
const SENSORS = 20;
const PUBLISHERS = 4;
const PER_PUBLISHER = 2_000;

async function connectBroker(): Promise<MqttClient> {
  return connectAsync(BROKER, { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 5000 }).catch((error: unknown) => {
    throw new Error(`no MQTT broker at ${BROKER} (this machine starts Mosquitto before a session; set MQTT_TEST_URL for another): ${String(error)}`);
  });
}

describe.each(BACKENDS.filter((b) => !b.skipReason))('MQTT creates at full speed on $name', ({ backend }) => {
  const prefix = `cim-twin-rate-${process.pid}-${backend}-${Date.now().toString(36)}/v1.1`;
  let server: TestServer;
  let publishers: MqttClient[] = [];
  let watcher: MqttClient;
  const notified = new Map<number, Record<string, unknown>>();
  let notifications = 0;
  const rejections: string[] = [];
  let datastreams: number[] = [];

  beforeAll(async () => {
    watcher = await connectBroker();
    watcher.on('message', (topic, payload) => {
      const body = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
      if (topic === `cim-twin/${prefix}/rejected`) rejections.push(String(body.message));
      else if (topic === `${prefix}/Observations` && '@iot.selfLink' in body) {
        notifications++;
        notified.set(body['@iot.id'] as number, body);
      }
    });
    await watcher.subscribeAsync([`${prefix}/Observations`, `cim-twin/${prefix}/rejected`], { qos: 0 });
    const port = randomPort();
    server = await startTestServer({ backend, port, publicUrl: `http://127.0.0.1:${port}/v1.1`, mqtt: { url: BROKER, topicPrefix: prefix, acceptCreates: true } });
    await server.monitoring.mqtt!.ready();
    for (let i = 0; i < SENSORS; i++) expect((await server.post('Things', thingPayload(`RATE-${i}`, 'water-level', 113.1 + i * 0.001, 23.01))).status).toBe(201);
    datastreams = (await server.json<{ value: { '@iot.id': number }[] }>(`Datastreams?$select=id&$top=${SENSORS}`)).value.map((d) => d['@iot.id']);
    expect(datastreams).toHaveLength(SENSORS);
    publishers = await Promise.all(Array.from({ length: PUBLISHERS }, connectBroker));
  }, 60_000);
  afterAll(async () => {
    await Promise.all(publishers.map((p) => p.endAsync()));
    await watcher?.endAsync();
    await server?.close();
  });

  test(`${PUBLISHERS * PER_PUBLISHER} QoS 1 creates from ${PUBLISHERS} publishers that never wait are all stored, and each notified once`, async () => {
    const count = async () => (await server.json<{ '@iot.count': number }>('Observations?$count=true&$top=0'))['@iot.count'];
    const before = await count();
    const start = Date.parse('2026-12-06T00:00:00Z');
    // Each publisher fires all its messages at once: only the broker's PUBACKs are awaited.
    await Promise.all(publishers.map((publisher, p) =>
      Promise.all(Array.from({ length: PER_PUBLISHER }, (_, i) => {
        const n = p * PER_PUBLISHER + i;
        const body = { phenomenonTime: new Date(start + n * 1000).toISOString(), result: n };
        return publisher.publishAsync(`${prefix}/Datastreams(${datastreams[n % SENSORS]})/Observations`, JSON.stringify(body), { qos: 1 });
      }))));
    const total = PUBLISHERS * PER_PUBLISHER;
    await expect.poll(count, { timeout: 60_000, interval: 250 }).toBe(before + total);
    expect(rejections).toEqual([]);
    expect(server.monitoring.mqtt!.stats.created).toBe(total);
    // Every stored reading is there once, with its own value.
    const results = new Set<number>();
    for (const datastream of datastreams) {
      const page = await server.json<{ value: { result: number }[] }>(`Datastreams(${datastream})/Observations?$select=result&$top=10000`);
      for (const o of page.value) results.add(o.result);
    }
    expect(results.size).toBe(total);
    // The notifications (QoS 0 to this watcher): each observation once, as GET returns it.
    await expect.poll(() => notified.size, { timeout: 30_000 }).toBe(total);
    expect(notifications).toBe(total);
    const [someId, someNotification] = [...notified.entries()][1234]!;
    expect(someNotification).toEqual(await server.json(`Observations(${someId})`));
    expect(server.monitoring.mqtt!.stats.dropped).toBe(0);
  }, 120_000);
});
