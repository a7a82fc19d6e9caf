/**
 * The reference monitoring server: SensorThings API 1.1 on SQLite, with incidents from threshold
 * rules and a resumable live stream; and the building lifecycle records (/api/…). `registerMonitoring` adds it to a Fastify app (the demo
 * server of `npm start`); `createMonitoringServer` makes a stand-alone one.
 */
import cors from '@fastify/cors';
import Fastify, { type FastifyInstance } from 'fastify';
import defaultRules from '../../domain/monitoring/threshold-rules.json' with { type: 'json' };
import { thresholdRulesSchema, type ThresholdRule } from '../../domain/monitoring/thresholds.ts';
import { MonitoringDatabase } from './database.ts';
import { hasValidKey, registerSensorThings } from './routes.ts';
import { registerLifecycle } from '../lifecycle/routes.ts';
import { StreamHub, type StreamOptions } from './stream.ts';
import { MqttBinding, type MqttOptions } from './mqtt.ts';

export interface MonitoringOptions {
  /** SQLite file, or ":memory:". */
  databasePath: string;
  /** Keys accepted for writes. */
  apiKeys: string[];
  readsNeedKey?: boolean;
  durability?: 'normal' | 'full';
  /** Threshold rules; default the bundled `threshold-rules.json`. */
  rules?: ThresholdRule[];
  stream?: StreamOptions;
  /** The server's public base URL with its version path (…/v1.1); default: from each request's host. MQTT needs it. */
  publicUrl?: string;
  /** Publish (and optionally accept) observations and incidents through an MQTT broker: SensorThings' MQTT binding. */
  mqtt?: MqttOptions;
  basePath?: string;
  /** Building IDs that exist, for checking lifecycle records; default: any ID is accepted. */
  buildingIds?: ReadonlySet<string>;
  /** Delete observations older than this many days (checked hourly); the ones behind incidents stay. Default: keep all. */
  retentionDays?: number;
}

export interface Monitoring {
  database: MonitoringDatabase;
  hub: StreamHub;
  /** The MQTT binding, when configured. */
  mqtt?: MqttBinding;
  close(): void;
}

export function defaultThresholdRules(): ThresholdRule[] {
  return thresholdRulesSchema.parse(defaultRules).rules;
}

/** Largest request body: a CreateObservations batch of 10,000 sensors fits in well under this. */
export const MAXIMUM_BODY_BYTES = 8 * 1024 * 1024;

export function registerMonitoring(app: FastifyInstance, options: MonitoringOptions): Monitoring {
  const database = new MonitoringDatabase({ path: options.databasePath, durability: options.durability, rules: options.rules ?? defaultThresholdRules() });
  const hub = new StreamHub(database, options.stream);
  if (options.mqtt && !options.publicUrl) throw new Error('mqtt: set publicUrl (the server\'s public …/v1.1 address): notifications carry @iot.selfLink');
  const mqtt = options.mqtt ? new MqttBinding(options.mqtt, { database, hub, publicUrl: options.publicUrl!, log: (message) => app.log.warn(message) }) : undefined;
  registerSensorThings(app, { database, hub, apiKeys: options.apiKeys, readsNeedKey: options.readsNeedKey, publicUrl: options.publicUrl, basePath: options.basePath });
  // Lifecycle records live in the same database: they change as records do, never with the tiles.
  registerLifecycle(app, { db: database.db, buildingIds: options.buildingIds, hasWriteKey: (request) => hasValidKey(request, options.apiKeys) });
  const prune = () => {
    if (options.retentionDays) database.pruneObservations(Date.now() - options.retentionDays * 86_400_000);
  };
  prune();
  const pruneTimer = setInterval(prune, 3_600_000);
  pruneTimer.unref();
  const monitoring = {
    database,
    hub,
    mqtt,
    close: () => {
      void mqtt?.close();
      clearInterval(pruneTimer);
      hub.close();
      database.close();
    },
  };
  // Streams never end by themselves: end them before the server waits for its connections.
  app.addHook('preClose', async () => hub.close());
  app.addHook('onClose', async () => {
    await mqtt?.close();
    monitoring.close();
  });
  return monitoring;
}

/** A stand-alone monitoring server (CORS open to any origin, so a viewer elsewhere can read it). */
export async function createMonitoringServer(options: MonitoringOptions & { logger?: boolean }): Promise<{ app: FastifyInstance; monitoring: Monitoring }> {
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: MAXIMUM_BODY_BYTES });
  await app.register(cors, { origin: true, allowedHeaders: ['Content-Type', 'X-API-Key', 'Authorization', 'Last-Event-ID'] });
  const monitoring = registerMonitoring(app, options);
  return { app, monitoring };
}
