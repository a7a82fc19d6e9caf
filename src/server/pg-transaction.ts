import type pg from 'pg';

/**
 * One transaction on a pooled client: `begin` (e.g. 'BEGIN READ ONLY'), then the settings and
 * work, COMMIT; ROLLBACK if anything throws. The client goes back to the pool either way.
 */
export async function inTransaction<T>(pool: pg.Pool, begin: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(begin);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
