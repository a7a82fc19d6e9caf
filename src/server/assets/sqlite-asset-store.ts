/**
 * The asset store on SQLite (better-sqlite3), the embedded default:
 * - `assets`: one row per asset, the filter attributes in indexed columns, attributes and
 *   geometry as JSON text;
 * - `assets_text`: FTS5 with the trigram tokenizer over ID, name and address, so that Chinese
 *   text matches by substring (contentless, with contentless_delete, as the text is in `assets`);
 * - `assets_bounds`: an R*Tree over each asset's bounds (and its position).
 *
 * A search term of 3+ characters is a phrase of trigrams in the index. Terms of 1–2 characters
 * (合肥, 区) are shorter than a trigram; so every indexed value ends with two U+0001 characters
 * (never in real text: the domain rejects control characters), and then every occurrence of a
 * short term starts at least one trigram. The index's own vocabulary (fts5vocab, a term-range
 * look-up) lists those trigrams, and the term becomes their OR. A term that starts more than
 * SHORT_TERM_TRIGRAMS trigrams (a very common character) is checked with LIKE instead: on the
 * rows the other terms found, or by a scan when it is the only term.
 *
 * A load is staged in a temporary table, checked, then swapped in by one transaction, so readers
 * on this connection never see half a load and other processes (WAL) see the old or the new.
 */
import Database, { type Database as SqliteDatabase } from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  AssetInputError, checkAssetRecord, checkBbox, checkCircle, checkDatasetName, checkFilter, checkKinds, checkPage, circleBbox, greatCircleDistanceMetres,
  indexedValue, INDEXED_ATTRIBUTES, parseSearchQuery, TRIGRAM_LENGTH, type Asset, type AssetInput, type Bbox, type SearchQuery,
} from '../../domain/assets.ts';
import type { AssetPage, AssetStore, CountOptions, LoadOptions, LoadReport, PageOptions, RadiusPage, SpatialOptions, StreamOptions } from './asset-store.ts';
import { ATTRIBUTE_COLUMNS, assetFromRow, checkIdList, compareRanked, containing, filterConditions, INDEXED_COLUMNS, kindCondition, LOAD_BATCH, Parameters, rankedPage, searchRank, selectColumns, STREAM_BATCH, type AssetRow, type RankedRow } from './sql.ts';
import { MAXIMUM_ID_PAGE } from './asset-store.ts';
import { byCodePoint } from './id-order.ts';

const SCHEMA_VERSION = 5;
/** Each dataset's generation, bumped by every load of it (schema 4). */
const DATASETS_SQL = 'CREATE TABLE IF NOT EXISTS asset_datasets (dataset TEXT PRIMARY KEY, generation INTEGER NOT NULL) WITHOUT ROWID';
/** Appended to every value in the full-text index (see the header). */
const END_SQL = 'char(1, 1)';
/** The page cache of a load's swap, KiB (SQLite's default is 2 MB; it is restored after the load). */
const LOAD_CACHE_KIB = 128 * 1024;
/** Most trigrams a short term is expanded to before it falls back to LIKE. */
const SHORT_TERM_TRIGRAMS = 1_000;
/**
 * Matches above which a search is "broad" and ranked in tiers with early exit (see broadSearch)
 * instead of ranking every match.
 */
const BROAD_SEARCH_MATCHES = 5_000;

/** A match as ranked, with its row number. */
interface SqliteRankedRow extends RankedRow {
  row: number;
}

const COLUMNS = `id TEXT NOT NULL, dataset TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL, address TEXT NOT NULL,
  ${ATTRIBUTE_COLUMNS.use} TEXT, ${ATTRIBUTE_COLUMNS.stage} TEXT, ${ATTRIBUTE_COLUMNS.yearBuilt} REAL, ${ATTRIBUTE_COLUMNS.floors} REAL, ${ATTRIBUTE_COLUMNS.height} REAL,
  attributes TEXT NOT NULL, geometry TEXT NOT NULL,
  min_lon REAL NOT NULL, min_lat REAL NOT NULL, max_lon REAL NOT NULL, max_lat REAL NOT NULL, lon REAL NOT NULL, lat REAL NOT NULL`;
const COLUMN_NAMES = ['id', 'dataset', 'kind', 'name', 'address', ...INDEXED_COLUMNS, 'attributes', 'geometry', 'min_lon', 'min_lat', 'max_lon', 'max_lat', 'lon', 'lat'];

/** Indexes of schema 3: the search's tiers (exact ID, ID prefix, exact name; names in length order). */
const SEARCH_INDEXES = `
  CREATE INDEX IF NOT EXISTS assets_lower_id ON assets(lower(id));
  CREATE INDEX IF NOT EXISTS assets_lower_name ON assets(lower(name));
  CREATE INDEX IF NOT EXISTS assets_name_length ON assets(length(name), id);
  DROP INDEX IF EXISTS assets_name;`;

/**
 * Schema 5: every filter column in one index, so a count over the whole store with two or more
 * clauses scans this narrow index instead of one clause's index and the rows behind it
 * (floors>=12;yearBuilt<2000 over 1,000,000 buildings: 813 ms by the year's index, 56 ms by this one).
 */
const FILTER_INDEX = `CREATE INDEX IF NOT EXISTS assets_filter ON assets(kind, ${INDEXED_COLUMNS.join(', ')})`;

function migrate(db: SqliteDatabase): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version === SCHEMA_VERSION) return;
  if (version > SCHEMA_VERSION || version < 0) throw new Error(`asset store ${db.name}: schema version ${version}, this build reads ${SCHEMA_VERSION}`);
  db.exec('BEGIN');
  try {
    if (version === 0) {
      db.exec(`
        CREATE TABLE assets (row INTEGER PRIMARY KEY, ${COLUMNS});
        CREATE UNIQUE INDEX assets_id ON assets(id);
        CREATE INDEX assets_dataset ON assets(dataset);
        CREATE INDEX assets_kind ON assets(kind);
        ${INDEXED_COLUMNS.map((c) => `CREATE INDEX assets_${c} ON assets(${c}) WHERE ${c} IS NOT NULL;`).join('\n')}
        CREATE VIRTUAL TABLE assets_text USING fts5(id, name, address, tokenize = 'trigram', content = '', contentless_delete = 1);
        CREATE VIRTUAL TABLE assets_trigrams USING fts5vocab(assets_text, 'row');
        CREATE VIRTUAL TABLE assets_bounds USING rtree(row, min_lon, max_lon, min_lat, max_lat);`);
    }
    if (version === 1) {
      // Version 1 indexed the values without the end marker: index them again, and add the vocabulary.
      db.exec(`
        DROP TABLE assets_text;
        CREATE VIRTUAL TABLE assets_text USING fts5(id, name, address, tokenize = 'trigram', content = '', contentless_delete = 1);
        CREATE VIRTUAL TABLE assets_trigrams USING fts5vocab(assets_text, 'row');
        INSERT INTO assets_text (rowid, id, name, address) SELECT row, id || ${END_SQL}, name || ${END_SQL}, address || ${END_SQL} FROM assets;`);
    }
    if (version <= 2) db.exec(SEARCH_INDEXES);
    db.exec(FILTER_INDEX);
    db.exec(DATASETS_SQL);
    db.exec('INSERT OR IGNORE INTO asset_datasets (dataset, generation) SELECT dataset, 1 FROM assets GROUP BY dataset');
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    db.exec('COMMIT');
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}

/** A load's bump of its dataset's generation (`?`): past every generation so far, so never a value it had. */
const BUMP_GENERATION = `INSERT INTO asset_datasets (dataset, generation) VALUES (?, (SELECT coalesce(max(generation), 0) + 1 FROM asset_datasets))
  ON CONFLICT (dataset) DO UPDATE SET generation = excluded.generation`;

/** An FTS5 string: the term in double quotes (doubled inside), so no character is an operator. */
const ftsString = (term: string) => `"${term.replaceAll('"', '""')}"`;

export class SqliteAssetStore implements AssetStore {
  readonly backend = 'sqlite' as const;
  private closed = false;
  /** How many searches took the tiered path (for tests and benchmarks). */
  readonly statistics = { broadSearches: 0 };
  /** Loads share the connection's staging table, so they run one after another. */
  private loading: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly db: SqliteDatabase,
    private readonly shortTermTrigrams: number,
    private readonly broadSearchMatches: number,
  ) {}

  /**
   * Open (and create) the store at a file path, or ":memory:". `maximumShortTermTrigrams`: how
   * many trigrams a 1–2 character term may expand to before LIKE checks it instead (default 1,000).
   * `broadSearchMatches`: matches above which a search is ranked in tiers (default 5,000).
   */
  static async open(path: string, options: { maximumShortTermTrigrams?: number; broadSearchMatches?: number } = {}): Promise<SqliteAssetStore> {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('busy_timeout = 10000');
      db.function('distance_metres', { deterministic: true }, (lon0, lat0, lon1, lat1) => greatCircleDistanceMetres(lon0 as number, lat0 as number, lon1 as number, lat1 as number));
      migrate(db);
    } catch (error) {
      db.close();
      throw error;
    }
    return new SqliteAssetStore(db, options.maximumShortTermTrigrams ?? SHORT_TERM_TRIGRAMS, options.broadSearchMatches ?? BROAD_SEARCH_MATCHES);
  }

  replaceDataset(datasetName: string, input: Iterable<AssetInput> | AsyncIterable<AssetInput>, options: LoadOptions = {}): Promise<LoadReport> {
    const load = this.loading.then(() => this.load(datasetName, input, options));
    this.loading = load.catch(() => {});
    return load;
  }

  private async load(datasetName: string, input: Iterable<AssetInput> | AsyncIterable<AssetInput>, options: LoadOptions): Promise<LoadReport> {
    const started = performance.now();
    const dataset = checkDatasetName(datasetName);
    const db = this.db;
    const cacheSize = db.pragma('cache_size', { simple: true }) as number;
    db.exec(`DROP TABLE IF EXISTS temp.staging; CREATE TEMP TABLE staging (${COLUMNS.replace('id TEXT NOT NULL', 'id TEXT NOT NULL PRIMARY KEY')}, bounds_west REAL, bounds_south REAL, bounds_east REAL, bounds_north REAL)`);
    try {
      const stage = db.prepare(`INSERT OR IGNORE INTO temp.staging (${COLUMN_NAMES.join(', ')}, bounds_west, bounds_south, bounds_east, bounds_north) VALUES (${[...COLUMN_NAMES, 1, 2, 3, 4].map(() => '?').join(', ')})`);
      const stageBatch = db.transaction((batch: { asset: Asset; attributesJson: string }[]) => {
        for (const { asset, attributesJson } of batch) {
          const [west, south, east, north] = asset.bounds;
          const [lon, lat] = asset.position;
          const result = stage.run(asset.id, dataset, asset.kind, asset.name, asset.address, ...INDEXED_ATTRIBUTES.map((a) => indexedValue(asset.attributes, a)),
            attributesJson, JSON.stringify(asset.geometry), west, south, east, north, lon, lat,
            Math.min(west, lon), Math.min(south, lat), Math.max(east, lon), Math.max(north, lat));
          if (result.changes === 0) throw new AssetInputError(`asset ${JSON.stringify(asset.id)} appears twice in dataset ${dataset}`);
        }
      });
      let batch: { asset: Asset; attributesJson: string }[] = [];
      let index = 0;
      for await (const item of input) {
        batch.push(checkAssetRecord(item, dataset, index++));
        if (batch.length >= LOAD_BATCH) {
          stageBatch(batch);
          batch = [];
        }
      }
      stageBatch(batch);
      await options.commitAfter;
      // The swap writes the dataset into every index of the table at once: with SQLite's default
      // 2 MB page cache the indexes in other orders than the ID's (the filter columns, the names)
      // would go back to the file for nearly every row.
      db.pragma(`cache_size = -${LOAD_CACHE_KIB}`);
      const report = db.transaction((): LoadReport => {
        const taken = db.prepare('SELECT s.id, a.dataset FROM temp.staging s JOIN assets a ON a.id = s.id WHERE a.dataset <> ? LIMIT 1').get(dataset) as { id: string; dataset: string } | undefined;
        if (taken) throw new AssetInputError(`asset ${JSON.stringify(taken.id)} of dataset ${dataset} already belongs to dataset ${taken.dataset} (IDs are unique across datasets)`);
        const replaced = (db.prepare('SELECT count(*) AS n FROM assets WHERE dataset = ?').get(dataset) as { n: number }).n;
        db.prepare('DELETE FROM assets_text WHERE rowid IN (SELECT row FROM assets WHERE dataset = ?)').run(dataset);
        db.prepare('DELETE FROM assets_bounds WHERE row IN (SELECT row FROM assets WHERE dataset = ?)').run(dataset);
        db.prepare('DELETE FROM assets WHERE dataset = ?').run(dataset);
        db.exec(`INSERT INTO assets (${COLUMN_NAMES.join(', ')}) SELECT ${COLUMN_NAMES.join(', ')} FROM temp.staging ORDER BY id`);
        db.prepare(`INSERT INTO assets_text (rowid, id, name, address) SELECT a.row, a.id || ${END_SQL}, a.name || ${END_SQL}, a.address || ${END_SQL} FROM assets a WHERE a.dataset = ?`).run(dataset);
        db.prepare('INSERT INTO assets_bounds (row, min_lon, max_lon, min_lat, max_lat) SELECT a.row, s.bounds_west, s.bounds_east, s.bounds_south, s.bounds_north FROM assets a JOIN temp.staging s ON s.id = a.id WHERE a.dataset = ?').run(dataset);
        db.prepare(BUMP_GENERATION).run(dataset);
        return { dataset, loaded: index, replaced, seconds: 0 };
      })();
      return { ...report, seconds: (performance.now() - started) / 1000 };
    } finally {
      if (db.open) {
        db.pragma(`cache_size = ${cacheSize}`);
        db.exec('DROP TABLE IF EXISTS temp.staging');
      }
    }
  }

  async get(id: string): Promise<Asset | undefined> {
    if (typeof id !== 'string') return undefined;
    const row = this.db.prepare(`SELECT ${selectColumns('a.geometry')} FROM assets a WHERE a.id = ?`).get(id) as AssetRow | undefined;
    return row && assetFromRow(row);
  }

  async search(text: string, options: PageOptions = {}): Promise<AssetPage> {
    const query = parseSearchQuery(text);
    const page = checkPage(options);
    if (query.terms.length === 0) return { assets: [], truncated: false };
    const params = new Parameters('sqlite');
    const { p } = params;
    const rank = searchRank(query, p);
    const long = query.terms.filter((t) => [...t].length >= TRIGRAM_LENGTH);
    const short = query.terms.filter((t) => [...t].length < TRIGRAM_LENGTH);
    const where: string[] = [];
    const phrases = long.map(ftsString);
    const scanned: string[] = [];
    for (const term of short) {
      const trigrams = this.trigramsStartingWith(term);
      if (trigrams === undefined) scanned.push(term);
      else if (trigrams.length === 0) return { assets: [], truncated: false };
      else phrases.push(`(${trigrams.map(ftsString).join(' OR ')})`);
    }
    const wanted = page.offset + page.limit + 1;
    if (wanted * 2 <= this.broadSearchMatches && this.matchCount(phrases, scanned, this.broadSearchMatches) > this.broadSearchMatches) {
      return this.broadSearch(query, phrases, scanned, page);
    }
    where.push(...this.matchConditions(phrases, scanned, p));
    const sql = rankedPage(where.join(' AND '), rank, 'a.geometry', '', p(page.limit + 1), p(page.offset));
    const rows = this.db.prepare(sql).all(...params.values) as AssetRow[];
    return { assets: rows.slice(0, page.limit).map(assetFromRow), truncated: rows.length > page.limit };
  }

  /** `WHERE` conditions on `assets a` for a search: the full-text phrases, then LIKE for the scanned terms. */
  private matchConditions(phrases: readonly string[], scanned: readonly string[], p: Parameters['p'], extraPhrase?: string): string[] {
    const expression = [...phrases, ...(extraPhrase ? [extraPhrase] : [])].join(' AND ');
    const conditions = expression ? [`a.row IN (SELECT rowid FROM assets_text WHERE assets_text MATCH ${p(expression)})`] : [];
    for (const term of scanned) {
      const pattern = containing(term);
      conditions.push(`(lower(a.id) LIKE ${p(pattern)} ESCAPE '\\' OR a.name LIKE ${p(pattern)} ESCAPE '\\' OR a.address LIKE ${p(pattern)} ESCAPE '\\')`);
    }
    return conditions;
  }

  /** Matches of a search, counted up to `cap` + 1 (from the full-text index alone when it can). */
  private matchCount(phrases: readonly string[], scanned: readonly string[], cap: number): number {
    if (scanned.length === 0) return this.ftsCount(phrases.join(' AND '), cap);
    const params = new Parameters('sqlite');
    const where = this.matchConditions(phrases, scanned, params.p);
    return (this.db.prepare(`SELECT count(*) AS n FROM (SELECT 1 FROM assets a WHERE ${where.join(' AND ')} LIMIT ${params.p(cap + 1)})`).get(...params.values) as { n: number }).n;
  }

  /** Rows of the full-text index matching an expression, counted up to `cap` + 1. */
  private ftsCount(expression: string, cap: number): number {
    return (this.db.prepare('SELECT count(*) AS n FROM (SELECT rowid FROM assets_text WHERE assets_text MATCH ? LIMIT ?)').get(expression, cap + 1) as { n: number }).n;
  }

  /**
   * A search matching more than `broadSearchMatches` rows (a road name in 5 % of the addresses),
   * ranked in tiers so that it never ranks every match:
   *  - ranks 0–2 (exact ID, ID prefix, exact name) from the indexes on lower(id) and lower(name);
   *  - rank 3 (name containing the text) and rank 4 (the rest), each in (name length, ID) order:
   *    a walk of the index on (length(name), id) that stops at the page, when the tier is broad
   *    (at least 1 row in `broadSearchMatches` / N matches, so the walk is short), else its few
   *    rows from the full-text index, sorted.
   * The rank is the same SQL expression as the full ranking's, so both give the same page.
   */
  private broadSearch(query: SearchQuery, phrases: readonly string[], scanned: readonly string[], page: { limit: number; offset: number }): AssetPage {
    this.statistics.broadSearches++;
    const wanted = page.offset + page.limit + 1;
    const threshold = this.broadSearchMatches;
    const ranked = (sql: (p: Parameters['p']) => string): SqliteRankedRow[] => {
      const params = new Parameters('sqlite');
      const text = sql(params.p);
      return this.db.prepare(text).all(...params.values) as SqliteRankedRow[];
    };
    const columns = (p: Parameters['p']) => `a.row AS row, ${searchRank(query, p)} AS rank, length(a.name) AS name_length, a.id AS id`;
    const match = (p: Parameters['p'], extraPhrase?: string) => this.matchConditions(phrases, scanned, p, extraPhrase).join(' AND ');
    const w = query.whole;
    const rows = ranked((p) => `SELECT ${columns(p)} FROM assets a
      WHERE a.row IN (SELECT row FROM assets WHERE lower(id) >= ${p(w)} AND lower(id) < ${p(`${w}\u{10FFFF}`)} UNION SELECT row FROM assets WHERE lower(name) = ${p(w)})
        AND ${match(p)}`).sort(compareRanked);
    const walk = (rank: 3 | 4, need: number) =>
      ranked((p) => `SELECT ${columns(p)} FROM assets a INDEXED BY assets_name_length
        WHERE ${match(p)} AND (${searchRank(query, p)}) = ${rank} ORDER BY length(a.name), a.id LIMIT ${p(need)}`);
    if (rows.length < wanted) {
      const namePhrase = [...w].length >= TRIGRAM_LENGTH ? ftsString(w) : (() => {
        const trigrams = this.trigramsStartingWith(w);
        return trigrams === undefined ? undefined : trigrams.length === 0 ? '' : `(${trigrams.map(ftsString).join(' OR ')})`;
      })();
      const inNames = namePhrase === '' ? 0 : namePhrase === undefined ? threshold + 1 : this.ftsCount([...phrases, `{name} : ${namePhrase}`].join(' AND '), threshold);
      if (inNames > threshold) rows.push(...walk(3, wanted - rows.length));
      else if (inNames > 0) {
        rows.push(...ranked((p) => `SELECT * FROM (SELECT ${columns(p)} FROM assets a WHERE ${match(p, `{name} : ${namePhrase}`)}) WHERE rank = 3`).sort(compareRanked).slice(0, wanted - rows.length));
      }
    }
    // More than `threshold` rows match and at most threshold / 2 are wanted: if the tiers above
    // left the page short, rank 4 holds over threshold / 2 rows, so its walk is short too.
    if (rows.length < wanted) rows.push(...walk(4, wanted - rows.length));
    const pageRows = rows.slice(page.offset, page.offset + page.limit + 1);
    if (pageRows.length === 0) return { assets: [], truncated: false };
    const full = this.db.prepare(`SELECT ${selectColumns('a.geometry')}, a.row AS row FROM assets a WHERE a.row IN (${pageRows.map(() => '?').join(', ')})`).all(...pageRows.map((r) => r.row)) as (AssetRow & { row: number })[];
    const byRow = new Map(full.map((r) => [r.row, r]));
    const assets = pageRows.map((r) => assetFromRow(byRow.get(r.row)!));
    return { assets: assets.slice(0, page.limit), truncated: assets.length > page.limit };
  }

  /** The indexed trigrams that start with a 1–2 character term; undefined when there are too many. */
  private trigramsStartingWith(term: string): string[] | undefined {
    const rows = this.db.prepare('SELECT term FROM assets_trigrams WHERE term >= ? AND term < ? LIMIT ?').all(term, `${term}\u{10FFFF}`, this.shortTermTrigrams + 1) as { term: string }[];
    return rows.length > this.shortTermTrigrams ? undefined : rows.map((r) => r.term);
  }

  /**
   * The R*Tree look-up every spatial query starts with: `from` joins the bounds index to the rows
   * (CROSS JOIN keeps the R*Tree as the outer loop) and `where` holds its conditions, which
   * recheck the exact double bounds when `exact` is given (the R*Tree stores float32).
   */
  private spatial(bbox: Bbox, exact: boolean, p: Parameters['p'], conditions: (p: Parameters['p']) => string[]): { from: string; where: string } {
    const [west, south, east, north] = bbox;
    const checks = [`b.min_lon <= ${p(east)}`, `b.max_lon >= ${p(west)}`, `b.min_lat <= ${p(north)}`, `b.max_lat >= ${p(south)}`];
    if (exact) checks.push(`a.min_lon <= ${p(east)}`, `a.max_lon >= ${p(west)}`, `a.min_lat <= ${p(north)}`, `a.max_lat >= ${p(south)}`);
    // Called after the checks: SQLite's "?" parameters are numbered in the order they appear.
    return { from: 'assets_bounds b CROSS JOIN assets a ON a.row = b.row', where: [...checks, ...conditions(p)].join(' AND ') };
  }

  async withinBbox(bboxValue: Bbox, options: SpatialOptions = {}): Promise<AssetPage> {
    const bbox = checkBbox(bboxValue);
    const kinds = checkKinds(options.kinds);
    const filter = checkFilter(options.filter);
    const { limit } = checkPage({ limit: options.limit });
    const params = new Parameters('sqlite');
    const { p } = params;
    const { from, where } = this.spatial(bbox, true, p, () => [...kindCondition(kinds, p), ...filterConditions(filter, p)]);
    const sql = `SELECT ${selectColumns('a.geometry')} FROM ${from} WHERE ${where} ORDER BY a.id LIMIT ${p(limit + 1)}`;
    const rows = this.db.prepare(sql).all(...params.values) as AssetRow[];
    return { assets: rows.slice(0, limit).map(assetFromRow), truncated: rows.length > limit };
  }

  async idsWithinBbox(bboxValue: Bbox, options: SpatialOptions = {}): Promise<{ ids: string[]; truncated: boolean }> {
    const bbox = checkBbox(bboxValue);
    const kinds = checkKinds(options.kinds);
    const filter = checkFilter(options.filter);
    const { limit } = checkPage({ limit: options.limit ?? 1_000 }, MAXIMUM_ID_PAGE);
    const params = new Parameters('sqlite');
    const { p } = params;
    const { from, where } = this.spatial(bbox, true, p, () => [...kindCondition(kinds, p), ...filterConditions(filter, p)]);
    const rows = this.db.prepare(`SELECT a.id AS id FROM ${from} WHERE ${where} LIMIT ${p(limit + 1)}`).all(...params.values) as { id: string }[];
    // No ORDER BY: sorting every match of a wide box would cost more than the look-up.
    if (rows.length > limit) return { ids: rows.slice(0, limit).map((r) => r.id), truncated: true };
    return { ids: rows.map((r) => r.id).sort(byCodePoint), truncated: false };
  }

  async withinRadius(lonDegrees: number, latDegrees: number, metres: number, options: SpatialOptions = {}): Promise<RadiusPage> {
    const circle = checkCircle(lonDegrees, latDegrees, metres);
    const kinds = checkKinds(options.kinds);
    const filter = checkFilter(options.filter);
    const { limit } = checkPage({ limit: options.limit });
    const params = new Parameters('sqlite');
    const { p } = params;
    const distance = `distance_metres(${p(circle.lon)}, ${p(circle.lat)}, a.lon, a.lat)`;
    const { from, where } = this.spatial(circleBbox(circle.lon, circle.lat, circle.metres), false, p, () => [...kindCondition(kinds, p), ...filterConditions(filter, p)]);
    const sql = `SELECT * FROM (SELECT ${selectColumns('a.geometry')}, ${distance} AS distance FROM ${from} WHERE ${where}) hits
      WHERE distance <= ${p(circle.metres)} ORDER BY distance, id LIMIT ${p(limit + 1)}`;
    const rows = this.db.prepare(sql).all(...params.values) as (AssetRow & { distance: number })[];
    return { hits: rows.slice(0, limit).map((row) => ({ asset: assetFromRow(row), distanceMetres: row.distance })), truncated: rows.length > limit };
  }

  async countMatching(filterText: string, options: CountOptions = {}): Promise<number> {
    const filter = checkFilter(filterText);
    const kinds = checkKinds(options.kinds);
    const bbox = options.bbox === undefined ? undefined : checkBbox(options.bbox);
    const ids = checkIdList(options.ids, MAXIMUM_ID_PAGE);
    if (ids?.length === 0) return 0;
    const params = new Parameters('sqlite');
    const { p } = params;
    const conditions = () => [...(ids ? [`a.id IN (SELECT value FROM json_each(${p(JSON.stringify(ids))}))`] : []), ...kindCondition(kinds, p), ...filterConditions(filter, p)];
    let sql: string;
    if (bbox) {
      const { from, where } = this.spatial(bbox, true, p, conditions);
      sql = `SELECT count(*) AS n FROM ${from} WHERE ${where}`;
    } else {
      const where = conditions();
      // Two or more clauses over the whole store: the narrow index of every filter column (FILTER_INDEX).
      const indexed = !ids && (filter?.length ?? 0) >= 2 ? ' INDEXED BY assets_filter' : '';
      sql = `SELECT count(*) AS n FROM assets a${indexed}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
    }
    return (this.db.prepare(sql).get(...params.values) as { n: number }).n;
  }

  async *streamAssets(options: StreamOptions = {}): AsyncGenerator<Asset> {
    const dataset = options.dataset === undefined ? undefined : checkDatasetName(options.dataset);
    const kinds = checkKinds(options.kinds);
    const bbox = options.bbox === undefined ? undefined : checkBbox(options.bbox);
    let after: string | undefined;
    for (;;) {
      // One page per query, keyed on the ID (its unique index): the connection is free between pages.
      const params = new Parameters('sqlite');
      const { p } = params;
      const conditions = (q: Parameters['p']) => [...(dataset !== undefined ? [`a.dataset = ${q(dataset)}`] : []), ...kindCondition(kinds, q), ...(after !== undefined ? [`a.id > ${q(after)}`] : [])];
      let sql: string;
      if (bbox) {
        const { from, where } = this.spatial(bbox, true, p, conditions);
        sql = `SELECT ${selectColumns('a.geometry')} FROM ${from} WHERE ${where} ORDER BY a.id LIMIT ${p(STREAM_BATCH)}`;
      } else {
        const where = conditions(p);
        sql = `SELECT ${selectColumns('a.geometry')} FROM assets a INDEXED BY assets_id${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY a.id LIMIT ${p(STREAM_BATCH)}`;
      }
      if (this.closed) return;
      const rows = this.db.prepare(sql).all(...params.values) as AssetRow[];
      for (const row of rows) yield assetFromRow(row);
      if (rows.length < STREAM_BATCH) return;
      after = rows[rows.length - 1]!.id;
    }
  }

  async count(dataset?: string): Promise<number> {
    const row = (dataset === undefined ? this.db.prepare('SELECT count(*) AS n FROM assets').get() : this.db.prepare('SELECT count(*) AS n FROM assets WHERE dataset = ?').get(dataset)) as { n: number };
    return row.n;
  }

  async datasets(): Promise<{ dataset: string; count: number }[]> {
    return this.db.prepare('SELECT dataset, count(*) AS count FROM assets GROUP BY dataset ORDER BY dataset').all() as { dataset: string; count: number }[];
  }

  async datasetGenerations(): Promise<Map<string, number>> {
    const rows = this.db.prepare('SELECT dataset, generation FROM asset_datasets').all() as { dataset: string; generation: number }[];
    return new Map(rows.map((r) => [r.dataset, r.generation]));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}
