/** The check-up store on SQLite (better-sqlite3). */
import Database, { type Database as SqliteDatabase } from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { CheckupInputError, type AreaFacts, type CheckupLevel, type CheckupMonth, type CheckupRow, type CheckupStore } from './checkup-store.ts';
import { areaColumn, FACT_COLUMNS, factColumnType, factsFromRow, factValues, levelCodes, SUMS } from './sql.ts';

const SCHEMA_VERSION = 1;

const SCHEMA = `
  CREATE TABLE checkup_months (
    month TEXT PRIMARY KEY,
    computed_at INTEGER NOT NULL,
    sensors_observed INTEGER NOT NULL,
    kind TEXT NOT NULL
  );
  CREATE TABLE checkup_facts (
    month TEXT NOT NULL REFERENCES checkup_months (month) ON DELETE CASCADE,
    code TEXT NOT NULL,
    district TEXT NOT NULL, street TEXT, community TEXT, unit TEXT,
    ${FACT_COLUMNS.map((c) => `${c} ${factColumnType(c, 'sqlite')}`).join(',\n    ')},
    PRIMARY KEY (month, code)
  );
  CREATE INDEX checkup_facts_district ON checkup_facts (district, month);
  CREATE INDEX checkup_facts_street ON checkup_facts (street, month) WHERE street IS NOT NULL;
  CREATE INDEX checkup_facts_community ON checkup_facts (community, month) WHERE community IS NOT NULL;
  CREATE INDEX checkup_facts_unit ON checkup_facts (unit, month) WHERE unit IS NOT NULL;`;

interface MonthRow {
  month: string;
  computed_at: number;
  sensors_observed: number;
  kind: string;
}

const monthOf = (row: MonthRow): CheckupMonth => ({ month: row.month, computedAtMs: row.computed_at, sensorsObserved: row.sensors_observed === 1, kind: row.kind as CheckupMonth['kind'] });

export class SqliteCheckupStore implements CheckupStore {
  readonly backend = 'sqlite' as const;
  private closed = false;

  private constructor(readonly db: SqliteDatabase) {}

  static async open(path: string): Promise<SqliteCheckupStore> {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('foreign_keys = ON');
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version === 0) {
        db.transaction(() => {
          db.exec(SCHEMA);
          db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
        })();
      } else if (version !== SCHEMA_VERSION) {
        throw new Error(`check-up store ${path}: schema version ${version}, this build reads ${SCHEMA_VERSION}`);
      }
    } catch (error) {
      db.close();
      throw error;
    }
    return new SqliteCheckupStore(db);
  }

  async putMonth(info: CheckupMonth, rows: Iterable<CheckupRow>): Promise<number> {
    const prepared = [...rows].map((row) => ({ code: row.code, levels: levelCodes(row.code), values: factValues(row.facts) }));
    let n = 0;
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM checkup_months WHERE month = ?').run(info.month);
      this.db.prepare('INSERT INTO checkup_months (month, computed_at, sensors_observed, kind) VALUES (?, ?, ?, ?)').run(info.month, info.computedAtMs, info.sensorsObserved ? 1 : 0, info.kind);
      const insert = this.db.prepare(`INSERT INTO checkup_facts (month, code, district, street, community, unit, ${FACT_COLUMNS.join(', ')}) VALUES (${Array(6 + FACT_COLUMNS.length).fill('?').join(', ')})`);
      for (const row of prepared) {
        insert.run(info.month, row.code, row.levels.district, row.levels.street, row.levels.community, row.levels.unit, ...row.values);
        n++;
      }
    })();
    return n;
  }

  async month(month: string): Promise<CheckupMonth | undefined> {
    const row = this.db.prepare('SELECT * FROM checkup_months WHERE month = ?').get(month) as MonthRow | undefined;
    return row && monthOf(row);
  }

  async months(): Promise<CheckupMonth[]> {
    return (this.db.prepare('SELECT * FROM checkup_months ORDER BY month').all() as MonthRow[]).map(monthOf);
  }

  async area(code: string, month: string): Promise<AreaFacts | undefined> {
    const column = areaColumn(code);
    if (!(await this.month(month))) return undefined;
    const row = this.db.prepare(`SELECT count(*) AS n, ${SUMS} FROM checkup_facts WHERE ${column} = ? AND month = ?`).get(code, month) as Record<string, unknown>;
    return { facts: factsFromRow(row), rows: Number(row.n) };
  }

  async trend(code: string, from: string, to: string): Promise<({ month: string } & AreaFacts)[]> {
    const column = areaColumn(code);
    const rows = this.db.prepare(`SELECT m.month AS month, count(f.code) AS n, ${SUMS.replaceAll('sum(', 'sum(f.')} FROM checkup_months m LEFT JOIN checkup_facts f ON f.month = m.month AND f.${column} = ?
      WHERE m.month >= ? AND m.month <= ? GROUP BY m.month ORDER BY m.month`).all(code, from, to) as Record<string, unknown>[];
    return rows.map((row) => ({ month: String(row.month), facts: factsFromRow(row), rows: Number(row.n) }));
  }

  async units(level: CheckupLevel, parent: string | undefined, limit: number): Promise<string[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new CheckupInputError('limit: 1 to 1,000');
    const where = [`${level} IS NOT NULL`];
    const values: unknown[] = [];
    if (parent !== undefined) {
      where.push(`${areaColumn(parent)} = ?`);
      values.push(parent);
    }
    const rows = this.db.prepare(`SELECT DISTINCT ${level} AS code FROM checkup_facts WHERE ${where.join(' AND ')} ORDER BY 1 LIMIT ?`).all(...values, limit) as { code: string }[];
    return rows.map((r) => r.code);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}
