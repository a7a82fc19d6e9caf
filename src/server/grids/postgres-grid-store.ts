/**
 * The grid store on PostgreSQL + PostGIS: each grid's polygon as a geometry (SRID 4326) with a
 * GiST index; a point's grid is found by ST_Covers (a boundary point is covered), lowest code
 * first. The GeoJSON as imported is kept beside it, so both backends answer the same coordinates.
 */
import pg from 'pg';
import { openPostgresSchema } from '../postgres-schema.ts';
import { inTransaction } from '../pg-transaction.ts';
import { checkGridSet, type Grid, type GridInput, type GridLayerLevel } from '../../domain/grids/grids.ts';
import { checkListOptions, checkPoint, type GridListOptions, type GridPage, type GridStore } from './grid-store.ts';
import { gridFromRow, type GridRow } from './sql.ts';

const SCHEMA_VERSION = 1;

const SCHEMA = `
  CREATE TABLE grids (
    code text COLLATE "C" PRIMARY KEY,
    level text NOT NULL,
    name text NOT NULL,
    parent_code text,
    workers text NOT NULL,
    geometry text NOT NULL,
    geom geometry(MultiPolygon, 4326) NOT NULL,
    west double precision NOT NULL, south double precision NOT NULL, east double precision NOT NULL, north double precision NOT NULL
  );
  CREATE INDEX grids_geom ON grids USING gist (geom);
  CREATE INDEX grids_level ON grids (level, code);
  CREATE TABLE grid_store_schema (version integer NOT NULL);
  INSERT INTO grid_store_schema VALUES (${SCHEMA_VERSION});`;

const COLUMNS = 'code, level, name, parent_code, workers, geometry, west, south, east, north';
const BATCH = 2_000;

export class PostgresGridStore implements GridStore {
  readonly backend = 'postgres' as const;
  private closed = false;

  private constructor(private readonly pool: pg.Pool) {}

  static async open(url: string): Promise<PostgresGridStore> {
    const pool = new pg.Pool({ connectionString: url, max: 8 });
    pool.on('error', () => {});
    await openPostgresSchema(pool, 'cim-twin grid store schema', async (client) => {
      const extension = await client.query("SELECT 1 FROM pg_extension WHERE extname = 'postgis'");
      if (extension.rowCount === 0) {
        try {
          await client.query('CREATE EXTENSION postgis');
        } catch (error) {
          throw new Error(`the grid store needs the postgis extension in this database and could not create it (${(error as Error).message}); as a superuser run: CREATE EXTENSION postgis;`, { cause: error });
        }
      }
      const table = await client.query("SELECT to_regclass('grid_store_schema') AS name");
      if (table.rows[0].name === null) {
        await client.query(SCHEMA);
      } else {
        const version = (await client.query('SELECT version FROM grid_store_schema')).rows[0]?.version as number | undefined;
        if (version !== SCHEMA_VERSION) throw new Error(`grid store schema version ${String(version)}, this build reads ${SCHEMA_VERSION}`);
      }
    });
    return new PostgresGridStore(pool);
  }

  async replaceAll(inputs: Iterable<GridInput>, featureName?: (index: number) => string): Promise<number> {
    const grids = checkGridSet(inputs, featureName);
    await inTransaction(this.pool, 'BEGIN', async (client) => {
      await client.query('DELETE FROM grids');
      for (let start = 0; start < grids.length; start += BATCH) {
        const batch = grids.slice(start, start + BATCH);
        const column = <T>(value: (grid: Grid) => T) => batch.map(value);
        await client.query(
          `INSERT INTO grids (code, level, name, parent_code, workers, geometry, geom, west, south, east, north)
           SELECT code, level, name, parent_code, workers, geometry, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(geometry), 4326)), west, south, east, north
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::float8[], $9::float8[], $10::float8[])
             AS t(code, level, name, parent_code, workers, geometry, west, south, east, north)`,
          [column((g) => g.code), column((g) => g.level), column((g) => g.name), column((g) => g.parentCode ?? null), column((g) => JSON.stringify(g.workers)), column((g) => JSON.stringify(g.geometry)),
            column((g) => g.bbox[0]), column((g) => g.bbox[1]), column((g) => g.bbox[2]), column((g) => g.bbox[3])],
        );
      }
    });
    await this.pool.query('ANALYZE grids');
    return grids.length;
  }

  async get(code: string): Promise<Grid | undefined> {
    const { rows } = await this.pool.query<GridRow>(`SELECT ${COLUMNS} FROM grids WHERE code = $1`, [code]);
    return rows[0] && gridFromRow(rows[0]);
  }

  async list(options: GridListOptions): Promise<GridPage> {
    const { limit, offset } = checkListOptions(options);
    const [west, south, east, north] = options.bbox;
    const { rows } = await this.pool.query<GridRow>(
      `SELECT ${COLUMNS} FROM grids
       WHERE geom && ST_MakeEnvelope($1, $2, $3, $4, 4326) AND level = $5 AND west <= $3 AND east >= $1 AND south <= $4 AND north >= $2
       ORDER BY code LIMIT $6 OFFSET $7`,
      [west, south, east, north, options.level, limit + 1, offset],
    );
    return { grids: rows.slice(0, limit).map(gridFromRow), truncated: rows.length > limit };
  }

  async containing(lon: number, lat: number, level: GridLayerLevel): Promise<Grid | undefined> {
    checkPoint(lon, lat);
    const { rows } = await this.pool.query<GridRow>(
      `SELECT ${COLUMNS} FROM grids WHERE level = $3 AND ST_Covers(geom, ST_SetSRID(ST_MakePoint($1, $2), 4326)) ORDER BY code LIMIT 1`,
      [lon, lat, level],
    );
    return rows[0] && gridFromRow(rows[0]);
  }

  async place(points: readonly (readonly [number, number])[]): Promise<(string | undefined)[]> {
    if (!points.length) return [];
    for (const [lon, lat] of points) checkPoint(lon, lat);
    const { rows } = await this.pool.query<{ i: string; code: string | null }>(
      `SELECT t.i, (SELECT g.code FROM grids g WHERE ST_Covers(g.geom, ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4326))
                    ORDER BY CASE g.level WHEN 'unit' THEN 0 WHEN 'community' THEN 1 ELSE 2 END, g.code LIMIT 1) AS code
       FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS t(lon, lat, i)`,
      [points.map((p) => p[0]), points.map((p) => p[1])],
    );
    const codes: (string | undefined)[] = new Array(points.length).fill(undefined);
    for (const row of rows) codes[Number(row.i) - 1] = row.code ?? undefined;
    return codes;
  }

  async count(level?: GridLayerLevel): Promise<number> {
    const { rows } = level ? await this.pool.query('SELECT count(*) AS n FROM grids WHERE level = $1', [level]) : await this.pool.query('SELECT count(*) AS n FROM grids');
    return Number(rows[0].n);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
