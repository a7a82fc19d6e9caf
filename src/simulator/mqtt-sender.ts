/**
 * Readings published to an MQTT broker, as field devices deliver them: each one an Observation
 * on `v1.1/Datastreams(<id>)/Observations` (SensorThings 1.1 §14, create over MQTT). A server
 * with MQTT creates on (ours: `--mqtt-creates`) stores them. QoS 1: the broker has each before
 * the next round.
 */
import { connectAsync, type MqttClient } from 'mqtt';
import type { Reading } from './simulator.ts';

export interface MqttSender {
  send(readings: Reading[]): Promise<void>;
  close(): Promise<void>;
}

export async function mqttSender(url: string, options: { topicPrefix?: string; username?: string; password?: string } = {}): Promise<MqttSender> {
  const prefix = options.topicPrefix ?? 'v1.1';
  const client: MqttClient = await connectAsync(url, { protocolVersion: 5, username: options.username, password: options.password, reconnectPeriod: 1000 });
  return {
    async send(readings) {
      await Promise.all(readings.map((r) => client.publishAsync(`${prefix}/Datastreams(${r.datastreamId})/Observations`, JSON.stringify({ phenomenonTime: r.phenomenonTime, result: r.result }), { qos: 1 })));
    },
    close: () => client.endAsync(),
  };
}
