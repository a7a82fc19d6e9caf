/**
 * The MQTT binding's notifications are bounded: published one write at a time, and past
 * `maximumPendingNotifications` waiting observations the oldest are dropped (counted), never an
 * incident. Its creates are bounded too: past `maximumPendingCreates` taken and not yet stored, the
 * next is acknowledged only once a batch is stored, and the broker holds the rest. Against the machine's real broker (Mosquitto at 127.0.0.1:1883, or MQTT_TEST_URL), with a
 * store whose reads are held back, as a burst faster than the broker takes it would.
 */
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { NewObservation, WriteResult } from './database.ts';
import { MqttBinding, type MqttBindingContext } from './mqtt.ts';

const BROKER = process.env.MQTT_TEST_URL ?? 'mqtt://127.0.0.1:1883';

describe('MQTT notifications under a burst', () => {
  let subscriber: MqttClient;
  const prefix = `bound-${Math.random().toString(16).slice(2, 10)}`;
  const received: { topic: string; body: { '@iot.id': number } }[] = [];
  beforeAll(async () => {
    subscriber = await connectAsync(BROKER, { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 5000 }).catch((error: unknown) => {
      throw new Error(`no MQTT broker at ${BROKER} (this machine starts Mosquitto before a session; set MQTT_TEST_URL for another): ${String(error)}`);
    });
    subscriber.on('message', (topic, payload) => received.push({ topic, body: JSON.parse(payload.toString('utf8')) as { '@iot.id': number } }));
    await subscriber.subscribeAsync(`${prefix}/#`, { qos: 1 });
  });
  afterAll(async () => {
    await subscriber?.endAsync();
  });

  test('past the bound the oldest observations are dropped, the rest and every incident published in order', async () => {
    let publishListener: ((result: WriteResult) => void) | undefined;
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const reads: number[][] = [];
    const context = {
      hub: { onPublish: (listener: (result: WriteResult) => void) => ((publishListener = listener), () => {}) },
      store: {
        readEntity: async (set: string, id: number) => {
          reads.push([id]);
          await gate;
          return { '@iot.id': id, set };
        },
        readEntities: async (set: string, ids: number[]) => {
          reads.push([...ids]);
          await gate;
          return ids.map((id) => ({ '@iot.id': id, set }));
        },
      },
      publicUrl: 'http://127.0.0.1/v1.1',
      log: () => {},
    } as unknown as MqttBindingContext;
    const binding = new MqttBinding({ url: BROKER, topicPrefix: prefix, maximumPendingNotifications: 15 }, context);
    try {
      await binding.ready();
      const write = (first: number, incident?: number): WriteResult => ({
        observations: Array.from({ length: 10 }, (_, i) => ({ id: first + i, datastreamId: 1 }) as WriteResult['observations'][number]),
        incidents: incident === undefined ? [] : [{ incidentId: incident, eventId: 1, incident: { transitions: [{ kind: 'raised' }] } } as unknown as WriteResult['incidents'][number]],
      });
      publishListener!(write(1));
      // The first write's observations are being read in one read (held); none wait.
      expect(binding.pendingNotifications).toBe(0);
      publishListener!(write(11, 500));
      publishListener!(write(21));
      // Thirty observations came, ten are in hand, at most fifteen wait: five dropped, oldest first.
      expect(binding.pendingNotifications).toBe(15);
      expect(binding.stats.dropped).toBe(5);
      open();
      const deadline = Date.now() + 10_000;
      const observationIds = () => new Set(received.filter((m) => m.topic === `${prefix}/Observations`).map((m) => m.body['@iot.id']));
      while ((observationIds().size < 25 || !received.some((m) => m.topic === `${prefix}/Incidents(500)`)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      // Observations 1–10 (in hand), then 16–30: the newest kept; 11–15 dropped.
      expect([...observationIds()].sort((a, b) => a - b)).toEqual([...Array.from({ length: 10 }, (_, i) => 1 + i), ...Array.from({ length: 15 }, (_, i) => 16 + i)]);
      expect(received.filter((m) => m.topic === `${prefix}/Datastreams(1)/Observations`)).toHaveLength(25);
      // The incident of the second write is published although its observations were dropped.
      expect(received.filter((m) => m.topic === `${prefix}/Incidents`).map((m) => m.body['@iot.id'])).toEqual([500]);
      expect(binding.pendingNotifications).toBe(0);
      // Read one write at a time, each write's observations in one read: the second write's incident after its observations, before the third's.
      expect(reads).toEqual([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [16, 17, 18, 19, 20], [500], [21, 22, 23, 24, 25, 26, 27, 28, 29, 30]]);
    } finally {
      await binding.close();
    }
  });

  test('a write\'s notifications leave in a few socket writes, not one per observation (issue 17), each still published once on both topics', async () => {
    const notifyPrefix = `${prefix}/writes`;
    let publishListener: ((result: WriteResult) => void) | undefined;
    const context = {
      hub: { onPublish: (listener: (result: WriteResult) => void) => ((publishListener = listener), () => {}) },
      // An Observation as GET returns it is a few hundred bytes: 500 of them pass the socket's 16 KiB buffer many times over.
      store: { readEntities: async (_set: string, ids: number[]) => ids.map((id) => ({ '@iot.id': id, '@iot.selfLink': `http://127.0.0.1/v1.1/Observations(${id})`, padding: 'x'.repeat(400) })) },
      publicUrl: 'http://127.0.0.1/v1.1',
      log: () => {},
    } as unknown as MqttBindingContext;
    const binding = new MqttBinding({ url: BROKER, topicPrefix: notifyPrefix }, context);
    try {
      await binding.ready();
      // Count what reaches the socket's own write (one system call each), under the Writable's buffering.
      const socket = (binding as unknown as { client: MqttClient }).client.stream as unknown as { _write: (...a: unknown[]) => void; _writev?: (...a: unknown[]) => void };
      let socketWrites = 0;
      const write = socket._write.bind(socket);
      socket._write = (...a) => ((socketWrites++), write(...a));
      const writev = socket._writev?.bind(socket);
      if (writev) socket._writev = (...a) => ((socketWrites++), writev(...a));
      const count = 500;
      publishListener!({ observations: Array.from({ length: count }, (_, i) => ({ id: 10_001 + i, datastreamId: 7 }) as WriteResult['observations'][number]), incidents: [] });
      const mine = () => received.filter((m) => m.topic.startsWith(`${notifyPrefix}/`));
      const deadline = Date.now() + 10_000;
      while ((mine().length < 2 * count || binding.pendingNotifications) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const ids = (topic: string) => mine().filter((m) => m.topic === topic).map((m) => m.body['@iot.id']);
      const expected = Array.from({ length: count }, (_, i) => 10_001 + i);
      expect(ids(`${notifyPrefix}/Observations`)).toEqual(expected);
      expect(ids(`${notifyPrefix}/Datastreams(7)/Observations`)).toEqual(expected);
      expect(binding.stats.published).toBe(2 * count);
      // 32 writes before (each observation's two packets waited for the socket whenever its 16 KiB buffer was full).
      expect(socketWrites).toBeLessThanOrEqual(4);
    } finally {
      await binding.close();
    }
  });

  test('past maximumPendingCreates a create is acknowledged only once a batch is stored: no more are taken meanwhile, none lost', async () => {
    const createPrefix = `${prefix}-creates`;
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const stored: number[] = [];
    const context = {
      hub: { onPublish: () => () => {} },
      store: {
        insertObservationRows: async (rows: NewObservation[]) => {
          await gate;
          for (const row of rows) stored.push(row.result as number);
          return { outcomes: rows.map((_, i) => ({ id: stored.length - rows.length + i + 1 })), written: { observations: [], incidents: [] } };
        },
      },
      publicUrl: 'http://127.0.0.1/v1.1',
      log: () => {},
    } as unknown as MqttBindingContext;
    const binding = new MqttBinding({ url: BROKER, topicPrefix: createPrefix, acceptCreates: true, maximumPendingCreates: 10 }, context);
    const publisher = await connectAsync(BROKER, { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 5000 });
    try {
      await binding.ready();
      // The broker acknowledges all thirty to the publisher itself.
      await Promise.all(Array.from({ length: 30 }, (_, i) => publisher.publishAsync(`${createPrefix}/Datastreams(1)/Observations`, JSON.stringify({ result: i }), { qos: 1 })));
      const deadline = Date.now() + 10_000;
      while (binding.pendingCreateCount < 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 300));
      // The store holds every write back: ten taken, the tenth not acknowledged, so no eleventh.
      expect(binding.pendingCreateCount).toBe(10);
      expect(binding.stats.heldBack).toBe(1);
      expect(stored).toEqual([]);
      open();
      while (binding.stats.created < 30 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(stored.sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
      expect(binding.stats).toMatchObject({ created: 30, rejected: 0 });
      expect(binding.pendingCreateCount).toBe(0);
    } finally {
      await publisher.endAsync();
      await binding.close();
    }
  });
});
