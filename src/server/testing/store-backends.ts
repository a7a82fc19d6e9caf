/**
 * The two backends every store suite runs against: SQLite in a temporary directory, and
 * PostgreSQL in a throwaway database (src/server/assets/testing/postgres.ts) with the extensions
 * the store needs. Without a reachable PostgreSQL server its half skips with the reason, except
 * under CI, where it fails: CI must run both.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { createTestDatabase, postgresReachable, type TestDatabase } from '../assets/testing/postgres.ts';

export interface StoreBackend<S> {
  name: string;
  /** Why the backend is skipped, or undefined when it runs. */
  skipReason?: string;
  setUp(): Promise<void>;
  /** A fresh, empty store and its location. */
  fresh(): Promise<{ store: S; location: string }>;
  tearDown(): Promise<void>;
}

export interface StoreKind<S> {
  /** Names the SQLite files and the temporary directory ("cases" → cases-0.sqlite). */
  prefix: string;
  open(location: string): Promise<S>;
  /** PostgreSQL extensions the store needs (created in the throwaway database). */
  extensions: readonly string[];
  /** The store's PostgreSQL tables, dropped before each fresh store (children first). */
  tables: readonly string[];
  /** The PostgreSQL backend's name in the suite's title. Default "PostgreSQL". */
  postgresName?: string;
}

function sqliteBackend<S>(kind: StoreKind<S>): StoreBackend<S> {
  let directory = '';
  let n = 0;
  return {
    name: 'SQLite',
    async setUp() {
      directory = mkdtempSync(join(tmpdir(), `${kind.prefix}-store-`));
    },
    async fresh() {
      const location = join(directory, `${kind.prefix}-${n++}.sqlite`);
      return { store: await kind.open(location), location };
    },
    async tearDown() {
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

function postgresBackend<S>(kind: StoreKind<S>, skipReason: string | undefined): StoreBackend<S> {
  let database: TestDatabase | undefined;
  return {
    name: kind.postgresName ?? 'PostgreSQL',
    skipReason,
    async setUp() {
      database = await createTestDatabase(kind.extensions);
    },
    async fresh() {
      const client = new pg.Client({ connectionString: database!.url });
      await client.connect();
      await client.query(`DROP TABLE IF EXISTS ${kind.tables.join(', ')}`);
      await client.end();
      return { store: await kind.open(database!.url), location: database!.url };
    },
    async tearDown() {
      await database?.drop();
    },
  };
}

/** SQLite and PostgreSQL backends of one store, for `describe.each`; `suite` names it in the skip message. */
export async function storeBackends<S>(suite: string, kind: StoreKind<S>): Promise<StoreBackend<S>[]> {
  const reachability = await postgresReachable();
  if (!reachability.reachable) {
    if (process.env.CI) throw new Error(`CI must run the PostgreSQL ${suite} tests: ${reachability.reason}`);
    console.warn(`${suite}: skipping PostgreSQL: ${reachability.reason}`);
  }
  return [sqliteBackend(kind), postgresBackend(kind, reachability.reachable ? undefined : reachability.reason)];
}

/**
 * The hooks of a suite on one backend: the backend set up before the suite and torn down after
 * it, a fresh store before each test (the test skipped with the reason where the backend is not
 * there) handed to `use` (which may fill it and set up what the suite puts beside it), and that
 * store closed after the test, after the suite's own afterEach hooks (vitest runs them in stack order).
 */
export function eachFreshStore<S extends { close(): Promise<void> }>(backend: StoreBackend<S>, use: (fresh: { store: S; location: string }) => unknown): void {
  let store: S | undefined;
  beforeAll(async () => {
    if (!backend.skipReason) await backend.setUp();
  });
  afterAll(async () => {
    if (!backend.skipReason) await backend.tearDown();
  });
  beforeEach(async (context) => {
    if (backend.skipReason) context.skip(backend.skipReason);
    const fresh = await backend.fresh();
    store = fresh.store;
    await use(fresh);
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });
}
