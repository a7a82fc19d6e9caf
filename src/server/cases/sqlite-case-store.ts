/**
 * The case store on SQLite (better-sqlite3), the embedded default. An action reads the case,
 * checks it and writes the new status and the log entry in one synchronous transaction, so no
 * other request on this connection can come between; other processes see before or after (WAL).
 */
import Database, { type Database as SqliteDatabase } from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { caseRowOf, type CaseDailyStatistics, type NewCase } from '../../domain/cases/cases.ts';
import type { ActionResult, CaseActionInput, CaseFilter, CasePage, CasePageOptions, CaseStore, CaseWithLog, LoadedCase } from './case-store.ts';
import {
  CASE_COLUMNS, checkLoadedCase, INSERT_COLUMNS, insertValues, LATER_INDEXES, listQuery, LOG_COLUMNS, logEntryFromRow, planAction, recordFromRow, statisticsFromRow, statisticsQuery, updateStatement,
  type CaseRow, type LogRow,
} from './sql.ts';

const SCHEMA_VERSION = 1;
/** Cases in one load after which the tables are analysed again. */
const ANALYZE_AFTER = 10_000;

/** Shared by both backends in spirit: the same columns and indexes (postgres-case-store.ts). */
const SCHEMA = `
  CREATE TABLE cases (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    class_id TEXT NOT NULL,
    grid_code TEXT NOT NULL,
    department TEXT,
    status TEXT NOT NULL,
    description TEXT NOT NULL,
    address TEXT,
    lon REAL NOT NULL,
    lat REAL NOT NULL,
    reporter TEXT NOT NULL,
    hotline_ticket TEXT,
    incident_id TEXT,
    asset_ids TEXT NOT NULL,
    attachment_url TEXT,
    created_at INTEGER NOT NULL,
    filed_at INTEGER,
    dispatched_at INTEGER,
    due_at INTEGER,
    handled_at INTEGER,
    handled_late INTEGER,
    checked_at INTEGER,
    closed_at INTEGER,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE case_log (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    action TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    actor TEXT NOT NULL,
    at INTEGER NOT NULL,
    note TEXT,
    department TEXT
  );
  CREATE INDEX case_log_case ON case_log(case_id, id);
  CREATE INDEX cases_grid_status ON cases(grid_code, status, id);
  CREATE INDEX cases_grid ON cases(grid_code, id);
  CREATE INDEX cases_department ON cases(department, status, id) WHERE department IS NOT NULL;
  CREATE INDEX cases_class ON cases(class_id, id);
  CREATE INDEX cases_status ON cases(status, due_at, handled_late);
  CREATE INDEX cases_filed ON cases(filed_at, status) WHERE filed_at IS NOT NULL;
  CREATE INDEX cases_closed ON cases(closed_at) WHERE closed_at IS NOT NULL;
  CREATE INDEX cases_handled ON cases(handled_at, due_at) WHERE handled_at IS NOT NULL;
  CREATE INDEX cases_open_grid ON cases(grid_code, status) WHERE closed_at IS NULL;`;

export class SqliteCaseStore implements CaseStore {
  readonly backend = 'sqlite' as const;
  private closed = false;

  private constructor(readonly db: SqliteDatabase) {}

  static async open(path: string): Promise<SqliteCaseStore> {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version === 0) {
        db.transaction(() => {
          db.exec(SCHEMA);
          db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
        })();
      } else if (version !== SCHEMA_VERSION) {
        throw new Error(`case store ${path}: schema version ${version}, this build reads ${SCHEMA_VERSION}`);
      }
      db.exec(LATER_INDEXES);
    } catch (error) {
      db.close();
      throw error;
    }
    return new SqliteCaseStore(db);
  }

  private readCase(row: number): CaseWithLog | undefined {
    const found = this.db.prepare(`SELECT ${CASE_COLUMNS} FROM cases WHERE id = ?`).get(row) as CaseRow | undefined;
    if (!found) return undefined;
    const log = (this.db.prepare(`SELECT ${LOG_COLUMNS} FROM case_log WHERE case_id = ? ORDER BY id`).all(row) as LogRow[]).map(logEntryFromRow);
    return { record: recordFromRow(found), log };
  }

  async create(input: NewCase, atMs: number): Promise<CaseWithLog> {
    const row = this.db.transaction(() => {
      const values = insertValues({ ...input, status: 'collected', createdAtMs: atMs });
      const { lastInsertRowid } = this.db.prepare(`INSERT INTO cases (${INSERT_COLUMNS}) VALUES (${values.map(() => '?').join(', ')})`).run(...values);
      this.db.prepare(`INSERT INTO case_log (case_id, ${LOG_COLUMNS}) VALUES (?, 'collect', NULL, 'collected', ?, ?, NULL, NULL)`).run(lastInsertRowid, input.reporter, atMs);
      return Number(lastInsertRowid);
    })();
    return this.readCase(row)!;
  }

  async get(id: string): Promise<CaseWithLog | undefined> {
    const row = caseRowOf(id);
    return row === undefined ? undefined : this.readCase(row);
  }

  async act(id: string, input: CaseActionInput, atMs: number): Promise<ActionResult> {
    const row = caseRowOf(id);
    if (row === undefined) return undefined;
    return this.db.transaction(() => {
      const found = this.db.prepare(`SELECT ${CASE_COLUMNS} FROM cases WHERE id = ?`).get(row) as CaseRow | undefined;
      if (!found) return undefined;
      const plan = planAction(recordFromRow(found), input, atMs);
      if ('error' in plan) return plan;
      const update = updateStatement('sqlite', plan, row);
      if (this.db.prepare(update.sql).run(...update.values).changes !== 1) throw new Error(`case ${id} changed during its action`);
      this.db.prepare(`INSERT INTO case_log (case_id, ${LOG_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(row, plan.log.action, plan.from, plan.to, plan.log.actor, plan.log.at, plan.log.note, plan.log.department);
      return this.readCase(row)!;
    })() as ActionResult;
  }

  async list(filter: CaseFilter, page: CasePageOptions, nowMs: number): Promise<CasePage> {
    const query = listQuery('sqlite', filter, page, nowMs);
    const rows = this.db.prepare(query.sql).all(...query.values) as CaseRow[];
    return { cases: rows.slice(0, query.limit).map(recordFromRow), truncated: rows.length > query.limit };
  }

  async dailyStatistics(day: string, scope: { grid?: string; area?: string }, nowMs: number): Promise<CaseDailyStatistics> {
    const query = statisticsQuery('sqlite', day, scope, nowMs);
    return statisticsFromRow(day, this.db.prepare(query.sql).get(...query.values) as Record<string, number>);
  }

  async load(cases: Iterable<LoadedCase>): Promise<number> {
    const grids = new Set<string>();
    const loaded = this.db.transaction(() => {
      const insert = this.db.prepare(`INSERT INTO cases (${INSERT_COLUMNS}) VALUES (${INSERT_COLUMNS.split(',').map(() => '?').join(', ')})`);
      const log = this.db.prepare(`INSERT INTO case_log (case_id, ${LOG_COLUMNS}) VALUES (?, 'import', NULL, ?, 'import', ?, NULL, ?)`);
      let n = 0;
      for (const c of cases) {
        checkLoadedCase(c, n, grids);
        const { lastInsertRowid } = insert.run(...insertValues(c));
        log.run(lastInsertRowid, c.status, Date.now(), c.department ?? null);
        n++;
      }
      return n;
    })();
    // Fresh statistics after a large load, so the planner picks the grid and time indexes.
    if (loaded >= ANALYZE_AFTER) this.db.exec('ANALYZE');
    return loaded;
  }

  async count(): Promise<number> {
    return (this.db.prepare('SELECT count(*) AS n FROM cases').get() as { n: number }).n;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}
