/** The check-up store on PostgreSQL (pg). */
import pg from 'pg';
import { openPostgresSchema } from '../postgres-schema.ts';
import { inTransaction } from '../pg-transaction.ts';
import { CheckupInputError, type AreaFacts, type CheckupLevel, type CheckupMonth, type CheckupRow, type CheckupStore } from './checkup-store.ts';
import { areaColumn, FACT_COLUMNS, factColumnType, factsFromRow, factValues, levelCodes, SUMS } from './sql.ts';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS checkup_months (
    month text PRIMARY KEY,
    computed_at bigint NOT NULL,
    sensors_observed boolean NOT NULL,
    kind text NOT NULL
  );
  CREATE TABLE IF NOT EXISTS checkup_facts (
    month text NOT NULL REFERENCES checkup_months (month) ON DELETE CASCADE,
    code text NOT NULL,
    district text NOT NULL, street text, community text, unit text,
    ${FACT_COLUMNS.map((c) => `${c} ${factColumnType(c, 'postgres')}`).join(',\n    ')},
    PRIMARY KEY (month, code)
  );
  CREATE INDEX IF NOT EXISTS checkup_facts_district ON checkup_facts (district, month);
  CREATE INDEX IF NOT EXISTS checkup_facts_street ON checkup_facts (street, month) WHERE street IS NOT NULL;
  CREATE INDEX IF NOT EXISTS checkup_facts_community ON checkup_facts (community, month) WHERE community IS NOT NULL;
  CREATE INDEX IF NOT EXISTS checkup_facts_unit ON checkup_facts (unit, month) WHERE unit IS NOT NULL;`;

interface MonthRow {
  month: string;
  computed_at: string;
  sensors_observed: boolean;
  kind: string;
}

const monthOf = (row: MonthRow): CheckupMonth => ({ month: row.month, computedAtMs: Number(row.computed_at), sensorsObserved: row.sensors_observed, kind: row.kind as CheckupMonth['kind'] });

/** Rows per INSERT statement (PostgreSQL takes at most 65,535 parameters). */
const BATCH = 500;

export class PostgresCheckupStore implements CheckupStore {
  readonly backend = 'postgres' as const;
  private closed = false;

  private constructor(private readonly pool: pg.Pool) {}

  static async open(url: string): Promise<PostgresCheckupStore> {
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    pool.on('error', () => {});
    await openPostgresSchema(pool, 'cim-twin check-up store schema', async (client) => {
      await client.query(SCHEMA);
    });
    return new PostgresCheckupStore(pool);
  }

  async putMonth(info: CheckupMonth, rows: Iterable<CheckupRow>): Promise<number> {
    const prepared = [...rows].map((row) => { const l = levelCodes(row.code); return [info.month, row.code, l.district, l.street, l.community, l.unit, ...factValues(row.facts)]; });
    await inTransaction(this.pool, 'BEGIN', async (client) => {
      await client.query('DELETE FROM checkup_months WHERE month = $1', [info.month]);
      await client.query('INSERT INTO checkup_months (month, computed_at, sensors_observed, kind) VALUES ($1, $2, $3, $4)', [info.month, info.computedAtMs, info.sensorsObserved, info.kind]);
      const width = 6 + FACT_COLUMNS.length;
      for (let i = 0; i < prepared.length; i += BATCH) {
        const batch = prepared.slice(i, i + BATCH);
        const tuples = batch.map((_, r) => `(${Array.from({ length: width }, (_, c) => `$${r * width + c + 1}`).join(', ')})`);
        await client.query(`INSERT INTO checkup_facts (month, code, district, street, community, unit, ${FACT_COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`, batch.flat());
      }
    });
    return prepared.length;
  }

  async month(month: string): Promise<CheckupMonth | undefined> {
    const { rows } = await this.pool.query<MonthRow>('SELECT * FROM checkup_months WHERE month = $1', [month]);
    return rows[0] && monthOf(rows[0]);
  }

  async months(): Promise<CheckupMonth[]> {
    const { rows } = await this.pool.query<MonthRow>('SELECT * FROM checkup_months ORDER BY month');
    return rows.map(monthOf);
  }

  async area(code: string, month: string): Promise<AreaFacts | undefined> {
    const column = areaColumn(code);
    if (!(await this.month(month))) return undefined;
    const { rows } = await this.pool.query(`SELECT count(*) AS n, ${SUMS} FROM checkup_facts WHERE ${column} = $1 AND month = $2`, [code, month]);
    return { facts: factsFromRow(rows[0]), rows: Number(rows[0].n) };
  }

  async trend(code: string, from: string, to: string): Promise<({ month: string } & AreaFacts)[]> {
    const column = areaColumn(code);
    const { rows } = await this.pool.query(`SELECT m.month AS month, count(f.code) AS n, ${SUMS.replaceAll('sum(', 'sum(f.')} FROM checkup_months m LEFT JOIN checkup_facts f ON f.month = m.month AND f.${column} = $1
      WHERE m.month >= $2 AND m.month <= $3 GROUP BY m.month ORDER BY m.month`, [code, from, to]);
    return rows.map((row: Record<string, unknown>) => ({ month: String(row.month), facts: factsFromRow(row), rows: Number(row.n) }));
  }

  async units(level: CheckupLevel, parent: string | undefined, limit: number): Promise<string[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new CheckupInputError('limit: 1 to 1,000');
    const where = [`${level} IS NOT NULL`];
    const values: unknown[] = [];
    if (parent !== undefined) {
      values.push(parent);
      where.push(`${areaColumn(parent)} = $${values.length}`);
    }
    values.push(limit);
    const { rows } = await this.pool.query(`SELECT DISTINCT ${level} AS code FROM checkup_facts WHERE ${where.join(' AND ')} ORDER BY 1 LIMIT $${values.length}`, values);
    return rows.map((r: { code: string }) => r.code);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
