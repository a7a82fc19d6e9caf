/**
 * Prepared statements by their SQL text, per database. Reads build their SQL from a request's
 * options, and an `$expand` runs the same statement once per parent: preparing it once saves
 * the parse each time. The SQL never holds request values (they are parameters), so the number
 * of distinct texts is small; the cache is bounded all the same.
 */
import type { Database, Statement } from 'better-sqlite3';

const MAXIMUM_STATEMENTS = 500;
const caches = new WeakMap<Database, Map<string, Statement>>();

export function prepared(db: Database, sql: string): Statement {
  let cache = caches.get(db);
  if (!cache) {
    cache = new Map();
    caches.set(db, cache);
  }
  let statement = cache.get(sql);
  if (!statement) {
    statement = db.prepare(sql);
    // Oldest first out: a Map iterates in insertion order.
    if (cache.size >= MAXIMUM_STATEMENTS) cache.delete(cache.keys().next().value!);
    cache.set(sql, statement);
  }
  return statement;
}
