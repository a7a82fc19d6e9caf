/**
 * The reference monitoring server: SensorThings API 1.1 on SQLite, with incidents from threshold
 * rules and a resumable live stream; and the building lifecycle records (/api/…). `registerMonitoring` adds it to a Fastify app (the demo
 * server of `npm start`); `createMonitoringServer` makes a stand-alone one.
 */
import { registerHealth, type HealthCheck } from '../cluster/health.ts';
import { ClusterLeader } from '../cluster/leader.ts';
import { STREAM_CHANNEL, StreamFeed, type FeedSource } from '../cluster/stream-feed.ts';
import type { StreamChange } from '../../domain/monitoring/api.ts';
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import defaultRules from '../../domain/monitoring/threshold-rules.json' with { type: 'json' };
import { thresholdRulesSchema, type ThresholdRule } from '../../domain/monitoring/thresholds.ts';
import { MonitoringDatabase } from './database.ts';
import { isPostgresLocation, SqliteMonitoringStore, type MonitoringStore } from './store.ts';
import type { PostgresStoreSettings } from './postgres-store.ts';
import { registerSensorThings } from './routes.ts';
import { hasValidKey, registerAccess } from '../access.ts';
import { originOf, registerCors } from '../cors.ts';
import { registerBoundedJson } from '../json-body.ts';
import { createReadExecutor, type ReadExecutor, type ReadPoolOptions } from './read-pool.ts';
import { registerLifecycle } from '../lifecycle/routes.ts';
import type { LifecycleStore } from '../lifecycle/lifecycle-store.ts';
import { SqliteLifecycleStore } from '../lifecycle/sqlite-lifecycle-store.ts';
import { StreamHub, type StreamOptions } from './stream.ts';
import { MqttBinding, type MqttOptions } from './mqtt.ts';
import { registerCompactSensors } from './compact.ts';

export interface MonitoringOptions {
  /** SQLite file, or ":memory:", or a PostgreSQL URL (postgres://…). */
  databasePath: string;
  /** PostgreSQL backend: pool and timeout settings (postgres-store.ts). */
  postgres?: Partial<PostgresStoreSettings>;
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
  store: MonitoringStore;
  /** The SQLite database (SQLite backend only): tests, and the grids' and check-up's sensor figures. */
  database?: MonitoringDatabase;
  /** The building lifecycle records, in the monitoring database on either backend (PostgreSQL: shared by every process on it). */
  lifecycle: LifecycleStore;
  hub: StreamHub;
  reads: ReadExecutor;
  /** The MQTT binding, when configured. */
  mqtt?: MqttBinding;
  /** PostgreSQL: the process's part in a cluster: the stream feed of every process's writes, and the maintenance singleton. */
  cluster?: { feed: StreamFeed; maintenance: ClusterLeader };
  /** A case or lifecycle record changed: every stream client of every process is told (a `change` event). Never throws. */
  announce(change: StreamChange): Promise<void>;
  close(): void;
}

/** Readiness checks of the monitoring server: its database answers, and its broker (when configured) is connected. */
export function monitoringHealthChecks(monitoring: Monitoring): Record<string, HealthCheck> {
  const checks: Record<string, HealthCheck> = { monitoringDatabase: () => monitoring.store.ping() };
  const feed = monitoring.cluster?.feed;
  if (feed) {
    checks.streamFeed = async () => {
      if (!feed.listening) throw new Error(`the stream feed is not listening to the database${feed.lastError ? ` (${feed.lastError})` : ''}`);
    };
  }
  const mqtt = monitoring.mqtt;
  if (mqtt) {
    checks.broker = async () => {
      if (!mqtt.isConnected) throw new Error('not connected to the MQTT broker');
    };
  }
  return checks;
}

export function defaultThresholdRules(): ThresholdRule[] {
  return thresholdRulesSchema.parse(defaultRules).rules;
}

/** Largest request body: a CreateObservations batch of 10,000 sensors fits in well under this. */
export const MAXIMUM_BODY_BYTES = 8 * 1024 * 1024;

/** The SQLite monitoring server (synchronous: the file is opened at once). For PostgreSQL use `openMonitoring`. */
export function registerMonitoring(app: FastifyInstance, options: MonitoringOptions): Monitoring & { database: MonitoringDatabase } {
  if (isPostgresLocation(options.databasePath)) throw new Error('registerMonitoring: a PostgreSQL database is opened with openMonitoring (async)');
  const store = new SqliteMonitoringStore({ path: options.databasePath, durability: options.durability, rules: options.rules ?? defaultThresholdRules(), maximumFutureSkewMilliseconds: options.maximumFutureSkewMilliseconds });
  const reads = createReadExecutor(options.databasePath, store.db, { log: (message) => app.log.warn(message), ...options.reads });
  const cursor = { observation: store.database.lastObservationId(), incidentEvent: store.database.incidents.lastEventId() };
  return { ...registerWithStore(app, options, store, reads, new SqliteLifecycleStore(store.db, { reads }), cursor), database: store.database };
}

/**
 * The monitoring server on either backend: `databasePath` a SQLite file (or ":memory:"), or a
 * `postgres://…` URL (schema made or brought up to date on open; the lifecycle records in tables
 * of their own in the same database, postgres-lifecycle-store.ts).
 */
export async function openMonitoring(app: FastifyInstance, options: MonitoringOptions): Promise<Monitoring> {
  if (!isPostgresLocation(options.databasePath)) return registerMonitoring(app, options);
  const { PostgresMonitoringStore } = await import('./postgres-store.ts');
  const store = await PostgresMonitoringStore.open({ url: options.databasePath, rules: options.rules ?? defaultThresholdRules(), maximumFutureSkewMilliseconds: options.maximumFutureSkewMilliseconds, partitionTimer: false, ...options.postgres });
  const { PostgresLifecycleStore } = await import('../lifecycle/postgres-lifecycle-store.ts');
  const lifecycle = await PostgresLifecycleStore.open({ url: options.databasePath, statementTimeoutMilliseconds: options.postgres?.statementTimeoutMilliseconds, connectionTimeoutMilliseconds: options.postgres?.connectionTimeoutMilliseconds, budget: options.reads?.budget }).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  const reads = store.readExecutor(options.reads?.budget);
  const cursor = { observation: await store.lastObservationId(), incidentEvent: await store.lastIncidentEventId() };
  const monitoring = registerWithStore(app, options, store, reads, lifecycle, cursor, { url: options.databasePath, source: store, announce: (change) => store.announce(change) });
  app.addHook('onClose', async () => lifecycle.close());
  try {
    await monitoring.cluster!.feed.start();
    await monitoring.cluster!.maintenance.start();
  } catch (error) {
    monitoring.close();
    await lifecycle.close();
    throw error;
  }
  return monitoring;
}

/** How often the cluster's singleton does its rounds: partitions ahead, then retention. */
const MAINTENANCE_MILLISECONDS = 3_600_000;

function registerWithStore(app: FastifyInstance, options: MonitoringOptions, store: MonitoringStore, reads: ReadExecutor, lifecycle: LifecycleStore, cursor: { observation: number; incidentEvent: number }, postgres?: { url: string; source: FeedSource & { makePartitionsAhead(): Promise<number> }; announce: (change: StreamChange) => Promise<void> }): Monitoring {
  const hub = new StreamHub(store, cursor, options.stream);
  const log = (message: string) => app.log.warn(message);
  // PostgreSQL: the server may be one of several processes on the database (issue 21). Every
  // process's writes reach this hub through the database (cluster/stream-feed.ts); this process's
  // own writes go to its listeners (MQTT) here, once.
  const feed = postgres ? new StreamFeed({ url: postgres.url, channel: STREAM_CHANNEL, source: postgres.source, target: hub, cursor, log, chunkSize: options.stream?.feedChunkSize, maximumGap: options.stream?.maximumFeedGap }) : undefined;
  if (feed) {
    store.setPublisher((result) => {
      hub.notifyListeners(result);
      return feed.until(result);
    });
  } else store.setPublisher((result) => hub.publish(result));
  if (options.mqtt && !options.publicUrl) throw new Error('mqtt: set publicUrl (the server\'s public …/v1.1 address): notifications carry @iot.selfLink');
  const mqtt = options.mqtt
    ? new MqttBinding(options.mqtt, { store, hub, publicUrl: options.publicUrl!, log: (message) => app.log.warn(message), maximumFutureSkewMilliseconds: options.maximumFutureSkewMilliseconds })
    : undefined;
  // One access rule for every data route, on the route the router matched; JSON bodies bounded as they are read.
  registerAccess(app, { apiKeys: options.apiKeys, readsNeedKey: options.readsNeedKey });
  registerBoundedJson(app);
  registerSensorThings(app, { store, hub, reads, publicUrl: options.publicUrl, basePath: options.basePath, maximumFutureSkewMilliseconds: options.maximumFutureSkewMilliseconds });
  registerCompactSensors(app, { store, hub, basePath: options.basePath });
  // Lifecycle records live in the same database: they change as records do, never with the tiles.
  // Each edit is announced on every process's stream (`monitoring`, made below, by then).
  registerLifecycle(app, { store: lifecycle, buildingIds: options.buildingIds, hasWriteKey: (request) => hasValidKey(request, options.apiKeys), maximumFutureSkewMilliseconds: options.maximumFutureSkewMilliseconds, onChange: (change) => monitoring.announce(change) });
  const prune = async () => {
    if (options.retentionDays) await store.pruneObservations(Date.now() - options.retentionDays * 86_400_000).catch((error: unknown) => log(`retention: ${error instanceof Error ? error.message : String(error)}`));
  };
  // Retention (and, on PostgreSQL, the partitions ahead) run in one process of a cluster, chosen
  // by the database (cluster/leader.ts), and move to another when it dies. Alone: here.
  let maintenanceTimer: NodeJS.Timeout | undefined;
  const startMaintenance = (round: () => Promise<void>) => {
    void round();
    maintenanceTimer = setInterval(() => void round(), MAINTENANCE_MILLISECONDS);
    maintenanceTimer.unref();
  };
  const stopMaintenance = () => {
    clearInterval(maintenanceTimer);
    maintenanceTimer = undefined;
  };
  const maintenance = postgres
    ? new ClusterLeader({
        url: postgres.url,
        name: 'monitoring-maintenance',
        onElected: () => {
          log('this process now runs the monitoring maintenance (partitions ahead, retention)');
          startMaintenance(async () => {
            await postgres.source.makePartitionsAhead().catch((error: unknown) => log(`partitions: ${error instanceof Error ? error.message : String(error)}`));
            await prune();
          });
        },
        onDeposed: (reason) => {
          log(`monitoring maintenance handed on: ${reason}`);
          stopMaintenance();
        },
      })
    : undefined;
  if (!maintenance) startMaintenance(prune);
  let closed = false;
  const monitoring: Monitoring = {
    store,
    lifecycle,
    hub,
    reads,
    mqtt,
    ...(feed && maintenance ? { cluster: { feed, maintenance } } : {}),
    // Alone: straight to this hub. PostgreSQL: through the database to every process's feed (this one's too).
    // Should the notification not come back (the database away, the listening connection lost),
    // this process's own clients are still told, after `changeSent`'s wait.
    announce: async (change) => {
      if (!postgres || !feed) return hub.announce(change);
      const nonce = randomUUID();
      const sent = feed.changeSent(nonce);
      const notified = await postgres.announce({ ...change, nonce } as StreamChange).then(
        () => true,
        (error: unknown) => {
          log(`change not announced to the other processes (${change.kind} ${change.id}): ${(error as Error).message}`);
          return false;
        },
      );
      if (!(await (notified ? sent : Promise.resolve(false)))) hub.announce(change);
    },
    close: () => {
      if (closed) return;
      closed = true;
      void mqtt?.close();
      stopMaintenance();
      void maintenance?.stop();
      void feed?.close();
      hub.close();
      void reads.close();
      void store.close();
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
export async function createMonitoringServer(
  options: MonitoringOptions & {
    logger?: boolean;
    /** More APIs on the same app (the city's, src/server/city-apis.ts): their readiness checks and cluster roles. */
    extend?: (app: FastifyInstance, monitoring: Monitoring) => Promise<{ checks?: Record<string, HealthCheck>; roles?: () => string[] }>;
  },
): Promise<{ app: FastifyInstance; monitoring: Monitoring }> {
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: MAXIMUM_BODY_BYTES });
  const publicOrigin = originOf(options.publicUrl);
  await registerCors(app, [...(options.corsOrigins ?? []), ...(publicOrigin ? [publicOrigin] : [])]);
  const monitoring = await openMonitoring(app, options);
  const extension = (await options.extend?.(app, monitoring)) ?? {};
  registerHealth(app, {
    checks: { ...monitoringHealthChecks(monitoring), ...extension.checks },
    roles: () => [...(monitoring.cluster?.maintenance.isLeader ? ['monitoring-maintenance'] : []), ...(extension.roles?.() ?? [])],
  });
  return { app, monitoring };
}
