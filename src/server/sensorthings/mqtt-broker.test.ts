/**
 * Issue 17: the broker settings MQTT creates need (scripts/mosquitto-ingest.conf). While the store
 * is behind, the server stops acknowledging (past `maximumPendingCreates`) and Mosquitto holds what
 * it has for the server in its per-client queue, beyond the server's Receive Maximum window; past
 * max_queued_messages it drops them, after having acknowledged them to the publisher. Each case
 * starts a Mosquitto of its own (/usr/sbin/mosquitto, or MOSQUITTO_BINARY), with a window of 20
 * (receiveMaximum) and 3,000 creates so that the default queue of 1,000 is passed quickly.
 */
import { connectAsync } from 'mqtt';
import { describe, expect, test } from 'vitest';
import type { NewObservation } from './database.ts';
import { MqttBinding, type MqttBindingContext } from './mqtt.ts';
import { exampleSetting, startMosquitto } from './testing/mosquitto.ts';

const CREATES = 3_000;

/** Creates stored with the store held back until every create was acknowledged to the publisher, and the broker's drop count. */
async function heldBackRun(maximumQueuedMessages: number): Promise<{ stored: number; dropped: number }> {
  const broker = await startMosquitto({ maximumQueuedMessages });
  const prefix = 'broker-test/v1.1';
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
  const binding = new MqttBinding({ url: broker.url, topicPrefix: prefix, acceptCreates: true, maximumPendingCreates: 10, receiveMaximum: 20 }, context);
  const publisher = await connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 5000 });
  const sys = await connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 5000 });
  let dropped = 0;
  sys.on('message', (_topic, payload) => (dropped = Number(payload.toString())));
  try {
    await binding.ready();
    await sys.subscribeAsync('$SYS/broker/publish/messages/dropped');
    // The broker acknowledges every one to the publisher itself, the store holding every write back.
    await Promise.all(Array.from({ length: CREATES }, (_, i) => publisher.publishAsync(`${prefix}/Datastreams(1)/Observations`, JSON.stringify({ result: i }), { qos: 1 })));
    open();
    // Until the stored count has not moved for a second.
    let last = -1;
    while (stored.length !== last) {
      last = stored.length;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    await new Promise((r) => setTimeout(r, 1_200)); // one more $SYS interval (1 s)
    return { stored: stored.length, dropped };
  } finally {
    await Promise.all([publisher.endAsync(), sys.endAsync(), binding.close()]);
    await broker.stop();
  }
}

describe('the broker behind MQTT creates (a Mosquitto of its own)', () => {
  test("with Mosquitto's default queue (1,000), creates past the server's window and the queue are dropped by the broker", async () => {
    const { stored, dropped } = await heldBackRun(1_000);
    // At most: the 10 taken before acknowledgements were held, the window of 20, the queue of 1,000.
    expect(stored).toBeLessThanOrEqual(10 + 20 + 1_000);
    expect(dropped).toBe(CREATES - stored);
  }, 60_000);

  test('with the queue of scripts/mosquitto-ingest.conf, every create is stored, none dropped', async () => {
    const { stored, dropped } = await heldBackRun(Number(exampleSetting('max_queued_messages')));
    expect({ stored, dropped }).toEqual({ stored: CREATES, dropped: 0 });
  }, 60_000);
});
