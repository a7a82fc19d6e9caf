/**
 * The case facts of a month per grid, read straight from the case store's database (SQLite or
 * PostgreSQL) with one GROUP BY: the case store's interface answers one day of one area, and the
 * check-up needs every grid of a month at once. Read-only, its own connection, closed after.
 * Same rules as addCase (src/domain/checkup): due when the deadline (set at dispatch) falls in
 * [month start, min(month end, now)); closed before the month end; on time when the last
 * handling report was no later than the deadline.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { monthRange } from '../../domain/checkup/indicators.ts';
import { isPostgresLocation } from '../assets/asset-store.ts';

export interface GridCaseFacts {
  gridCode: string;
  due: number;
  closed: number;
  onTime: number;
}

function query(p: (n: number) => string): string {
  return `SELECT grid_code,
      count(*) AS due,
      sum(CASE WHEN closed_at IS NOT NULL AND closed_at < ${p(3)} THEN 1 ELSE 0 END) AS closed,
      sum(CASE WHEN closed_at IS NOT NULL AND closed_at < ${p(3)} AND handled_at IS NOT NULL AND handled_at <= due_at THEN 1 ELSE 0 END) AS on_time
    FROM cases WHERE due_at >= ${p(1)} AND due_at < ${p(2)} GROUP BY grid_code ORDER BY grid_code`;
}

export async function readCaseFacts(location: string, month: string, nowMs: number): Promise<GridCaseFacts[]> {
  const [start, end] = monthRange(month);
  const until = Math.min(end, nowMs);
  type Row = { grid_code: string; due: number | string; closed: number | string | null; on_time: number | string | null };
  const rows: Row[] = [];
  if (until > start) {
    if (isPostgresLocation(location)) {
      const client = new pg.Client({ connectionString: location });
      await client.connect();
      try {
        rows.push(...(await client.query<Row>(query((n) => `$${n}`), [start, until, end])).rows);
      } finally {
        await client.end();
      }
    } else {
      const db = new Database(location, { readonly: true, fileMustExist: true });
      try {
        rows.push(...(db.prepare(query((n) => `@p${n}`)).all({ p1: start, p2: until, p3: end }) as Row[]));
      } finally {
        db.close();
      }
    }
  }
  return rows.map((r) => ({ gridCode: r.grid_code, due: Number(r.due), closed: Number(r.closed ?? 0), onTime: Number(r.on_time ?? 0) }));
}
