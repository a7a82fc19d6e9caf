/**
 * The two backends for the grid suites: SQLite in a temporary directory, and PostgreSQL with
 * PostGIS in a throwaway database (src/server/assets/testing/postgres.ts). Without a reachable
 * PostgreSQL server its half skips with the reason, except under CI, where it fails.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createTestDatabase, postgresReachable, type TestDatabase } from '../../assets/testing/postgres.ts';
import { openGridStore, type GridStore } from '../grid-store.ts';

export interface GridBackend {
  name: string;
  skipReason?: string;
  setUp(): Promise<void>;
  /** A fresh, empty store and its location. */
  fresh(): Promise<{ store: GridStore; location: string }>;
  tearDown(): Promise<void>;
}

function sqliteBackend(): GridBackend {
  let directory = '';
  let n = 0;
  return {
    name: 'SQLite',
    async setUp() {
      directory = mkdtempSync(join(tmpdir(), 'grid-store-'));
    },
    async fresh() {
      const location = join(directory, `grids-${n++}.sqlite`);
      return { store: await openGridStore(location), location };
    },
    async tearDown() {
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

function postgresBackend(skipReason: string | undefined): GridBackend {
  let database: TestDatabase | undefined;
  return {
    name: 'PostgreSQL',
    skipReason,
    async setUp() {
      database = await createTestDatabase(['postgis']);
    },
    async fresh() {
      const client = new pg.Client({ connectionString: database!.url });
      await client.connect();
      await client.query('DROP TABLE IF EXISTS grids, grid_store_schema');
      await client.end();
      return { store: await openGridStore(database!.url), location: database!.url };
    },
    async tearDown() {
      await database?.drop();
    },
  };
}

export async function gridBackends(suite: string): Promise<GridBackend[]> {
  const reachability = await postgresReachable();
  if (!reachability.reachable) {
    if (process.env.CI) throw new Error(`CI must run the PostgreSQL ${suite} tests: ${reachability.reason}`);
    console.warn(`${suite}: skipping PostgreSQL: ${reachability.reason}`);
  }
  return [sqliteBackend(), postgresBackend(reachability.reachable ? undefined : reachability.reason)];
}
