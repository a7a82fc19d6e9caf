/**
 * A throwaway PostgreSQL database for tests: `cim_twin_test_<random>` on the server named by
 * TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres), with postgis and
 * pg_trgm, dropped afterwards. `reachable` is false (with the reason) when no server answers, so
 * a suite can skip with a message; any other failure (no PostGIS…) is an error. TEST_DATABASE_PREFIX
 * replaces the name's `cim_twin_test_` (several checkouts on one server tell their databases apart).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Whether a PostgreSQL server answers at ADMIN_URL; the reason when not. */
export async function postgresReachable(): Promise<{ reachable: true } | { reachable: false; reason: string }> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { reachable: true };
  } catch (error) {
    return { reachable: false, reason: `no PostgreSQL server at ${ADMIN_URL.replace(/\/\/[^@]*@/, '//')} (${(error as Error).message})` };
  } finally {
    await client.end().catch(() => {});
  }
}

export async function createTestDatabase(extensions: readonly string[] = ['postgis', 'pg_trgm']): Promise<TestDatabase> {
  const prefix = process.env.TEST_DATABASE_PREFIX ?? 'cim_twin_test_';
  if (!/^[a-z_][a-z0-9_]*$/.test(prefix)) throw new Error(`TEST_DATABASE_PREFIX: ${prefix} is not a plain lower-case name`);
  const name = `${prefix}${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    // UTF-8 with a C.UTF-8 character classification, so pg_trgm reads Chinese characters as letters.
    await admin.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const db = new pg.Client({ connectionString: url.toString() });
  await db.connect();
  try {
    for (const extension of extensions) await db.query(`CREATE EXTENSION IF NOT EXISTS ${extension}`);
  } finally {
    await db.end();
  }
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
