/**
 * The two backends for the case suites: SQLite in a temporary directory, and PostgreSQL in a
 * throwaway database (src/server/assets/testing/postgres.ts, no extensions needed). Without a
 * reachable PostgreSQL server its half skips with the reason, except under CI, where it fails.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createTestDatabase, postgresReachable, type TestDatabase } from '../../assets/testing/postgres.ts';
import { openCaseStore, type CaseStore } from '../case-store.ts';

export interface CaseBackend {
  name: string;
  /** Why the backend is skipped, or undefined when it runs. */
  skipReason?: string;
  setUp(): Promise<void>;
  /** A fresh, empty store and its location. */
  fresh(): Promise<{ store: CaseStore; location: string }>;
  tearDown(): Promise<void>;
}

function sqliteBackend(): CaseBackend {
  let directory = '';
  let n = 0;
  return {
    name: 'SQLite',
    async setUp() {
      directory = mkdtempSync(join(tmpdir(), 'case-store-'));
    },
    async fresh() {
      const location = join(directory, `cases-${n++}.sqlite`);
      return { store: await openCaseStore(location), location };
    },
    async tearDown() {
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

function postgresBackend(skipReason: string | undefined): CaseBackend {
  let database: TestDatabase | undefined;
  return {
    name: 'PostgreSQL',
    skipReason,
    async setUp() {
      database = await createTestDatabase([]);
    },
    async fresh() {
      const client = new pg.Client({ connectionString: database!.url });
      await client.connect();
      await client.query('DROP TABLE IF EXISTS case_log, cases, case_store_schema');
      await client.end();
      return { store: await openCaseStore(database!.url), location: database!.url };
    },
    async tearDown() {
      await database?.drop();
    },
  };
}

export async function caseBackends(suite: string): Promise<CaseBackend[]> {
  const reachability = await postgresReachable();
  if (!reachability.reachable) {
    if (process.env.CI) throw new Error(`CI must run the PostgreSQL ${suite} tests: ${reachability.reason}`);
    console.warn(`${suite}: skipping PostgreSQL: ${reachability.reason}`);
  }
  return [sqliteBackend(), postgresBackend(reachability.reachable ? undefined : reachability.reason)];
}
