/** The BIM property store on SQLite (better-sqlite3): a load is one transaction. */
import Database, { type Database as SqliteDatabase } from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { BimInputError, type BimElementInput, type BimModelInput } from '../../domain/bim.ts';
import { checkElement, checkModel, storeyTree, type BimElement, type BimLoadReport, type BimModelRecord, type BimModelSummary, type BimStore, type BimStoreyNode } from './bim-store.ts';

interface ElementRow {
  model: string;
  global_id: string;
  express_id: number;
  ifc_class: string;
  name: string;
  storey: string;
  storey_global_id: string;
  material: string;
  object_type: string;
  tag: string;
  property_sets: string;
  in_tiles: number | boolean;
}

export class SqliteBimStore implements BimStore {
  readonly backend = 'sqlite' as const;

  private constructor(private readonly db: SqliteDatabase) {}

  static async open(location: string): Promise<SqliteBimStore> {
    if (location !== ':memory:') mkdirSync(dirname(location), { recursive: true });
    const db = new Database(location);
    db.pragma('journal_mode = WAL');
    db.exec(`
      CREATE TABLE IF NOT EXISTS bim_models (id TEXT PRIMARY KEY, record TEXT NOT NULL, element_count INTEGER NOT NULL, loaded_at TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS bim_elements (
        model TEXT NOT NULL, global_id TEXT NOT NULL, express_id INTEGER NOT NULL, ifc_class TEXT NOT NULL, name TEXT NOT NULL,
        storey TEXT NOT NULL, storey_global_id TEXT NOT NULL, material TEXT NOT NULL, object_type TEXT NOT NULL, tag TEXT NOT NULL,
        property_sets TEXT NOT NULL, in_tiles INTEGER NOT NULL, PRIMARY KEY (model, global_id)) WITHOUT ROWID;`);
    return new SqliteBimStore(db);
  }

  async replaceModel(model: BimModelInput, elements: Iterable<BimElementInput>): Promise<BimLoadReport> {
    const started = performance.now();
    checkModel(model);
    const insert = this.db.prepare('INSERT INTO bim_elements VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    const load = this.db.transaction(() => {
      const replaced = (this.db.prepare('SELECT count(*) AS n FROM bim_elements WHERE model = ?').get(model.id) as { n: number }).n;
      this.db.prepare('DELETE FROM bim_elements WHERE model = ?').run(model.id);
      let index = 0;
      let inTiles = 0;
      for (const e of elements) {
        checkElement(e, index++);
        try {
          insert.run(model.id, e.globalId, e.expressId, e.ifcClass, e.name, e.storey, e.storeyGlobalId, e.material, e.objectType, e.tag, JSON.stringify(e.propertySets), e.inTiles === false ? 0 : 1);
          if (e.inTiles !== false) inTiles++;
        } catch (error) {
          if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new BimInputError(`element ${e.globalId}: GlobalId appears twice in model ${model.id}`);
          throw error;
        }
      }
      this.db.prepare('INSERT OR REPLACE INTO bim_models VALUES (?, ?, ?, ?)').run(model.id, JSON.stringify(model), inTiles, new Date().toISOString());
      return { replaced, elements: index };
    });
    const { replaced, elements: count } = load();
    return { model: model.id, elements: count, replaced, seconds: (performance.now() - started) / 1000 };
  }

  async models(): Promise<BimModelSummary[]> {
    const rows = this.db.prepare('SELECT record, element_count, loaded_at FROM bim_models ORDER BY id').all() as { record: string; element_count: number; loaded_at: string }[];
    return rows.map((row) => {
      const { storeys, units: _units, ...rest } = JSON.parse(row.record) as BimModelInput;
      return { ...rest, storeyCount: storeys.length, elementCount: row.element_count, loadedAt: row.loaded_at };
    });
  }

  async model(id: string): Promise<BimModelRecord | undefined> {
    const row = this.db.prepare('SELECT record, element_count, loaded_at FROM bim_models WHERE id = ?').get(id) as { record: string; element_count: number; loaded_at: string } | undefined;
    return row ? { ...(JSON.parse(row.record) as BimModelInput), elementCount: row.element_count, loadedAt: row.loaded_at } : undefined;
  }

  async element(model: string, globalId: string): Promise<BimElement | undefined> {
    const row = this.db.prepare('SELECT * FROM bim_elements WHERE model = ? AND global_id = ?').get(model, globalId) as ElementRow | undefined;
    return row ? elementFromRow(row) : undefined;
  }

  async storeys(model: string): Promise<BimStoreyNode[] | undefined> {
    const record = await this.model(model);
    if (!record) return undefined;
    const counts = this.db.prepare('SELECT storey_global_id AS storey, ifc_class AS ifcClass, count(*) AS count FROM bim_elements WHERE model = ? AND in_tiles = 1 GROUP BY storey_global_id, ifc_class').all(model) as { storey: string; ifcClass: string; count: number }[];
    return storeyTree(record.storeys, counts);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

export function elementFromRow(row: ElementRow & { property_sets: string | unknown }): BimElement {
  return {
    model: row.model,
    globalId: row.global_id,
    expressId: Number(row.express_id),
    ifcClass: row.ifc_class,
    name: row.name,
    storey: row.storey,
    storeyGlobalId: row.storey_global_id,
    material: row.material,
    objectType: row.object_type,
    tag: row.tag,
    inTiles: row.in_tiles === true || row.in_tiles === 1,
    propertySets: typeof row.property_sets === 'string' ? JSON.parse(row.property_sets) : (row.property_sets as BimElement['propertySets']),
  };
}
