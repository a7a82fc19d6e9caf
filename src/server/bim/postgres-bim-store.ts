/** The BIM property store on PostgreSQL: the same tables as on SQLite, property sets as jsonb; a load is one transaction. */
import pg from 'pg';
import { openPostgresSchema } from '../postgres-schema.ts';
import { inTransaction } from '../pg-transaction.ts';
import { BimInputError, type BimElementInput, type BimModelInput } from '../../domain/bim.ts';
import { BIM_LOAD_BATCH, checkElement, checkModel, storeyTree, type BimElement, type BimLoadReport, type BimModelRecord, type BimModelSummary, type BimStore, type BimStoreyNode } from './bim-store.ts';
import { elementFromRow } from './sqlite-bim-store.ts';

const ELEMENT_COLUMNS = 12;

export class PostgresBimStore implements BimStore {
  readonly backend = 'postgres' as const;

  private constructor(private readonly pool: pg.Pool) {}

  static async open(url: string): Promise<PostgresBimStore> {
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    pool.on('error', () => {});
    await openPostgresSchema(pool, 'cim-twin BIM store schema', async (client) => {
      await client.query(`
          CREATE TABLE IF NOT EXISTS bim_models (id text PRIMARY KEY, record jsonb NOT NULL, element_count integer NOT NULL, loaded_at timestamptz NOT NULL);
          CREATE TABLE IF NOT EXISTS bim_elements (
            model text NOT NULL, global_id text NOT NULL, express_id integer NOT NULL, ifc_class text NOT NULL, name text NOT NULL,
            storey text NOT NULL, storey_global_id text NOT NULL, material text NOT NULL, object_type text NOT NULL, tag text NOT NULL,
            property_sets jsonb NOT NULL, in_tiles boolean NOT NULL, PRIMARY KEY (model, global_id));`);
    });
    return new PostgresBimStore(pool);
  }

  async replaceModel(model: BimModelInput, elements: Iterable<BimElementInput>): Promise<BimLoadReport> {
    const started = performance.now();
    checkModel(model);
    return inTransaction(this.pool, 'BEGIN', async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`cim-twin BIM model ${model.id}`]);
      const replaced = Number((await client.query('SELECT count(*) AS n FROM bim_elements WHERE model = $1', [model.id])).rows[0].n);
      await client.query('DELETE FROM bim_elements WHERE model = $1', [model.id]);
      let index = 0;
      let inTiles = 0;
      let batch: unknown[] = [];
      const seen = new Set<string>();
      const flush = async () => {
        if (batch.length === 0) return;
        const rows = batch.length / ELEMENT_COLUMNS;
        const placeholders = Array.from({ length: rows }, (_, r) => `(${Array.from({ length: ELEMENT_COLUMNS }, (_, c) => `$${r * ELEMENT_COLUMNS + c + 1}${c === ELEMENT_COLUMNS - 2 ? '::jsonb' : ''}`).join(', ')})`);
        await client.query(`INSERT INTO bim_elements VALUES ${placeholders.join(', ')}`, batch);
        batch = [];
      };
      for (const e of elements) {
        checkElement(e, index++);
        if (seen.has(e.globalId)) throw new BimInputError(`element ${e.globalId}: GlobalId appears twice in model ${model.id}`);
        seen.add(e.globalId);
        batch.push(model.id, e.globalId, e.expressId, e.ifcClass, e.name, e.storey, e.storeyGlobalId, e.material, e.objectType, e.tag, JSON.stringify(e.propertySets), e.inTiles !== false);
        if (e.inTiles !== false) inTiles++;
        if (batch.length >= BIM_LOAD_BATCH * ELEMENT_COLUMNS) await flush();
      }
      await flush();
      await client.query(
        'INSERT INTO bim_models VALUES ($1, $2::jsonb, $3, now()) ON CONFLICT (id) DO UPDATE SET record = excluded.record, element_count = excluded.element_count, loaded_at = excluded.loaded_at',
        [model.id, JSON.stringify(model), inTiles],
      );
      return { model: model.id, elements: index, replaced, seconds: (performance.now() - started) / 1000 };
    });
  }

  async models(): Promise<BimModelSummary[]> {
    const { rows } = await this.pool.query('SELECT record, element_count, loaded_at FROM bim_models ORDER BY id COLLATE "C"');
    return rows.map((row: { record: BimModelInput; element_count: number; loaded_at: Date }) => {
      const { storeys, units: _units, ...rest } = row.record;
      return { ...rest, storeyCount: storeys.length, elementCount: row.element_count, loadedAt: row.loaded_at.toISOString() };
    });
  }

  async model(id: string): Promise<BimModelRecord | undefined> {
    const { rows } = await this.pool.query('SELECT record, element_count, loaded_at FROM bim_models WHERE id = $1', [id]);
    const row = rows[0] as { record: BimModelInput; element_count: number; loaded_at: Date } | undefined;
    return row ? { ...row.record, elementCount: row.element_count, loadedAt: row.loaded_at.toISOString() } : undefined;
  }

  async element(model: string, globalId: string): Promise<BimElement | undefined> {
    const { rows } = await this.pool.query('SELECT * FROM bim_elements WHERE model = $1 AND global_id = $2', [model, globalId]);
    return rows[0] ? elementFromRow(rows[0]) : undefined;
  }

  async storeys(model: string): Promise<BimStoreyNode[] | undefined> {
    const record = await this.model(model);
    if (!record) return undefined;
    const { rows } = await this.pool.query('SELECT storey_global_id AS storey, ifc_class AS "ifcClass", count(*)::integer AS count FROM bim_elements WHERE model = $1 AND in_tiles GROUP BY storey_global_id, ifc_class', [model]);
    return storeyTree(record.storeys, rows);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
