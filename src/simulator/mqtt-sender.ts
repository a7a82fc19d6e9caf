/**
 * Readings published to an MQTT broker, as field devices deliver them: each one an Observation
 * on `v1.1/Datastreams(<id>)/Observations` (SensorThings 1.1 §14, create over MQTT). A server
 * with MQTT creates on (ours: `--mqtt-creates`) stores them. QoS 1: the broker has each before
 * the next round. At city scale (85,000 a round) they go 1,000 at a time, each thousand
 * acknowledged (PUBACK) before the next: the client's queue stays bounded.
 */
import { connectAsync, type MqttClient } from 'mqtt';
import type { Reading } from './simulator.ts';

/** QoS 1 publishes awaiting their acknowledgement at once. */
const PUBLISHES_IN_FLIGHT = 1_000;

export interface MqttSender {
  send(readings: Reading[]): Promise<void>;
  close(): Promise<void>;
}

export async function mqttSender(url: string, options: { topicPrefix?: string; username?: string; password?: string } = {}): Promise<MqttSender> {
  const prefix = options.topicPrefix ?? 'v1.1';
  const client: MqttClient = await connectAsync(url, { protocolVersion: 5, username: options.username, password: options.password, reconnectPeriod: 1000 });
  return {
    async send(readings) {
      for (let i = 0; i < readings.length; i += PUBLISHES_IN_FLIGHT) {
        await Promise.all(readings.slice(i, i + PUBLISHES_IN_FLIGHT).map((r) => client.publishAsync(`${prefix}/Datastreams(${r.datastreamId})/Observations`, JSON.stringify({ phenomenonTime: r.phenomenonTime, result: r.result }), { qos: 1 })));
      }
    },
    close: () => client.endAsync(),
  };
}
