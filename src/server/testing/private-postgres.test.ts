/**
 * The private PostgreSQL cluster of the fault tests, by itself: it starts, takes connections and
 * data, refuses connections while stopped, keeps its data over a stop and a crash-like stop, and
 * leaves nothing behind. (The machine's shared cluster is never touched.)
 */
import { existsSync } from 'node:fs';
import pg from 'pg';
import { afterAll, describe, expect, test } from 'vitest';
import { privateClusterSupport, startPrivateCluster, type PrivateCluster } from './private-postgres.ts';

const reason = await privateClusterSupport();
if (reason) {
  if (process.env.CI) throw new Error(`CI must run the private PostgreSQL cluster test: ${reason}`);
  console.warn(`private PostgreSQL cluster test: skipping: ${reason}`);
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

let cluster: PrivateCluster | undefined;
afterAll(async () => {
  await cluster?.destroy();
});

describe('a private PostgreSQL cluster', () => {
  test.skipIf(reason !== undefined)('starts, stores, refuses connections while stopped, keeps its data over a stop and an immediate stop, and is removed', async () => {
    cluster = await startPrivateCluster();
    expect(cluster.port).not.toBe(5432);
    expect(await cluster.running()).toBe(true);
    await query(cluster.url, 'CREATE TABLE kept (n integer)');
    await query(cluster.url, 'INSERT INTO kept SELECT generate_series(1, 100)');

    await cluster.stop();
    expect(await cluster.running()).toBe(false);
    await expect(query(cluster.url, 'SELECT 1')).rejects.toThrow(/ECONNREFUSED|connect/);

    await cluster.start();
    expect(await query<{ n: string }>(cluster.url, 'SELECT count(*) AS n FROM kept')).toEqual([{ n: '100' }]);

    // Like a crash: recovery from the WAL on the next start.
    await query(cluster.url, 'INSERT INTO kept VALUES (101)');
    await cluster.stop('immediate');
    await cluster.start();
    expect(await query<{ n: string }>(cluster.url, 'SELECT count(*) AS n FROM kept')).toEqual([{ n: '101' }]);
    // The extensions the stores need are there as on the shared cluster (the same binaries).
    await query(cluster.url, 'CREATE EXTENSION IF NOT EXISTS postgis');

    const directory = (await query<{ setting: string }>(cluster.url, "SELECT setting FROM pg_settings WHERE name = 'data_directory'"))[0]!.setting;
    expect(existsSync(directory)).toBe(true);
    await cluster.destroy();
    cluster = undefined;
    expect(existsSync(directory)).toBe(false);
  }, 120_000);
});
