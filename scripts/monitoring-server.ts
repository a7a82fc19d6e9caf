#!/usr/bin/env -S npx tsx
/**
 * `npm run monitoring`: the reference monitoring server on its own (SensorThings API 1.1 at
 * /v1.1, on SQLite or PostgreSQL), for a viewer or simulator elsewhere.
 *
 *   --database FILE   SQLite file (default data/monitoring.sqlite), or a PostgreSQL URL
 *                     (postgres://user@host:5432/db, PostGIS available; env MONITORING_DATABASE)
 *                     The building lifecycle records are in the same database (SQLite or PostgreSQL);
 *                     --lifecycle-database (their SQLite file beside PostgreSQL) is no longer used.
 *   --statement-timeout MS  with PostgreSQL: every statement's bound (default 10000; reads: their 5 s budget)
 *   --port N          default 8090          --host H   default 127.0.0.1
 *   --durability full survive power loss too (default: survive a killed process)
 *   --reads-need-key  reads need the API key too
 *   --public-url URL  the server's public …/v1.1 address (default: from each request's host)
 *   --mqtt URL        also publish observations and incidents through this MQTT broker
 *                     (SensorThings' MQTT binding; needs --public-url)
 *   --mqtt-creates    and take observations published to it (let the broker's ACL decide who may)
 *   --mqtt-topic-prefix P  what every MQTT topic starts with (default v1.1; a shared broker may put levels before it)
 *   --cors-origins L  origins whose pages may read this server (comma-separated, e.g. the viewer's
 *                     http://viewer.intranet:8080; * for any); default none: same origin only. Env CORS_ORIGINS.
 *   --max-future-skew T  how far ahead of this server's clock a reading's time may be: seconds, or
 *                     with a unit (90s, 10min, 2h, 1d); default 10min. Env MONITORING_MAX_FUTURE_SKEW.
 *   --read-workers N  threads that run reads (default 2). Env MONITORING_READ_WORKERS.
 *   --assets-database L  also serve the city's APIs (assets, network analyses, grids, cases, check-up)
 *                     over this asset store (a SQLite path or postgres:// URL; env ASSETS_DATABASE), with
 *                     --grids-database, --cases-database, --checkup-database (env GRIDS_DATABASE,
 *                     CASES_DATABASE, CHECKUP_DATABASE; defaults as for npm start).
 * A cluster: run this several times (each its own --port) with the same postgres:// --database (and
 * postgres:// stores) behind a reverse proxy. Every process streams every process's writes in one
 * order; partitions, retention and the check-up job run in one of them (see the README).
 * `GET /healthz` lists the roles a process holds; `GET /readyz` is 503 while a dependency is away.
 * Environment: MONITORING_API_KEY (required; comma-separate several); MQTT_USERNAME, MQTT_PASSWORD.
 * A bad value is an error naming the option, and the server does not start.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { createMonitoringServer } from '../src/server/sensorthings/index.ts';
import { registerCityApis } from '../src/server/city-apis.ts';
import { registerLifecycleDates } from '../src/server/lifecycle/dates-route.ts';
import { isPostgresLocation } from '../src/server/sensorthings/store.ts';
import { parseCorsOrigins } from '../src/server/cors.ts';
import { DEFAULT_FUTURE_SKEW_MILLISECONDS, parseSkew } from '../src/server/instants.ts';

async function main() {
  const { values } = parseArgs({
    options: {
      database: { type: 'string', default: process.env.MONITORING_DATABASE ?? 'data/monitoring.sqlite' },
      'lifecycle-database': { type: 'string' }, // deprecated: ignored with a warning
      'statement-timeout': { type: 'string', default: '10000' },
      port: { type: 'string', default: '8090' },
      host: { type: 'string', default: '127.0.0.1' },
      durability: { type: 'string', default: 'normal' },
      'reads-need-key': { type: 'boolean', default: false },
      'public-url': { type: 'string' },
      mqtt: { type: 'string' },
      'mqtt-creates': { type: 'boolean', default: false },
      'mqtt-topic-prefix': { type: 'string' },
      'cors-origins': { type: 'string', default: process.env.CORS_ORIGINS },
      'max-future-skew': { type: 'string', default: process.env.MONITORING_MAX_FUTURE_SKEW },
      'read-workers': { type: 'string', default: process.env.MONITORING_READ_WORKERS ?? '2' },
      'assets-database': { type: 'string', default: process.env.ASSETS_DATABASE },
      'grids-database': { type: 'string', default: process.env.GRIDS_DATABASE },
      'cases-database': { type: 'string', default: process.env.CASES_DATABASE },
      'checkup-database': { type: 'string', default: process.env.CHECKUP_DATABASE },
    },
  });
  const corsOrigins = parseCorsOrigins(values['cors-origins']);
  let maximumFutureSkewMilliseconds = DEFAULT_FUTURE_SKEW_MILLISECONDS;
  try {
    if (values['max-future-skew']) maximumFutureSkewMilliseconds = parseSkew(values['max-future-skew']);
  } catch (error) {
    throw new Error(`--max-future-skew: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const workers = Number(values['read-workers']);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new Error(`--read-workers ${values['read-workers']}: give a whole number from 1 to 64`);
  const apiKeys = (process.env.MONITORING_API_KEY ?? '').split(',').map((k) => k.trim()).filter(Boolean);
  if (apiKeys.length === 0) throw new Error('set MONITORING_API_KEY: writes need a key, and none is built in');
  if (values.durability !== 'normal' && values.durability !== 'full') throw new Error('--durability is normal or full');
  const postgres = isPostgresLocation(values.database);
  const statementTimeout = Number(values['statement-timeout']);
  if (!Number.isInteger(statementTimeout) || statementTimeout < 1) throw new Error(`--statement-timeout ${values['statement-timeout']}: give a whole number of milliseconds`);
  if (values['lifecycle-database'] !== undefined) console.warn('--lifecycle-database is no longer used: the lifecycle records are in the monitoring database (with PostgreSQL, shared by every server process)');
  if (!postgres && values.database !== ':memory:') mkdirSync(dirname(values.database), { recursive: true });
  const mqtt = values.mqtt ? { url: values.mqtt, username: process.env.MQTT_USERNAME, password: process.env.MQTT_PASSWORD, acceptCreates: values['mqtt-creates'], topicPrefix: values['mqtt-topic-prefix'] } : undefined;
  const { app } = await createMonitoringServer({
    databasePath: values.database,
    apiKeys,
    durability: values.durability,
    readsNeedKey: values['reads-need-key'],
    publicUrl: values['public-url'],
    mqtt,
    corsOrigins,
    maximumFutureSkewMilliseconds,
    reads: { workers },
    ...(postgres ? { postgres: { statementTimeoutMilliseconds: statementTimeout } } : {}),
    // With an asset database: the city's APIs too (assets, network, grids, cases, check-up), so that a
    // process of a cluster serves every request; the check-up job then runs in one process of it.
    extend: async (server, monitoring) => {
      const assetsLocation = values['assets-database'];
      if (!assetsLocation) return {};
      const origin = `http://${values.host}:${values.port}`;
      const city = await registerCityApis(server, {
        origin,
        apiKeys,
        assetsLocation,
        gridsLocation: values['grids-database'],
        casesLocation: values['cases-database'],
        checkupLocation: values['checkup-database'],
        hiddenAsOf: (date, pageSize) => monitoring.lifecycle.hiddenAsOf(date, pageSize),
        lifecycle: monitoring.lifecycle,
        sensors: monitoring.store,
        clusterUrl: postgres ? values.database : undefined,
        onChange: (change) => monitoring.announce(change),
      });
      registerLifecycleDates(server, { store: monitoring.lifecycle, assets: city.assets });
      return { checks: city.healthChecks, roles: () => (city.checkupLeader?.isLeader ? ['checkup-job'] : []) };
    },
  });
  await app.listen({ port: Number(values.port), host: values.host });
  console.log(`monitoring server: http://${values.host}:${values.port}/v1.1 (database ${postgres ? values.database.replace(/\/\/[^@/]*@/, '//') : values.database})`);
  console.log(`  reads ${values['reads-need-key'] ? 'need' : 'do not need'} a key; cross-origin reads from ${corsOrigins.length ? corsOrigins.join(', ') : 'no other origin'}`);
  if (mqtt) console.log(`monitoring over MQTT: ${mqtt.url}${mqtt.acceptCreates ? ' (creates on)' : ''}`);
  const stop = () => void app.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
