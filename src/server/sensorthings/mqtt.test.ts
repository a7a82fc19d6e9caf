/**
 * The MQTT binding against the machine's real broker (Mosquitto at 127.0.0.1:1883, or
 * MQTT_TEST_URL): notifications of observations and incidents as GET returns them, creates
 * checked like POSTs (rejections reported, nothing stored), and no echo of the server's own
 * notifications. Each run uses its own topic prefix, so runs never see each other.
 */
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateDistrict } from '../../demo/district.ts';
import { generateNetwork } from '../../demo/network.ts';
import { mqttSender } from '../../simulator/mqtt-sender.ts';
import { LifelineSimulator } from '../../simulator/simulator.ts';
import { planSites } from '../../simulator/sites.ts';
import { randomPort } from './testing/server-process.ts';
import { startTestServer, TEST_KEY, thingPayload, type TestServer } from './testing/test-server.ts';

const BROKER = process.env.MQTT_TEST_URL ?? 'mqtt://127.0.0.1:1883';

interface Message {
  topic: string;
  body: Record<string, unknown>;
}

/** A subscriber that keeps every message and can wait for one that matches. */
class Subscriber {
  readonly messages: Message[] = [];
  private waiters: { match: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload) => {
      // The test's own bad creates come by too: keep them as text.
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
      } catch {
        body = { unparsed: payload.toString('utf8') };
      }
      const message = { topic, body };
      this.messages.push(message);
      this.waiters = this.waiters.filter((w) => (w.match(message) ? (w.resolve(message), false) : true));
    });
  }

  static async connect(filter: string): Promise<Subscriber> {
    const client = await connectAsync(BROKER, { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 5000 }).catch((error: unknown) => {
      throw new Error(`no MQTT broker at ${BROKER} (this machine starts Mosquitto before a session; set MQTT_TEST_URL for another): ${String(error)}`);
    });
    await client.subscribeAsync(filter, { qos: 1 });
    return new Subscriber(client);
  }

  next(match: (m: Message) => boolean, timeoutMs = 10_000): Promise<Message> {
    const seen = this.messages.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no matching MQTT message within the time')), timeoutMs);
      this.waiters.push({ match, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  }

  close(): Promise<void> {
    return this.client.endAsync();
  }
}

async function startWithMqtt(prefix: string, acceptCreates: boolean): Promise<TestServer> {
  const port = randomPort();
  const server = await startTestServer({ port, publicUrl: `http://127.0.0.1:${port}/v1.1`, mqtt: { url: BROKER, topicPrefix: prefix, acceptCreates } });
  await server.monitoring.mqtt!.ready();
  return server;
}

async function observationCount(server: TestServer, datastreamId: number): Promise<number> {
  return (await server.json<{ '@iot.count': number }>(`Datastreams(${datastreamId})/Observations?$count=true&$top=0`))['@iot.count'];
}

describe('MQTT binding (SensorThings §14) through a real broker', () => {
  const prefix = `cim-twin-test-${process.pid}-${Date.now().toString(36)}/v1.1`;
  let server: TestServer;
  let subscriber: Subscriber;
  let publisher: MqttClient;
  let datastreamId: number;
  /** Rejections already matched to a case. */
  const handled = new Set<Message>();

  beforeAll(async () => {
    subscriber = await Subscriber.connect(`${prefix}/#`);
    // The rejection topic sits beside the prefix.
    await subscriber.client.subscribeAsync(`cim-twin/${prefix}/rejected`, { qos: 1 });
    publisher = await connectAsync(BROKER, { protocolVersion: 5, reconnectPeriod: 0 });
    server = await startWithMqtt(prefix, true);
    expect((await server.post('Things', thingPayload('440604-YS-09001', 'methane', 113.12, 23.01))).status).toBe(201);
    datastreamId = (await server.json<{ value: { '@iot.id': number }[] }>('Datastreams')).value[0]!['@iot.id'];
  });
  afterAll(async () => {
    await server?.close();
    await subscriber?.close();
    await publisher?.endAsync();
  });

  test('an observation POSTed over HTTP is published on the Observations topics as GET returns it', async () => {
    const response = await server.post(`Datastreams(${datastreamId})/Observations`, { phenomenonTime: '2026-11-30T08:00:00Z', result: 0.4 });
    expect(response.status).toBe(201);
    const created = (await response.json()) as Record<string, unknown>;
    const id = created['@iot.id'];
    const onDatastream = await subscriber.next((m) => m.topic === `${prefix}/Datastreams(${datastreamId})/Observations` && m.body['@iot.id'] === id);
    const onSet = await subscriber.next((m) => m.topic === `${prefix}/Observations` && m.body['@iot.id'] === id);
    expect(onDatastream.body).toEqual(created);
    expect(onSet.body).toEqual(created);
    expect(onSet.body['@iot.selfLink']).toBe(`${server.base}/Observations(${String(id)})`);
  });

  test('a new incident is published on Incidents, and each of its changes on Incidents(id)', async () => {
    // Methane over its threshold on the manhole: the rules raise an incident.
    expect((await server.post(`Datastreams(${datastreamId})/Observations`, { result: 60 })).status).toBe(201);
    const raised = await subscriber.next((m) => m.topic === `${prefix}/Incidents`);
    const id = raised.body['@iot.id'] as number;
    expect(raised.body).toMatchObject({ type: 'methane-over-limit', status: 'raised', '@iot.selfLink': `${server.base}/Incidents(${id})` });
    await subscriber.next((m) => m.topic === `${prefix}/Incidents(${id})` && m.body.status === 'raised');
    const acted = await server.post(`Incidents(${id})/Actions`, { action: 'acknowledge', by: '值班员 王' });
    expect(acted.status).toBe(200);
    const acknowledged = await subscriber.next((m) => m.topic === `${prefix}/Incidents(${id})` && m.body.status === 'acknowledged');
    expect((acknowledged.body.transitions as { kind: string; by: string }[]).at(-1)).toMatchObject({ kind: 'acknowledge', by: '值班员 王' });
    expect(acknowledged.body).toEqual(await server.json(`Incidents(${id})`));
    // A change is no new incident.
    expect(subscriber.messages.filter((m) => m.topic === `${prefix}/Incidents`)).toHaveLength(1);
  });

  test('an observation published to a create topic is stored once, and its notification does not come back as a create', async () => {
    const before = await observationCount(server, datastreamId);
    await publisher.publishAsync(`${prefix}/Datastreams(${datastreamId})/Observations`, JSON.stringify({ phenomenonTime: '2026-11-30T08:05:00Z', result: 0.7 }), { qos: 1 });
    const notified = await subscriber.next((m) => m.topic === `${prefix}/Datastreams(${datastreamId})/Observations` && m.body.result === 0.7 && '@iot.id' in m.body);
    expect(notified.body.phenomenonTime).toBe('2026-11-30T08:05:00.000Z');
    // The body's own Datastream on the set topic works too; it is the sentinel that the first was handled.
    await publisher.publishAsync(`${prefix}/Observations`, JSON.stringify({ result: 0.8, Datastream: { '@iot.id': datastreamId } }), { qos: 1 });
    await subscriber.next((m) => m.topic === `${prefix}/Observations` && m.body.result === 0.8 && '@iot.id' in m.body);
    expect(await observationCount(server, datastreamId)).toBe(before + 2);
    expect(server.monitoring.mqtt!.stats.created).toBe(2);
  });

  test('bad creates are reported on the rejection topic with the reason, and nothing is stored', async () => {
    const before = await observationCount(server, datastreamId);
    const cases: [string, string, RegExp][] = [
      [`${prefix}/Datastreams(${datastreamId})/Observations`, '{"result": 1', /not JSON/],
      [`${prefix}/Datastreams(${datastreamId})/Observations`, JSON.stringify({ phenomenonTime: '2026-11-30T08:00:00Z' }), /result/],
      [`${prefix}/Datastreams(${datastreamId})/Observations`, JSON.stringify({ result: 1, phenomenonTime: 'yesterday' }), /phenomenonTime/],
      [`${prefix}/Datastreams(${datastreamId})/Observations`, JSON.stringify({ result: 1, extra: "'; DROP TABLE observations; --" }), /extra|Unrecognized/i],
      [`${prefix}/Observations`, JSON.stringify({ result: 1 }), /Datastream/],
      [`${prefix}/Datastreams(99999)/Observations`, JSON.stringify({ result: 1 }), /99999/],
      // Issue 20: times and nesting are checked as a POST's are.
      [`${prefix}/Datastreams(${datastreamId})/Observations`, JSON.stringify({ result: 1, phenomenonTime: '2026-02-31T00:00:00Z' }), /phenomenonTime/],
      [`${prefix}/Datastreams(${datastreamId})/Observations`, JSON.stringify({ result: 1, phenomenonTime: '9999-12-31T23:59:59Z' }), /more than 10 min after the server's clock/],
      [`${prefix}/Datastreams(${datastreamId})/Observations`, `{"result":${'['.repeat(20_000)}1${']'.repeat(20_000)}}`, /more than 32 deep, the limit/],
    ];
    for (const [topic, payload, reason] of cases) {
      const rejected = subscriber.next((m) => m.topic === `cim-twin/${prefix}/rejected` && m.body.topic === topic && reason.test(String(m.body.message)) && !handled.has(m));
      await publisher.publishAsync(topic, payload, { qos: 1 });
      handled.add(await rejected);
    }
    // Another server's notification on the shared topic is neither stored nor rejected.
    const rejections = subscriber.messages.filter((m) => m.topic === `cim-twin/${prefix}/rejected`).length;
    await publisher.publishAsync(`${prefix}/Datastreams(${datastreamId})/Observations`, JSON.stringify({ '@iot.id': 7, '@iot.selfLink': 'http://elsewhere/v1.1/Observations(7)', result: 5 }), { qos: 1 });
    await publisher.publishAsync(`${prefix}/Datastreams(${datastreamId})/Observations`, JSON.stringify({ result: 0.9 }), { qos: 1 });
    await subscriber.next((m) => m.topic === `${prefix}/Observations` && m.body.result === 0.9 && '@iot.id' in m.body);
    expect(await observationCount(server, datastreamId)).toBe(before + 1);
    expect(subscriber.messages.filter((m) => m.topic === `cim-twin/${prefix}/rejected`)).toHaveLength(rejections);
    expect(server.monitoring.mqtt!.stats.rejected).toBe(cases.length);
  });

  test('with creates off (the default), the server publishes but takes nothing from the broker', async () => {
    const otherPrefix = `${prefix}-readonly`;
    const readOnly = await startWithMqtt(otherPrefix, false);
    const watcher = await Subscriber.connect(`${otherPrefix}/#`);
    try {
      expect((await readOnly.post('Things', thingPayload('440604-YS-09002', 'methane', 113.12, 23.01))).status).toBe(201);
      const id = (await readOnly.json<{ value: { '@iot.id': number }[] }>('Datastreams')).value[0]!['@iot.id'];
      await publisher.publishAsync(`${otherPrefix}/Datastreams(${id})/Observations`, JSON.stringify({ result: 0.5 }), { qos: 1 });
      expect((await readOnly.post(`Datastreams(${id})/Observations`, { result: 0.6 })).status).toBe(201);
      await watcher.next((m) => m.body.result === 0.6 && '@iot.id' in m.body);
      expect(await observationCount(readOnly, id)).toBe(1);
      expect(readOnly.monitoring.mqtt!.stats).toMatchObject({ created: 0, rejected: 0 });
    } finally {
      await watcher.close();
      await readOnly.close();
    }
  });

  test('the lifeline simulator publishing over MQTT: every reading of a round is stored', async () => {
    const district = generateDistrict();
    const network = generateNetwork(district);
    const sites = planSites(district, network).slice(0, 25);
    const sender = await mqttSender(BROKER, { topicPrefix: prefix });
    try {
      const simulator = new LifelineSimulator({ baseUrl: server.base, apiKey: TEST_KEY, sites, network, send: sender.send });
      expect(await simulator.bootstrap()).toBe(sites.length);
      const total = async () => (await server.json<{ '@iot.count': number }>('Observations?$count=true&$top=0'))['@iot.count'];
      const before = await total();
      await simulator.tick();
      expect(simulator.stats.posted).toBe(sites.length);
      await expect.poll(total, { timeout: 10_000 }).toBe(before + sites.length);
    } finally {
      await sender.close();
    }
  });
});
