/**
 * Search over the buildings' search-index.json written by the tiler: ID, name and address,
 * with each building's position and its styling attributes (for counting filter matches).
 * Pure: loading is the caller's `fetch`.
 */
import type { BuildingAttributes } from '../domain/thematic/themes.ts';

export interface SearchEntry {
  id: string;
  name: string;
  address: string;
  lonDegrees: number;
  latDegrees: number;
  heightMetres: number;
  layerId: string;
  /** use, floors, yearBuilt, stage and height where the index has them. */
  attributes: BuildingAttributes;
  /** Ground footprint, m², where the index has it. */
  footprintSquareMetres?: number;
}

interface IndexJson {
  fields: string[];
  rows: unknown[][];
}

export function parseSearchIndex(json: unknown, layerId: string): SearchEntry[] {
  const index = json as IndexJson;
  if (!index || !Array.isArray(index.fields) || !Array.isArray(index.rows)) throw new Error('not a search index: expected { fields, rows }');
  const column = (name: string) => index.fields.indexOf(name);
  const [id, name, address, lon, lat, height] = ['id', 'name', 'address', 'lon', 'lat', 'height'].map(column) as [number, number, number, number, number, number];
  if (id < 0 || lon < 0 || lat < 0) throw new Error('search index lacks id, lon or lat');
  const [use, floors, yearBuilt, stage, footprint] = ['use', 'floors', 'yearBuilt', 'stage', 'footprint'].map(column) as [number, number, number, number, number];
  const text = (row: unknown[], i: number) => (i >= 0 && typeof row[i] === 'string' ? (row[i] as string) : undefined);
  const number = (row: unknown[], i: number) => (i >= 0 && typeof row[i] === 'number' ? (row[i] as number) : undefined);
  return index.rows.map((row) => withoutUndefined({
    id: String(row[id]),
    name: name >= 0 ? String(row[name] ?? '') : '',
    address: address >= 0 ? String(row[address] ?? '') : '',
    lonDegrees: Number(row[lon]),
    latDegrees: Number(row[lat]),
    heightMetres: height >= 0 ? Number(row[height]) : 0,
    layerId,
    attributes: withoutUndefined({ id: String(row[id]), use: text(row, use), stage: text(row, stage), floors: number(row, floors), yearBuilt: number(row, yearBuilt), height: number(row, height) }),
    footprintSquareMetres: number(row, footprint),
  }));
}

function withoutUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key];
  return value;
}

/**
 * Entries matching every whitespace-separated term in ID, name or address (case-insensitive),
 * best first: exact ID, then ID prefix, then name matches, then address matches.
 */
export function searchEntries(entries: readonly SearchEntry[], query: string, limit = 10): SearchEntry[] {
  const terms = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (terms.length === 0) return [];
  const whole = terms.join(' ');
  const scored: { entry: SearchEntry; score: number }[] = [];
  for (const entry of entries) {
    const id = entry.id.toLowerCase();
    const name = entry.name.toLowerCase();
    const address = entry.address.toLowerCase();
    if (!terms.every((t) => id.includes(t) || name.includes(t) || address.includes(t))) continue;
    const score = id === whole ? 0 : id.startsWith(whole) ? 1 : name === whole ? 2 : name.includes(whole) ? 3 : 4;
    scored.push({ entry, score });
  }
  // Among name matches the shortest name is the closest; ID matches go in ID order.
  scored.sort((a, b) => a.score - b.score || (a.score >= 2 ? a.entry.name.length - b.entry.name.length : 0) || a.entry.id.localeCompare(b.entry.id));
  return scored.slice(0, limit).map((s) => s.entry);
}

export function findById(entries: readonly SearchEntry[], id: string): SearchEntry | undefined {
  return entries.find((e) => e.id === id);
}
