/** geometryEwkbHex: the same geometry in PostGIS as ST_SetSRID(ST_GeomFromGeoJSON(…), 4326), for every type. */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AssetGeometry, Position } from '../../domain/assets.ts';
import { geometryEwkbHex } from './ewkb.ts';
import { createTestDatabase, postgresReachable, type TestDatabase } from './testing/postgres.ts';

const reachability = await postgresReachable();
if (!reachability.reachable && process.env.CI) throw new Error(`CI must run the PostgreSQL tests: ${reachability.reason}`);

const ring: Position[] = [[117.1, 31.1], [117.2, 31.1], [117.2, 31.2], [117.1, 31.1]];
const hole: Position[] = [[117.12, 31.12], [117.13, 31.12], [117.13, 31.13], [117.12, 31.12]];
const GEOMETRIES: [string, AssetGeometry][] = [
  ['a point', { type: 'Point', coordinates: [117.28, 31.86] }],
  ['a point with a height', { type: 'Point', coordinates: [117.35, 31.9, 12.5] }],
  ['a line', { type: 'LineString', coordinates: [[117.279, 31.8595], [117.286, 31.865]] }],
  ['a line with heights on some positions (3D, z = 0 where missing)', { type: 'LineString', coordinates: [[117.279, 31.8595, -2.25], [117.286, 31.865]] }],
  ['a polygon with a hole', { type: 'Polygon', coordinates: [ring, hole] }],
  ['multipoints', { type: 'MultiPoint', coordinates: [[1, 2], [3, 4, 5]] }],
  ['multilines', { type: 'MultiLineString', coordinates: [[[1, 2], [3, 4]], [[5, 6], [7, 8], [9, 10]]] }],
  ['multipolygons, one 3D', { type: 'MultiPolygon', coordinates: [[ring], [ring.map(([x, y]): Position => [x + 1, y, 4]), hole]] }],
  ['extreme values', { type: 'Point', coordinates: [-180, -90] }],
  ['numbers that need all 17 digits', { type: 'LineString', coordinates: [[0.1 + 0.2, 1 / 3], [Number.MIN_VALUE, 179.99999999999997]] }],
];

describe.skipIf(!reachability.reachable)('geometryEwkbHex in PostGIS', () => {
  let database: TestDatabase;
  let client: pg.Client;
  beforeAll(async () => {
    database = await createTestDatabase(['postgis']);
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
  }, 30_000);
  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  test.each(GEOMETRIES)('%s', async (_name, geometry) => {
    const { rows } = await client.query<{ ours: string; theirs: string; same: boolean; srid: number }>(
      `SELECT ST_AsEWKT($1::geometry) AS ours, ST_AsEWKT(ST_SetSRID(ST_GeomFromGeoJSON($2), 4326)) AS theirs,
        ST_AsEWKB($1::geometry) = ST_AsEWKB(ST_SetSRID(ST_GeomFromGeoJSON($2), 4326)) AS same, ST_SRID($1::geometry) AS srid`,
      [geometryEwkbHex(geometry), JSON.stringify(geometry)],
    );
    expect(rows[0]!.ours).toBe(rows[0]!.theirs);
    expect(rows[0]!.same).toBe(true);
    expect(rows[0]!.srid).toBe(4326);
  });
});
