/**
 * The asset store on PostgreSQL + PostGIS (`pg`), for production:
 * - `assets.geometry` (PostGIS geometry, SRID 4326) with a GiST index, for bbox queries;
 * - `assets.position` (geometry point) with a GiST index, for radius queries: the index finds the
 *   points in the circle's bbox (circleBbox, as the SQLite store), the distance in metres is
 *   the geography's (schema 6: a geography GiST index took 8.9 s to build at 1M, this one 1.9 s);
 * - `asset_search`, a narrow table beside `assets` (one row per asset: its lower-cased ID, name,
 *   name length, and `search_text`, the lower-cased ID, name and address) with pg_trgm GIN
 *   indexes, so that LIKE '%term%' finds Chinese substrings through the index (terms of 3+
 *   characters; shorter ones have no trigram and PostgreSQL scans). Every match is rechecked on
 *   the table's rows: on this table of ~130 bytes a row instead of `assets` (~560 bytes with the
 *   geometry and the attributes), a road name in 50,000 addresses is rechecked in a third of the
 *   time (EXPLAIN ANALYZE at 1M: 2,258 pages instead of 5,112);
 * - the filter attributes in indexed columns, the full record as jsonb.
 *
 * The database needs the postgis and pg_trgm extensions (the store creates them when it may)
 * and a UTF-8 database whose LC_CTYPE classifies Chinese characters as letters (C.UTF-8 or any
 * *.UTF-8 locale), or pg_trgm extracts no trigrams from them.
 *
 * Both tables are partitioned by dataset (schema 6, see PARENT_TABLES): a load builds the
 * dataset's new partitions beside the old ones and swaps them in, all in one transaction, so
 * readers see the old dataset until it commits and other datasets are never touched.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import {
  AssetInputError, checkAssetRecord, checkBbox, checkCircle, circleBbox, checkDatasetName, checkFilter, checkKinds, checkPage, escapeLike, indexedValue, INDEXED_ATTRIBUTES, parseSearchQuery,
  type Asset, type AssetInput, type Bbox, type SearchQuery,
} from '../../domain/assets.ts';
import type { AssetPage, AssetStore, CountOptions, LoadOptions, LoadReport, PageOptions, RadiusPage, SpatialOptions, StreamOptions } from './asset-store.ts';
import { ATTRIBUTE_COLUMNS, assetFromRow, checkIdList, compareRanked, containing, filterConditions, INDEXED_COLUMNS, kindCondition, LOAD_BATCH, Parameters, rankedPage, searchRank, selectColumns, STREAM_BATCH, type AssetRow, type RankedRow } from './sql.ts';
import { MAXIMUM_ID_PAGE } from './asset-store.ts';
import { byCodePoint } from './id-order.ts';
import { geometryEwkbHex, pointEwkbHex } from './ewkb.ts';
import { randomBytes } from 'node:crypto';
import { inTransaction } from '../pg-transaction.ts';

const SCHEMA_VERSION = 6;
/** Each dataset's generation, bumped by every load of it (schema 5). */
const DATASETS_SQL = 'CREATE TABLE IF NOT EXISTS asset_datasets (dataset text PRIMARY KEY, generation bigint NOT NULL)';
/** A load's bump of its dataset's generation ($1): past every generation so far. */
const BUMP_GENERATION = `INSERT INTO asset_datasets (dataset, generation) VALUES ($1, (SELECT coalesce(max(generation), 0) + 1 FROM asset_datasets))
  ON CONFLICT (dataset) DO UPDATE SET generation = excluded.generation`;
/**
 * Matches above which a search is ranked in tiers (see broadSearch), as in the SQLite store.
 * Profiled at 1M buildings (EXPLAIN ANALYZE): a road name in 5 % of the addresses and in no name
 * ranked every match in ~150 ms; of the tiers, 180 ms went to counting the names containing the
 * text by rechecking all 50,000 matched rows, which the trigram index on the lower-cased name
 * (schema 3) answers in under 1 ms.
 */
const BROAD_SEARCH_MATCHES = 5_000;
/**
 * A broad tier (rank 3 or 4) is first looked for among this many shortest names (a bounded walk
 * of the name-length index): enough when the tier's matches are common among short names.
 */
const TIER_WALK_PREFIX = 2_000;
/**
 * Otherwise, a tier of at most this many matches is ranked whole (its matches found through the
 * trigram index and rechecked on asset_search, then a top-N sort): ~25 ms for 50,000 at 1M. The
 * walk of the name-length index without a bound (schema 3's only way) is left for a tier larger
 * than this, where matches are dense: it passed 286,000 shorter names (280 ms) before the first
 * match of a road in 5 % of the addresses whose buildings all have longer names.
 */
const TIER_SORT_CAP = 100_000;

/** The rank's columns and the ranked page's source on asset_search (aliased `a`). */
const RANK_COLUMNS = { lowerId: 'a.lower_id', lowerName: 'a.lower_name' };
const SEARCH_SOURCE = { from: 'asset_search a', nameLength: 'a.name_length' };
const SEARCH_ORDER = 'a.name_length, a.id COLLATE "C"';

const GEOMETRY_JSON = 'ST_AsGeoJSON(a.geometry, 15)';
const ID_ORDER = 'id COLLATE "C"';

/**
 * The columns of `assets`, in the order of a load's COPY rows (loadRow): the geometry and the
 * position as hex EWKB (ewkb.ts), the attributes as JSON text.
 */
const ASSET_COLUMNS = ['id', 'dataset', 'kind', 'name', 'address', ...INDEXED_COLUMNS, 'attributes', 'geometry', 'position', 'min_lon', 'min_lat', 'max_lon', 'max_lat', 'lon', 'lat'];

/**
 * Schema 6: `assets` and `asset_search` are partitioned by dataset (LIST), one partition each per
 * dataset. A load fills fresh tables with no indexes, builds their indexes in bulk (a sorted GiST
 * build, GIN's bulk build, B-tree sorts), then swaps them in for the dataset's old partitions: at
 * 100,000 assets, inserting into the indexed tables took 17.4 s, into bare ones with the indexes
 * built afterwards 11.1 s (6.8 of them the inserts). The primary keys are (id, dataset), so
 * PostgreSQL enforces an ID once per dataset; that an ID belongs to one dataset only is checked by
 * the load (swapPartitions) under a lock.
 */
const PARENT_TABLES = `
  CREATE TABLE assets (
    id text NOT NULL,
    dataset text NOT NULL,
    kind text NOT NULL,
    name text NOT NULL,
    address text NOT NULL,
    ${ATTRIBUTE_COLUMNS.use} text, ${ATTRIBUTE_COLUMNS.stage} text,
    ${ATTRIBUTE_COLUMNS.yearBuilt} double precision, ${ATTRIBUTE_COLUMNS.floors} double precision, ${ATTRIBUTE_COLUMNS.height} double precision,
    attributes jsonb NOT NULL,
    geometry geometry NOT NULL CHECK (ST_SRID(geometry) = 4326),
    position geometry(Point, 4326) NOT NULL,
    min_lon double precision NOT NULL, min_lat double precision NOT NULL, max_lon double precision NOT NULL, max_lat double precision NOT NULL,
    lon double precision NOT NULL, lat double precision NOT NULL
  ) PARTITION BY LIST (dataset);
  CREATE TABLE asset_search (
    id text NOT NULL,
    dataset text NOT NULL,
    lower_id text COLLATE "C" NOT NULL,
    lower_name text NOT NULL,
    name_length integer NOT NULL,
    search_text text NOT NULL
  ) PARTITION BY LIST (dataset);`;

/**
 * The indexes of each table, as [name on the parent, definition]; a partition gets the same
 * definitions (under names of its own), so that ATTACH PARTITION takes them as the parent's.
 * asset_search (schema 4) holds the search's text and the tiers' keys, out of the wide `assets`
 * rows: exact ID, ID prefix, exact name from B-trees; names in length order for the walks; names
 * and all the text containing the search text from trigram indexes.
 */
const INDEXES: Record<'assets' | 'asset_search', [string, string][]> = {
  assets: [
    ['assets_kind', '(kind)'],
    ...INDEXED_COLUMNS.map((c): [string, string] => [`assets_${c}`, `(${c}) WHERE ${c} IS NOT NULL`]),
    ['assets_geometry', 'USING gist (geometry)'],
    ['assets_position', 'USING gist (position)'],
  ],
  asset_search: [
    ['asset_search_lower_id', '(lower_id)'],
    ['asset_search_lower_name', '(lower_name)'],
    ['asset_search_order', '(name_length, (id COLLATE "C"))'],
    ['asset_search_name', 'USING gin (lower_name gin_trgm_ops)'],
    ['asset_search_text', 'USING gin (search_text gin_trgm_ops)'],
  ],
};

/** The parents' keys and indexes (created on the parents after their partitions, PostgreSQL takes the partitions' own). */
const PARENT_INDEXES = (['assets', 'asset_search'] as const).map((table) => `
  ALTER TABLE ${table} ADD CONSTRAINT ${table}_pkey PRIMARY KEY (id, dataset);
  ${INDEXES[table].map(([name, definition]) => `CREATE INDEX ${name} ON ${table} ${definition};`).join('\n')}`).join('\n');

const SCHEMA = `
  ${PARENT_TABLES}
  ${PARENT_INDEXES}
  ${DATASETS_SQL};
  CREATE TABLE asset_store_schema (version integer NOT NULL);
  INSERT INTO asset_store_schema VALUES (${SCHEMA_VERSION});`;

/** The search rows of a dataset partition of `assets` (`%s`): lower-cased ID and name, name length, search text. */
const searchRowsSql = (searchTable: string, assetsTable: string) => `INSERT INTO ${searchTable} (id, dataset, lower_id, lower_name, name_length, search_text)
  SELECT id, dataset, lower(id), lower(name), length(name), lower(id || E'\\n' || name || E'\\n' || address) FROM ${assetsTable}`;

/**
 * Settings of a load's transaction only: memory for the index builds (GIN's bulk build keeps its
 * trigrams in it; PostgreSQL's default is 64 MB), and no wait for the commit's WAL flush (one
 * commit per load, whose loss in a crash leaves the previous dataset, as a failed load does).
 */
const LOAD_SETTINGS = "SET LOCAL maintenance_work_mem = '256MB'; SET LOCAL synchronous_commit = off";

/** The partitions of a parent table holding a dataset ($2): [] or one. */
const PARTITION_OF = `SELECT c.oid::regclass::text AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
  WHERE i.inhparent = $1::regclass AND pg_get_expr(c.relpartbound, c.oid) = format('FOR VALUES IN (%L)', $2::text)`;

/** The store's PostgreSQL tables, children first (tests drop them for a fresh store; dropping a parent drops its partitions). */
export const POSTGRES_ASSET_TABLES = ['asset_datasets', 'asset_search', 'assets', 'asset_store_schema'] as const;

const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const COPY_SPECIAL = /[\\\n\r\t]/;
/** Text as a field of COPY's text format: \, newline, CR and tab escaped. */
function copyText(value: string): string {
  return COPY_SPECIAL.test(value) ? value.replace(/[\\\n\r\t]/g, (c) => COPY_ESCAPES[c]!) : value;
}
/** A value as a field of COPY's text format: \N for null. */
function copyField(value: string | number | null): string {
  if (value === null) return '\\N';
  if (typeof value === 'number') return String(value);
  return copyText(value);
}

/**
 * A capped count (`LIMIT cap + 1`) inside a search's transaction. A term shorter than a trigram
 * gives pg_trgm nothing to look up, and a GIN bitmap scan for it reads the whole index before the
 * LIMIT can stop it (花园 at 1M assets: 117 ms for the bitmap of all 1,000,000 rows); with bitmap
 * scans off for that one statement the planner scans the table and stops at the cap.
 */
async function cappedCount(client: pg.ClientBase, terms: readonly string[], sql: string, values: unknown[]): Promise<pg.QueryResult> {
  const short = terms.some((term) => [...term].length < 3);
  if (!short) return client.query(sql, values);
  await client.query('SET LOCAL enable_bitmapscan = off');
  try {
    return await client.query(sql, values);
  } finally {
    await client.query('SET LOCAL enable_bitmapscan = on');
  }
}

/** Rows of asset_search (`a`) containing every term. */
function matching(terms: readonly string[], p: Parameters['p']): string {
  return terms.map((term) => `a.search_text LIKE ${p(containing(term))} ESCAPE '\\'`).join(' AND ');
}

/** One COPY line of a dataset's `assets` partition (ASSET_COLUMNS), from a checked asset and its attributes' JSON. */
function loadRow(asset: Asset, datasetField: string, attributesJson: string): string {
  const [west, south, east, north] = asset.bounds;
  let indexed = '';
  for (const a of INDEXED_ATTRIBUTES) indexed += copyField(indexedValue(asset.attributes, a)) + '\t';
  return `${copyText(asset.id)}\t${datasetField}\t${asset.kind}\t${copyText(asset.name)}\t${copyText(asset.address)}\t${indexed}${copyText(attributesJson)}\t${geometryEwkbHex(asset.geometry)}\t${pointEwkbHex(asset.position[0], asset.position[1])}\t${west}\t${south}\t${east}\t${north}\t${asset.position[0]}\t${asset.position[1]}\n`;
}

/** A dataset's new partitions while a load fills them (not yet attached). */
interface PartitionTables {
  assets: string;
  search: string;
}

/** Fresh, unattached partition tables for a dataset: no indexes yet, rows of that dataset only. */
async function createPartitionTables(client: pg.ClientBase, dataset: string): Promise<PartitionTables> {
  const suffix = randomBytes(6).toString('hex');
  const tables = { assets: `asset_part_${suffix}`, search: `asset_search_part_${suffix}` };
  const only = `CHECK (dataset = ${client.escapeLiteral(dataset)})`;
  await client.query(`CREATE TABLE ${tables.assets} (LIKE assets INCLUDING CONSTRAINTS, ${only});
    CREATE TABLE ${tables.search} (LIKE asset_search, ${only})`);
  return tables;
}

/**
 * Complete a dataset's filled `assets` partition: its primary key (an ID twice fails here, with
 * the ID named), its search rows, every index, fresh statistics.
 */
async function finishPartitionTables(client: pg.ClientBase, dataset: string, tables: PartitionTables): Promise<void> {
  await client.query('SAVEPOINT primary_key');
  try {
    await client.query(`ALTER TABLE ${tables.assets} ADD PRIMARY KEY (id, dataset)`);
  } catch (error) {
    if ((error as { code?: string }).code !== '23505') throw error;
    await client.query('ROLLBACK TO SAVEPOINT primary_key');
    const twice = await client.query<{ id: string }>(`SELECT id FROM ${tables.assets} GROUP BY id HAVING count(*) > 1 ORDER BY id COLLATE "C" LIMIT 1`);
    throw new AssetInputError(`asset ${JSON.stringify(twice.rows[0]?.id)} appears twice in dataset ${dataset}`);
  }
  await client.query('RELEASE SAVEPOINT primary_key');
  await client.query(searchRowsSql(tables.search, tables.assets));
  await client.query(`ALTER TABLE ${tables.search} ADD PRIMARY KEY (id, dataset)`);
  for (const table of ['assets', 'asset_search'] as const) {
    const name = table === 'assets' ? tables.assets : tables.search;
    for (const [, definition] of INDEXES[table]) await client.query(`CREATE INDEX ON ${name} ${definition}`);
  }
  await client.query(`ANALYZE ${tables.assets}, ${tables.search}`);
}

/**
 * Swap a dataset's finished partitions in for its old ones. An ID another dataset has fails the
 * load (checkForeignIds); the lock makes two loads' check-and-swap one after the other, so two
 * datasets loaded at once cannot both take an ID. Readers wait for the swap only (dropping the old
 * partition locks the parent), not for the load.
 */
async function swapPartitions(client: pg.ClientBase, dataset: string, tables: PartitionTables): Promise<void> {
  await client.query("SELECT pg_advisory_xact_lock(hashtext('cim-twin asset IDs'))");
  const foreign = await client.query<{ id: string; dataset: string }>(`SELECT n.id, a.dataset FROM ${tables.assets} n JOIN assets a ON a.id = n.id AND a.dataset <> $1 ORDER BY n.id COLLATE "C" LIMIT 1`, [dataset]);
  const clash = foreign.rows[0];
  if (clash) throw new AssetInputError(`asset ${JSON.stringify(clash.id)} of dataset ${dataset} already belongs to dataset ${clash.dataset} (IDs are unique across datasets)`);
  await attachPartitions(client, dataset, tables);
}

/** Drop a dataset's partitions (if any) and attach these in their place. */
async function attachPartitions(client: pg.ClientBase, dataset: string, tables: PartitionTables): Promise<void> {
  const value = client.escapeLiteral(dataset);
  for (const [parent, table] of [['assets', tables.assets], ['asset_search', tables.search]] as const) {
    const old = await client.query<{ name: string }>(PARTITION_OF, [parent, dataset]);
    for (const { name } of old.rows) await client.query(`DROP TABLE ${name}`);
    await client.query(`ALTER TABLE ${parent} ATTACH PARTITION ${table} FOR VALUES IN (${value})`);
  }
}

/**
 * Schema 1–5 to 6: the single `assets` table becomes a partitioned one, a partition per dataset
 * built as a load builds it, its position a geometry (it was a geography); the search rows are
 * made again from the assets. Schema 1–3's search column and indexes on `assets` go with the old table.
 */
async function migrateToPartitions(client: pg.ClientBase): Promise<void> {
  await client.query(`ALTER TABLE assets RENAME TO assets_v5;
    DROP TABLE IF EXISTS asset_search;
    ${PARENT_TABLES}`);
  const datasets = await client.query<{ dataset: string }>('SELECT DISTINCT dataset FROM assets_v5');
  const columns = ASSET_COLUMNS.join(', ');
  for (const { dataset } of datasets.rows) {
    const tables = await createPartitionTables(client, dataset);
    await client.query(`INSERT INTO ${tables.assets} (${columns}) SELECT ${ASSET_COLUMNS.map((c) => (c === 'position' ? 'position::geometry' : c)).join(', ')} FROM assets_v5 WHERE dataset = $1`, [dataset]);
    await finishPartitionTables(client, dataset, tables);
    await attachPartitions(client, dataset, tables);
  }
  await client.query(`DROP TABLE assets_v5;
    ${PARENT_INDEXES}`);
}

export class PostgresAssetStore implements AssetStore {
  readonly backend = 'postgres' as const;
  private closed = false;

  /** How many searches took the tiered path (for tests and benchmarks). */
  readonly statistics = { broadSearches: 0 };

  private constructor(
    private readonly pool: pg.Pool,
    private readonly broadSearchMatches: number,
    private readonly tierWalkPrefix: number,
    private readonly tierSortCap: number,
  ) {}

  /**
   * `broadSearchMatches`: matches above which a search is ranked in tiers (default 5,000);
   * `tierWalkPrefix` and `tierSortCap`: how a broad tier is found (TIER_WALK_PREFIX, TIER_SORT_CAP).
   */
  static async open(url: string, options: { broadSearchMatches?: number; tierWalkPrefix?: number; tierSortCap?: number } = {}): Promise<PostgresAssetStore> {
    const pool = new pg.Pool({ connectionString: url, max: 8 });
    // An idle client's error (the server restarting) must not crash the process; the next query reports it.
    pool.on('error', () => {});
    try {
      await PostgresAssetStore.migrate(pool);
    } catch (error) {
      await pool.end();
      throw error;
    }
    return new PostgresAssetStore(pool, options.broadSearchMatches ?? BROAD_SEARCH_MATCHES, options.tierWalkPrefix ?? TIER_WALK_PREFIX, options.tierSortCap ?? TIER_SORT_CAP);
  }

  private static async migrate(pool: pg.Pool): Promise<void> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query("SELECT pg_advisory_xact_lock(hashtext('cim-twin asset store schema'))");
      for (const extension of ['postgis', 'pg_trgm']) {
        const present = await client.query('SELECT 1 FROM pg_extension WHERE extname = $1', [extension]);
        if (present.rowCount) continue;
        await client.query('SAVEPOINT extension');
        try {
          await client.query(`CREATE EXTENSION ${extension === 'postgis' ? 'postgis' : 'pg_trgm'}`);
        } catch (error) {
          throw new Error(`the asset store needs the ${extension} extension in this database and could not create it (${(error as Error).message}); as a superuser run: CREATE EXTENSION ${extension};`, { cause: error });
        }
      }
      const table = await client.query("SELECT to_regclass('asset_store_schema') AS name");
      if (table.rows[0].name === null) {
        await client.query(SCHEMA);
      } else {
        const { rows } = await client.query('SELECT version FROM asset_store_schema');
        const version = rows[0]?.version as number | undefined;
        if (version === 1 || version === 2 || version === 3 || version === 4 || version === 5) {
          await client.query(DATASETS_SQL);
          await client.query('INSERT INTO asset_datasets (dataset, generation) SELECT dataset, 1 FROM assets GROUP BY dataset ON CONFLICT DO NOTHING');
          await client.query(LOAD_SETTINGS);
          await migrateToPartitions(client);
          await client.query('UPDATE asset_store_schema SET version = $1', [SCHEMA_VERSION]);
        } else if (version !== SCHEMA_VERSION) throw new Error(`asset store schema version ${String(version)}, this build reads ${SCHEMA_VERSION}`);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async replaceDataset(datasetName: string, input: Iterable<AssetInput> | AsyncIterable<AssetInput>, options: LoadOptions = {}): Promise<LoadReport> {
    const started = performance.now();
    const dataset = checkDatasetName(datasetName);
    const datasetField = copyText(dataset);
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`cim-twin assets ${dataset}`]);
      await client.query(LOAD_SETTINGS);
      const replaced = Number((await client.query('SELECT count(*) AS n FROM assets WHERE dataset = $1', [dataset])).rows[0].n);
      const tables = await createPartitionTables(client, dataset);
      const copySql = `COPY ${tables.assets} (${ASSET_COLUMNS.join(', ')}) FROM STDIN`;
      // Each batch is written to the dataset's new partition by COPY while the next batch is checked
      // and made into COPY text here: the server's work and this thread's overlap (one batch ahead at most).
      let pending: Promise<void> = Promise.resolve();
      let rows: string[] = [];
      let index = 0;
      const flush = async () => {
        await pending;
        if (rows.length === 0) return;
        const text = rows.join('');
        pending = pipeline(Readable.from([text]), client.query(copyFrom(copySql)));
        // Its error is thrown by the next flush, or below if the input fails first.
        pending.catch(() => {});
        rows = [];
      };
      try {
        for await (const item of input) {
          const { asset, attributesJson } = checkAssetRecord(item, dataset, index++);
          rows.push(loadRow(asset, datasetField, attributesJson));
          if (rows.length >= LOAD_BATCH) await flush();
        }
        await flush();
        await pending;
      } catch (error) {
        // A batch sent before the bad asset (or the input's failure) reports its own error first.
        await pending;
        throw error;
      }
      await finishPartitionTables(client, dataset, tables);
      // The index builds above ran while a tiler's tiles were still being written (when its input
      // ended first); the swap waits for them.
      await options.commitAfter;
      await swapPartitions(client, dataset, tables);
      await client.query(BUMP_GENERATION, [dataset]);
      await client.query('COMMIT');
      return { dataset, loaded: index, replaced, seconds: (performance.now() - started) / 1000 };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async get(id: string): Promise<Asset | undefined> {
    if (typeof id !== 'string') return undefined;
    const { rows } = await this.pool.query<AssetRow>(`SELECT ${selectColumns(GEOMETRY_JSON)} FROM assets a WHERE a.id = $1`, [id]);
    return rows[0] && assetFromRow(rows[0]);
  }

  /**
   * One read-only transaction without parallel workers. The planner cannot estimate the geography
   * distance filter of a radius query (PostGIS's function cost is high, its selectivity unknown), so
   * it planned a parallel scan for ~500 rows: 18 ms of the 22 ms went to starting the worker (EXPLAIN
   * ANALYZE at 200,000 assets; p95 57 ms at 1M against 8 ms without).
   */
  private withoutParallelWorkers<T>(read: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, 'BEGIN READ ONLY', async (client) => {
      await client.query('SET LOCAL max_parallel_workers_per_gather = 0');
      return read(client);
    });
  }


  async search(text: string, options: PageOptions = {}): Promise<AssetPage> {
    const query = parseSearchQuery(text);
    const page = checkPage(options);
    if (query.terms.length === 0) return { assets: [], truncated: false };
    const params = new Parameters('postgres');
    const { p } = params;
    const rank = searchRank(query, p, RANK_COLUMNS);
    const wanted = page.offset + page.limit + 1;
    // One read-only transaction, without parallel workers: a search reads a few thousand rows
    // at most (the capped counts, a page, a tier), and starting workers for that cost more than
    // the scan on a busy machine (a capped count of 花园: 23 ms with two workers, 11 ms without).
    return this.withoutParallelWorkers(async (client) => {
      if (Number.isFinite(this.broadSearchMatches) && wanted * 2 <= this.broadSearchMatches && (await this.matchCount(client, query.terms, this.broadSearchMatches)) > this.broadSearchMatches) {
        return this.broadSearch(client, query, page);
      }
      const sql = rankedPage(matching(query.terms, p), rank, GEOMETRY_JSON, ' COLLATE "C"', p(page.limit + 1), p(page.offset), SEARCH_SOURCE);
      const { rows } = await client.query<AssetRow>(sql, params.values);
      return { assets: rows.slice(0, page.limit).map(assetFromRow), truncated: rows.length > page.limit };
    });
  }

  /** Matches of the terms, counted up to `cap` + 1. */
  private async matchCount(client: pg.PoolClient, terms: readonly string[], cap: number): Promise<number> {
    const params = new Parameters('postgres');
    const sql = `SELECT count(*) AS n FROM (SELECT 1 FROM asset_search a WHERE ${matching(terms, params.p)} LIMIT ${params.p(cap + 1)}) m`;
    return Number((await cappedCount(client, terms, sql, params.values)).rows[0].n);
  }

  /** Names containing the text, counted up to `cap` + 1 (the trigram index on the lower-cased name). */
  private async nameMatchCount(client: pg.PoolClient, text: string, cap: number): Promise<number> {
    const sql = `SELECT count(*) AS n FROM (SELECT 1 FROM asset_search a WHERE a.lower_name LIKE $1 ESCAPE '\\' LIMIT $2) m`;
    return Number((await cappedCount(client, [text], sql, [`%${escapeLike(text)}%`, cap + 1])).rows[0].n);
  }

  /**
   * A search matching more than `broadSearchMatches` rows, ranked in tiers so that it never ranks
   * every match (as the SQLite store's broadSearch): ranks 0–2 from the B-trees on the lower-cased
   * ID and name; rank 3 (name containing the text) from the trigram index on names when it is
   * small, and rank 3 when broad and rank 4 each as a broad tier (see `tier`). The rank is the
   * same expression as the full ranking's, so both give the same page.
   */
  private async broadSearch(client: pg.PoolClient, query: SearchQuery, page: { limit: number; offset: number }): Promise<AssetPage> {
    this.statistics.broadSearches++;
    const wanted = page.offset + page.limit + 1;
    const threshold = this.broadSearchMatches;
    const ranked = async (sql: (p: Parameters['p']) => string): Promise<(RankedRow & { matches?: string })[]> => {
      const params = new Parameters('postgres');
      const text = sql(params.p);
      return (await client.query<RankedRow & { matches?: string }>(text, params.values)).rows;
    };
    const rankOf = (p: Parameters['p']) => searchRank(query, p, RANK_COLUMNS);
    const columns = (p: Parameters['p']) => `a.id AS id, ${rankOf(p)} AS rank, a.name_length AS name_length`;
    const match = (p: Parameters['p']) => matching(query.terms, p);
    const w = query.whole;
    const rows: RankedRow[] = (await ranked((p) => `SELECT ${columns(p)} FROM asset_search a
      WHERE ((a.lower_id >= ${p(w)} AND a.lower_id < ${p(`${w}\u{10FFFF}`)}) OR a.lower_name = ${p(w)}) AND ${match(p)}`)).sort(compareRanked);
    /**
     * The first `need` rows of a broad tier in (name length, ID) order: among the shortest
     * names (a bounded walk); else the whole tier, when it has at most tierSortCap matches,
     * ranked by a top-N sort; else a walk of the name-length index that stops at `need`.
     */
    const tier = async (rank: 3 | 4, need: number): Promise<RankedRow[]> => {
      if (this.tierWalkPrefix > 0) {
        const found = await ranked((p) => `SELECT ${columns(p)} FROM (SELECT * FROM asset_search ORDER BY name_length, id COLLATE "C" LIMIT ${p(this.tierWalkPrefix)}) a
          WHERE ${match(p)} AND (${rankOf(p)}) = ${rank} ORDER BY ${SEARCH_ORDER} LIMIT ${p(need)}`);
        if (found.length === need) return found;
      }
      if (this.tierSortCap > 0) {
        await client.query("SET LOCAL work_mem = '32MB'");
        const found = await ranked((p) => `WITH m AS MATERIALIZED (SELECT ${columns(p)} FROM asset_search a WHERE ${match(p)} AND (${rankOf(p)}) = ${rank} LIMIT ${p(this.tierSortCap + 1)})
          SELECT id, rank, name_length, (SELECT count(*) FROM m) AS matches FROM m ORDER BY name_length, id COLLATE "C" LIMIT ${p(need)}`);
        await client.query('RESET work_mem');
        if (found.length === 0 || Number(found[0]!.matches) <= this.tierSortCap) return found;
      }
      await client.query('SET LOCAL enable_bitmapscan = off');
      await client.query('SET LOCAL enable_seqscan = off');
      const found = await ranked((p) => `SELECT ${columns(p)} FROM asset_search a WHERE ${match(p)} AND (${rankOf(p)}) = ${rank}
        ORDER BY ${SEARCH_ORDER} LIMIT ${p(need)}`);
      await client.query('RESET enable_bitmapscan');
      await client.query('RESET enable_seqscan');
      return found;
    };
    if (rows.length < wanted) {
      // A name containing the whole text meets every term (the terms are parts of the text, the
      // name is part of search_text), so rank 3 is found by the name alone, on its own index.
      const inNames = await this.nameMatchCount(client, w, threshold);
      if (inNames > threshold) rows.push(...(await tier(3, wanted - rows.length)));
      else if (inNames > 0) {
        const found = await ranked((p) => `SELECT * FROM (SELECT ${columns(p)} FROM asset_search a WHERE a.lower_name LIKE ${p(`%${escapeLike(w)}%`)} ESCAPE '\\') t WHERE rank = 3`);
        rows.push(...found.sort(compareRanked).slice(0, wanted - rows.length));
      }
    }
    if (rows.length < wanted) rows.push(...(await tier(4, wanted - rows.length)));
    const pageRows = rows.slice(page.offset, page.offset + page.limit + 1);
    if (pageRows.length === 0) return { assets: [], truncated: false };
    const { rows: full } = await client.query<AssetRow>(`SELECT ${selectColumns(GEOMETRY_JSON)} FROM assets a WHERE a.id = ANY($1::text[])`, [pageRows.map((r) => r.id)]);
    const byId = new Map(full.map((r) => [r.id, r]));
    const assets = pageRows.map((r) => assetFromRow(byId.get(r.id)!));
    return { assets: assets.slice(0, page.limit), truncated: assets.length > page.limit };
  }

  /** The GiST look-up and the exact double-bounds check of a bbox, on `assets a`. */
  private bboxConditions(bbox: Bbox, p: Parameters['p']): string[] {
    const [west, south, east, north] = bbox;
    return [
      `a.geometry && ST_MakeEnvelope(${p(west)}, ${p(south)}, ${p(east)}, ${p(north)}, 4326)`,
      `a.min_lon <= ${p(east)}`, `a.max_lon >= ${p(west)}`, `a.min_lat <= ${p(north)}`, `a.max_lat >= ${p(south)}`,
    ];
  }

  async withinBbox(bboxValue: Bbox, options: SpatialOptions = {}): Promise<AssetPage> {
    const bbox = checkBbox(bboxValue);
    const kinds = checkKinds(options.kinds);
    const filter = checkFilter(options.filter);
    const { limit } = checkPage({ limit: options.limit });
    const params = new Parameters('postgres');
    const { p } = params;
    const where = [...this.bboxConditions(bbox, p), ...kindCondition(kinds, p), ...filterConditions(filter, p)];
    const sql = `SELECT ${selectColumns(GEOMETRY_JSON)} FROM assets a WHERE ${where.join(' AND ')} ORDER BY a.${ID_ORDER} LIMIT ${p(limit + 1)}`;
    const { rows } = await this.pool.query<AssetRow>(sql, params.values);
    return { assets: rows.slice(0, limit).map(assetFromRow), truncated: rows.length > limit };
  }

  async idsWithinBbox(bboxValue: Bbox, options: SpatialOptions = {}): Promise<{ ids: string[]; truncated: boolean }> {
    const bbox = checkBbox(bboxValue);
    const kinds = checkKinds(options.kinds);
    const filter = checkFilter(options.filter);
    const { limit } = checkPage({ limit: options.limit ?? 1_000 }, MAXIMUM_ID_PAGE);
    const params = new Parameters('postgres');
    const { p } = params;
    const where = [...this.bboxConditions(bbox, p), ...kindCondition(kinds, p), ...filterConditions(filter, p)];
    const { rows } = await this.pool.query<{ id: string }>(`SELECT a.id FROM assets a WHERE ${where.join(' AND ')} LIMIT ${p(limit + 1)}`, params.values);
    // No ORDER BY: sorting every match of a wide box would cost more than the look-up.
    if (rows.length > limit) return { ids: rows.slice(0, limit).map((r) => r.id), truncated: true };
    return { ids: rows.map((r) => r.id).sort(byCodePoint), truncated: false };
  }

  async withinRadius(lonDegrees: number, latDegrees: number, metres: number, options: SpatialOptions = {}): Promise<RadiusPage> {
    const circle = checkCircle(lonDegrees, latDegrees, metres);
    const kinds = checkKinds(options.kinds);
    const filter = checkFilter(options.filter);
    const { limit } = checkPage({ limit: options.limit });
    const params = new Parameters('postgres');
    const { p } = params;
    const centre = `ST_SetSRID(ST_MakePoint(${p(circle.lon)}, ${p(circle.lat)}), 4326)::geography`;
    const [west, south, east, north] = circleBbox(circle.lon, circle.lat, circle.metres);
    const where = [`a.position && ST_MakeEnvelope(${p(west)}, ${p(south)}, ${p(east)}, ${p(north)}, 4326)`, `ST_DWithin(a.position::geography, c.point, ${p(circle.metres)}, false)`, ...kindCondition(kinds, p), ...filterConditions(filter, p)];
    const sql = `SELECT * FROM (SELECT ${selectColumns(GEOMETRY_JSON)}, ST_Distance(a.position::geography, c.point, false) AS distance
        FROM assets a, (SELECT ${centre} AS point) c WHERE ${where.join(' AND ')}) hits
      ORDER BY distance, ${ID_ORDER} LIMIT ${p(limit + 1)}`;
    const rows = await this.withoutParallelWorkers((client) => client.query<AssetRow & { distance: number }>(sql, params.values)).then((r) => r.rows);
    return { hits: rows.slice(0, limit).map((row) => ({ asset: assetFromRow(row), distanceMetres: row.distance })), truncated: rows.length > limit };
  }

  async countMatching(filterText: string, options: CountOptions = {}): Promise<number> {
    const filter = checkFilter(filterText);
    const kinds = checkKinds(options.kinds);
    const bbox = options.bbox === undefined ? undefined : checkBbox(options.bbox);
    const ids = checkIdList(options.ids, MAXIMUM_ID_PAGE);
    if (ids?.length === 0) return 0;
    const params = new Parameters('postgres');
    const { p } = params;
    const where = [...(ids ? [`a.id = ANY(${p(ids)}::text[])`] : []), ...(bbox ? this.bboxConditions(bbox, p) : []), ...kindCondition(kinds, p), ...filterConditions(filter, p)];
    const { rows } = await this.pool.query(`SELECT count(*) AS n FROM assets a${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`, params.values);
    return Number(rows[0].n);
  }

  async *streamAssets(options: StreamOptions = {}): AsyncGenerator<Asset> {
    const dataset = options.dataset === undefined ? undefined : checkDatasetName(options.dataset);
    const kinds = checkKinds(options.kinds);
    const bbox = options.bbox === undefined ? undefined : checkBbox(options.bbox);
    let after: string | undefined;
    for (;;) {
      // One page per query, keyed on the primary key (its own collation, so the index serves the
      // order): no connection or cursor is held between pages.
      const params = new Parameters('postgres');
      const { p } = params;
      const where = [
        ...(bbox ? this.bboxConditions(bbox, p) : []),
        ...(dataset !== undefined ? [`a.dataset = ${p(dataset)}`] : []),
        ...kindCondition(kinds, p),
        ...(after !== undefined ? [`a.id > ${p(after)}`] : []),
      ];
      const sql = `SELECT ${selectColumns(GEOMETRY_JSON)} FROM assets a${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY a.id LIMIT ${p(STREAM_BATCH)}`;
      if (this.closed) return;
      const { rows } = await this.pool.query<AssetRow>(sql, params.values);
      for (const row of rows) yield assetFromRow(row);
      if (rows.length < STREAM_BATCH) return;
      after = rows[rows.length - 1]!.id;
    }
  }

  async count(dataset?: string): Promise<number> {
    const { rows } = dataset === undefined ? await this.pool.query('SELECT count(*) AS n FROM assets') : await this.pool.query('SELECT count(*) AS n FROM assets WHERE dataset = $1', [dataset]);
    return Number(rows[0].n);
  }

  async datasets(): Promise<{ dataset: string; count: number }[]> {
    const { rows } = await this.pool.query(`SELECT dataset, count(*) AS n FROM assets GROUP BY dataset ORDER BY dataset COLLATE "C"`);
    return rows.map((r: { dataset: string; n: string }) => ({ dataset: r.dataset, count: Number(r.n) }));
  }

  async datasetGenerations(): Promise<Map<string, number>> {
    const { rows } = await this.pool.query<{ dataset: string; generation: string }>('SELECT dataset, generation FROM asset_datasets');
    return new Map(rows.map((r) => [r.dataset, Number(r.generation)]));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
