/**
 * Fault (issue 17): a malformed batch in the middle of a valid stream changes nothing, and the
 * rest goes on. Valid readings flow in over HTTP (CreateObservations) and MQTT (QoS 1 creates,
 * on this machine's Mosquitto under a topic prefix of this test's own) while an SSE client
 * listens; in the middle come malformed ones on both paths: bodies that are no JSON, batches of
 * the wrong shape, rows for no Datastream, readings with no result. None of them stores a row
 * or reaches the stream; every valid one before and after is stored once and streamed once.
 */
import { randomBytes } from 'node:crypto';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, describe, expect, test } from 'vitest';
import { StreamClient } from '../../../monitoring/stream-client.ts';
import { freePort, monitoringBackends, post, registerSensors, startServerProcess, until, type ServerProcess } from './harness.ts';
import { countOf } from './store.ts';

const BROKER = process.env.TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const backends = await monitoringBackends('malformed-batch fault test');
afterAll(async () => {
  for (const backend of backends) await backend.tearDown();
});

async function brokerReason(): Promise<string | undefined> {
  try {
    const client = await connectAsync(BROKER, { connectTimeout: 3_000, reconnectPeriod: 0 });
    await client.endAsync();
    return undefined;
  } catch (error) {
    return `no MQTT broker at ${BROKER} (${(error as Error).message})`;
  }
}
const noBroker = await brokerReason();
if (noBroker && process.env.CI) throw new Error(`CI must run the MQTT fault test: ${noBroker}`);
if (noBroker) console.warn(`malformed-batch fault test: skipping: ${noBroker}`);

describe.each(backends)('a malformed batch in the middle of a valid stream ($name)', (backend) => {
  test.skipIf(backend.skipReason !== undefined || noBroker !== undefined)('over HTTP and MQTT changes nothing, and the valid readings before and after are stored and streamed once', async () => {
    const location = await backend.fresh();
    const prefix = `stafaults-${randomBytes(4).toString('hex')}/v1.1`;
    const port = await freePort();
    const server: ServerProcess = await startServerProcess(location, { port, args: ['--mqtt', BROKER, '--mqtt-creates', '--mqtt-topic-prefix', prefix, '--public-url', `http://127.0.0.1:${port}/v1.1`] });
    let mqtt: MqttClient | undefined;
    let stream: StreamClient | undefined;
    try {
      const [a, b] = await registerSensors(server.base, 2);
      const received: number[] = [];
      stream = new StreamClient({ url: `${server.base}/Stream`, onUpdate: (u) => received.push(...u.observations.map((o) => o.result as number)) });
      stream.start();
      await until(() => stream!.state === 'live', 10_000, 'the stream live');
      mqtt = await connectAsync(BROKER, { protocolVersion: 5, reconnectPeriod: 0 });
      const rejections: { topic: string; message: string }[] = [];
      await mqtt.subscribeAsync(`cim-twin/${prefix}/rejected`, { qos: 1 });
      mqtt.on('message', (_topic, payload) => rejections.push(JSON.parse(payload.toString()) as { topic: string; message: string }));
      // The server's binding subscribes after it connects: wait until a create goes through.
      const valid: number[] = [];
      let k = 0;
      const next = () => (k++ % 900) / 1000 + 0.0001 * Math.floor(k / 900); // distinct, below methane's thresholds
      const viaMqtt = async (count: number) => {
        for (let i = 0; i < count; i++) {
          const result = next();
          valid.push(result);
          await mqtt!.publishAsync(`${prefix}/Datastreams(${i % 2 ? a : b})/Observations`, JSON.stringify({ result }), { qos: 1 });
        }
      };
      const viaHttp = async (batches: number) => {
        for (let i = 0; i < batches; i++) {
          const rows = Array.from({ length: 10 }, () => [next()]);
          const response = await post(server.base, 'CreateObservations', [{ Datastream: { '@iot.id': i % 2 ? a : b }, components: ['result'], dataArray: rows }]);
          expect(response.status).toBe(201);
          const links = (await response.json()) as string[];
          expect(links.filter((l) => l === 'error')).toEqual([]);
          valid.push(...rows.map((r) => r[0]!));
        }
      };
      const firstProbe = 0.9999;
      await until(async () => {
        await mqtt!.publishAsync(`${prefix}/Datastreams(${a})/Observations`, JSON.stringify({ result: firstProbe }), { qos: 1 });
        return (await countOf(server.base, 'Observations')) > 0;
      }, 15_000, 'the server to take MQTT creates');
      // However many probes went through before the count saw one: start from what is there once it settles.
      let probes = -1;
      for (let settled = await countOf(server.base, 'Observations'); settled !== probes; ) {
        probes = settled;
        await new Promise((r) => setTimeout(r, 500));
        settled = await countOf(server.base, 'Observations');
      }
      await until(() => received.length === probes, 10_000, 'the probes on the stream');

      // Valid readings, both paths.
      await viaHttp(5);
      await viaMqtt(20);
      await until(async () => (await countOf(server.base, 'Observations')) === probes + valid.length, 15_000, 'the first valid readings stored');
      const before = await countOf(server.base, 'Observations');

      // The malformed ones, both paths.
      const malformed: [unknown, number][] = [
        ['{"Datastream": {"@iot.id": 1}, "components": ["result"], "dataArray": [[1]', 400], // truncated JSON
        [{ Datastream: { '@iot.id': a }, components: ['result'], dataArray: [[7.77]] }, 400], // not an array of groups
        [[{ Datastream: { '@iot.id': a }, components: ['phenomenonTime'], dataArray: [['2026-01-01T00:00:00Z']] }], 400], // no result component
        [[{ Datastream: { '@iot.id': a }, components: ['result'], dataArray: 'oops' }], 400], // a data array that is none
      ];
      for (const [body, status] of malformed) {
        const response = await post(server.base, 'CreateObservations', body);
        expect(response.status, JSON.stringify(body)).toBe(status);
        expect(((await response.json()) as { message: string }).message.length).toBeGreaterThan(0);
      }
      // A well-formed batch whose every row is bad (no such Datastream, a time that is none): each
      // row answered "error" in its place (§14.4), none stored.
      const strays = await post(server.base, 'CreateObservations', [
        { Datastream: { '@iot.id': 999_999 }, components: ['result'], dataArray: [[7.79], [7.8]] },
        { Datastream: { '@iot.id': a }, components: ['phenomenonTime', 'result'], dataArray: [['yesterday', 7.84]] },
      ]);
      expect(strays.status).toBe(201);
      expect(await strays.json()).toEqual(['error', 'error', 'error']);
      const badPayloads = ['{"result": 7.81', JSON.stringify({ phenomenonTime: '2026-01-01T00:00:00Z' }), JSON.stringify({ result: 7.82, phenomenonTime: 'yesterday' }), JSON.stringify({ result: 7.83, Datastream: { '@iot.id': 999_999 } })];
      await mqtt.publishAsync(`${prefix}/Datastreams(${a})/Observations`, badPayloads[0]!, { qos: 1 });
      await mqtt.publishAsync(`${prefix}/Datastreams(${a})/Observations`, badPayloads[1]!, { qos: 1 });
      await mqtt.publishAsync(`${prefix}/Datastreams(${a})/Observations`, badPayloads[2]!, { qos: 1 });
      await mqtt.publishAsync(`${prefix}/Observations`, badPayloads[3]!, { qos: 1 });
      await until(() => rejections.length === 4, 10_000, 'four rejections on the rejection topic');
      expect(rejections.every((r) => r.topic.startsWith(prefix) && r.message.length > 0)).toBe(true);
      expect(await countOf(server.base, 'Observations')).toBe(before);

      // The rest goes on.
      await viaMqtt(20);
      await viaHttp(5);
      await until(async () => (await countOf(server.base, 'Observations')) === probes + valid.length, 15_000, 'the later valid readings stored');
      await until(() => received.length === probes + valid.length, 15_000, 'every valid reading on the stream');
      expect(received.filter((r) => r > 7)).toEqual([]);
      const streamed = received.filter((r) => r !== firstProbe);
      expect(new Set(streamed).size).toBe(valid.length);
      expect([...streamed].sort()).toEqual([...valid].sort());
      expect(stream.state).toBe('live');
    } finally {
      stream?.stop();
      await mqtt?.endAsync();
      await server.kill();
    }
  }, 120_000);
});
