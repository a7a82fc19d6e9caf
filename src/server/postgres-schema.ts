/**
 * Opening a PostgreSQL store's schema, shared by the stores (cases, grids, lifecycle, check-up,
 * BIM): one transaction holding a transaction-level advisory lock named after the store, so that
 * several processes opening one database at once make the tables once (the cluster, issue 21).
 * On any failure the transaction is rolled back and the pool ended, so a store that could not open
 * leaves no connection behind.
 */
import type pg from 'pg';

export async function openPostgresSchema(pool: pg.Pool, lockName: string, prepare: (client: pg.PoolClient) => Promise<void>): Promise<void> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lockName]);
    await prepare(client);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    client.release();
    await pool.end().catch(() => {});
    throw error;
  }
  client.release();
}
