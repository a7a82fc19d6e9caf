/**
 * The grid store on SQLite (better-sqlite3): the grids in a table, their bounds in an R*Tree
 * (SQLite's own spatial index; its boxes are rounded outwards, so they never miss a grid). A
 * point's candidates come from the R*Tree, lowest code first; the exact test is the domain's
 * point-in-polygon (SpatiaLite is not available).
 */
import Database, { type Database as SqliteDatabase } from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { checkGridSet, covers, type Grid, type GridInput, type GridLayerLevel } from '../../domain/grids/grids.ts';
import { checkListOptions, checkPoint, type GridListOptions, type GridPage, type GridStore } from './grid-store.ts';
import { gridFromRow, type GridRow } from './sql.ts';

const SCHEMA_VERSION = 1;

const SCHEMA = `
  CREATE TABLE grids (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    level TEXT NOT NULL,
    name TEXT NOT NULL,
    parent_code TEXT,
    workers TEXT NOT NULL,
    geometry TEXT NOT NULL,
    west REAL NOT NULL, south REAL NOT NULL, east REAL NOT NULL, north REAL NOT NULL
  );
  CREATE INDEX grids_level ON grids (level, code);
  CREATE VIRTUAL TABLE grids_rtree USING rtree (id, west, east, south, north);`;

const COLUMNS = 'g.code, g.level, g.name, g.parent_code, g.workers, g.geometry, g.west, g.south, g.east, g.north';

export class SqliteGridStore implements GridStore {
  readonly backend = 'sqlite' as const;
  private closed = false;

  private constructor(readonly db: SqliteDatabase) {}

  static async open(path: string): Promise<SqliteGridStore> {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version === 0) {
        db.transaction(() => {
          db.exec(SCHEMA);
          db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
        })();
      } else if (version !== SCHEMA_VERSION) {
        throw new Error(`grid store ${path}: schema version ${version}, this build reads ${SCHEMA_VERSION}`);
      }
    } catch (error) {
      db.close();
      throw error;
    }
    return new SqliteGridStore(db);
  }

  async replaceAll(inputs: Iterable<GridInput>, featureName?: (index: number) => string): Promise<number> {
    const grids = checkGridSet(inputs, featureName);
    this.db.transaction(() => {
      this.db.exec('DELETE FROM grids_rtree; DELETE FROM grids;');
      const insert = this.db.prepare('INSERT INTO grids (code, level, name, parent_code, workers, geometry, west, south, east, north) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
      const index = this.db.prepare('INSERT INTO grids_rtree (id, west, east, south, north) VALUES (?, ?, ?, ?, ?)');
      for (const grid of grids) {
        const [west, south, east, north] = grid.bbox;
        const { lastInsertRowid } = insert.run(grid.code, grid.level, grid.name, grid.parentCode ?? null, JSON.stringify(grid.workers), JSON.stringify(grid.geometry), west, south, east, north);
        index.run(lastInsertRowid, west, east, south, north);
      }
    })();
    this.db.exec('ANALYZE');
    return grids.length;
  }

  async get(code: string): Promise<Grid | undefined> {
    const row = this.db.prepare(`SELECT ${COLUMNS} FROM grids g WHERE g.code = ?`).get(code) as GridRow | undefined;
    return row && gridFromRow(row);
  }

  async list(options: GridListOptions): Promise<GridPage> {
    const { limit, offset } = checkListOptions(options);
    const [west, south, east, north] = options.bbox;
    const rows = this.db.prepare(`SELECT ${COLUMNS} FROM grids_rtree r CROSS JOIN grids g ON g.id = r.id
      WHERE r.west <= ? AND r.east >= ? AND r.south <= ? AND r.north >= ? AND g.level = ? AND g.west <= ? AND g.east >= ? AND g.south <= ? AND g.north >= ?
      ORDER BY g.code LIMIT ? OFFSET ?`).all(east, west, north, south, options.level, east, west, north, south, limit + 1, offset) as GridRow[];
    return { grids: rows.slice(0, limit).map(gridFromRow), truncated: rows.length > limit };
  }

  async containing(lon: number, lat: number, level: GridLayerLevel): Promise<Grid | undefined> {
    checkPoint(lon, lat);
    const candidates = this.db.prepare(`SELECT ${COLUMNS} FROM grids_rtree r CROSS JOIN grids g ON g.id = r.id
      WHERE r.west <= ? AND r.east >= ? AND r.south <= ? AND r.north >= ? AND g.level = ? ORDER BY g.code`).iterate(lon, lon, lat, lat, level) as Iterable<GridRow>;
    for (const row of candidates) {
      if (row.west > lon || row.east < lon || row.south > lat || row.north < lat) continue;
      const grid = gridFromRow(row);
      // Lowest code first: the first covering grid is the one the tie rule picks.
      if (covers(grid.geometry, lon, lat)) return grid;
    }
    return undefined;
  }

  async place(points: readonly (readonly [number, number])[]): Promise<(string | undefined)[]> {
    for (const [lon, lat] of points) checkPoint(lon, lat);
    const candidates = this.db.prepare(`SELECT g.code AS code, g.geometry AS geometry, g.west AS west, g.east AS east, g.south AS south, g.north AS north
      FROM grids_rtree r CROSS JOIN grids g ON g.id = r.id WHERE r.west <= ? AND r.east >= ? AND r.south <= ? AND r.north >= ?
      ORDER BY CASE g.level WHEN 'unit' THEN 0 WHEN 'community' THEN 1 ELSE 2 END, g.code`);
    // Each grid's geometry parsed once per call (a city has thousands of grids, not millions).
    const geometries = new Map<string, Grid['geometry']>();
    return points.map(([lon, lat]) => {
      for (const row of candidates.iterate(lon, lon, lat, lat) as Iterable<{ code: string; geometry: string; west: number; east: number; south: number; north: number }>) {
        // The R*Tree's bounds are rounded outwards (32-bit floats): the exact ones decide.
        if (row.west > lon || row.east < lon || row.south > lat || row.north < lat) continue;
        let geometry = geometries.get(row.code);
        if (!geometry) geometries.set(row.code, (geometry = JSON.parse(row.geometry) as Grid['geometry']));
        if (covers(geometry, lon, lat)) return row.code;
      }
      return undefined;
    });
  }

  async count(level?: GridLayerLevel): Promise<number> {
    const row = (level ? this.db.prepare('SELECT count(*) AS n FROM grids WHERE level = ?').get(level) : this.db.prepare('SELECT count(*) AS n FROM grids').get()) as { n: number };
    return row.n;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}
