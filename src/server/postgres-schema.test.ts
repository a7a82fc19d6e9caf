/** openPostgresSchema: one schema made once under concurrent opens; a failed open leaves nothing behind. */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, postgresReachable, type TestDatabase } from './assets/testing/postgres.ts';
import { openPostgresSchema } from './postgres-schema.ts';

const reachability = await postgresReachable();
if (!reachability.reachable && process.env.CI) throw new Error(`CI must run the PostgreSQL tests: ${reachability.reason}`);

describe.skipIf(!reachability.reachable)('openPostgresSchema', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase([]);
  }, 30_000);
  afterAll(async () => {
    await database?.drop();
  });

  test('five processes opening at once make the table once, in turn', async () => {
    const pools = Array.from({ length: 5 }, () => new pg.Pool({ connectionString: database.url, max: 1 }));
    const made: number[] = [];
    try {
      await Promise.all(
        pools.map((pool, i) =>
          openPostgresSchema(pool, 'cim-twin test schema', async (client) => {
            const exists = (await client.query("SELECT to_regclass('schema_test') AS name")).rows[0].name !== null;
            // Without the lock, two would both see no table and one CREATE would fail.
            if (!exists) {
              await client.query('SELECT pg_sleep(0.05)');
              await client.query('CREATE TABLE schema_test (opened_by integer)');
              made.push(i);
            }
            await client.query('INSERT INTO schema_test VALUES ($1)', [i]);
          }),
        ),
      );
      expect(made).toHaveLength(1);
      const check = new pg.Client({ connectionString: database.url });
      await check.connect();
      expect(Number((await check.query('SELECT count(*) AS n FROM schema_test')).rows[0].n)).toBe(5);
      await check.end();
    } finally {
      for (const pool of pools) await pool.end().catch(() => {});
    }
  });

  test('a failing open rolls back what it did and ends its pool', async () => {
    const pool = new pg.Pool({ connectionString: database.url, max: 1 });
    await expect(
      openPostgresSchema(pool, 'cim-twin test schema', async (client) => {
        await client.query('CREATE TABLE half_made (x integer)');
        throw new Error('schema version 9, this build reads 1');
      }),
    ).rejects.toThrow(/schema version 9/);
    expect(pool.ended).toBe(true);
    const check = new pg.Client({ connectionString: database.url });
    await check.connect();
    expect((await check.query("SELECT to_regclass('half_made') AS name")).rows[0].name).toBeNull();
    await check.end();
  });

  test('a database that cannot be reached: the error, and the pool ended', async () => {
    const url = new URL(database.url);
    url.pathname = '/cim_twin_no_such_database';
    const pool = new pg.Pool({ connectionString: url.toString(), max: 1 });
    await expect(openPostgresSchema(pool, 'x', async () => {})).rejects.toThrow(/does not exist/);
    expect(pool.ended).toBe(true);
  });
});
