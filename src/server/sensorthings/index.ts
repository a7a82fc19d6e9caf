/**
 * The reference monitoring server: SensorThings API 1.1 on SQLite, with incidents from threshold
 * rules and a resumable live stream; and the building lifecycle records (/api/…). `registerMonitoring` adds it to a Fastify app (the demo
 * server of `npm start`); `createMonitoringServer` makes a stand-alone one.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import defaultRules from '../../domain/monitoring/threshold-rules.json' with { type: 'json' };
import { thresholdRulesSchema, type ThresholdRule } from '../../domain/monitoring/thresholds.ts';
import { MonitoringDatabase } from './database.ts';
import { registerSensorThings } from './routes.ts';
import { hasValidKey, registerAccess } from '../access.ts';
import { originOf, registerCors } from '../cors.ts';
import { registerBoundedJson } from '../json-body.ts';
import { createReadExecutor, type ReadExecutor, type ReadPoolOptions } from './read-pool.ts';
import { registerLifecycle } from '../lifecycle/routes.ts';
import { StreamHub, type StreamOptions } from './stream.ts';
import { MqttBinding, type MqttOptions } from './mqtt.ts';
import { registerCompactSensors } from './compact.ts';

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
  /** How far ahead of the server's clock a time may be (observations; lifecycle dates by the day). Default 10 min. */
  maximumFutureSkewMilliseconds?: number;
  /** Where reads run and what one may cost (read-pool.ts). */
  reads?: ReadPoolOptions;
  /** Origins allowed to read cross-origin (createMonitoringServer only; `npm start` sets its own). Default none: same origin only. */
  corsOrigins?: string[];
}

export interface Monitoring {
  database: MonitoringDatabase;
  hub: StreamHub;
  reads: ReadExecutor;
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
  const database = new MonitoringDatabase({ path: options.databasePath, durability: options.durability, rules: options.rules ?? defaultThresholdRules(), maximumFutureSkewMilliseconds: options.maximumFutureSkewMilliseconds });
  const hub = new StreamHub(database, options.stream);
  const reads = createReadExecutor(options.databasePath, database.db, { log: (message) => app.log.warn(message), ...options.reads });
  if (options.mqtt && !options.publicUrl) throw new Error('mqtt: set publicUrl (the server\'s public …/v1.1 address): notifications carry @iot.selfLink');
  const mqtt = options.mqtt
    ? new MqttBinding(options.mqtt, { database, hub, publicUrl: options.publicUrl!, log: (message) => app.log.warn(message), maximumFutureSkewMilliseconds: options.maximumFutureSkewMilliseconds })
    : undefined;
  // One access rule for every data route, on the route the router matched; JSON bodies bounded as they are read.
  registerAccess(app, { apiKeys: options.apiKeys, readsNeedKey: options.readsNeedKey });
  registerBoundedJson(app);
  registerSensorThings(app, { database, hub, reads, publicUrl: options.publicUrl, basePath: options.basePath, maximumFutureSkewMilliseconds: options.maximumFutureSkewMilliseconds });
  registerCompactSensors(app, { database, hub, basePath: options.basePath });
  // Lifecycle records live in the same database: they change as records do, never with the tiles.
  registerLifecycle(app, { db: database.db, reads, buildingIds: options.buildingIds, hasWriteKey: (request) => hasValidKey(request, options.apiKeys), maximumFutureSkewMilliseconds: options.maximumFutureSkewMilliseconds });
  const prune = () => {
    if (options.retentionDays) database.pruneObservations(Date.now() - options.retentionDays * 86_400_000);
  };
  prune();
  const pruneTimer = setInterval(prune, 3_600_000);
  pruneTimer.unref();
  let closed = false;
  const monitoring = {
    database,
    hub,
    reads,
    mqtt,
    close: () => {
      if (closed) return;
      closed = true;
      void mqtt?.close();
      clearInterval(pruneTimer);
      hub.close();
      void reads.close();
      database.close();
    },
  };
  // Streams never end by themselves: end them before the server waits for its connections.
  app.addHook('preClose', async () => hub.close());
  app.addHook('onClose', async () => {
    await mqtt?.close();
    await reads.close();
    monitoring.close();
  });
  return monitoring;
}

/**
 * A stand-alone monitoring server. Cross-origin reads only from `corsOrigins` (and the origin of
 * `publicUrl`): a viewer served elsewhere is let in by naming its origin.
 */
export async function createMonitoringServer(options: MonitoringOptions & { logger?: boolean }): Promise<{ app: FastifyInstance; monitoring: Monitoring }> {
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: MAXIMUM_BODY_BYTES });
  const publicOrigin = originOf(options.publicUrl);
  await registerCors(app, [...(options.corsOrigins ?? []), ...(publicOrigin ? [publicOrigin] : [])]);
  const monitoring = registerMonitoring(app, options);
  return { app, monitoring };
}
