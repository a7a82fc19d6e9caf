/**
 * The viewer's start-up form of every sensor (our extension, `GET /v1.1/SensorIndex`): one
 * columnar JSON document instead of expanded Things with their Locations and Datastreams. At
 * 85,000 sensors the expanded form is 57 MB; this one is 3.1–3.3 MB, 0.16 MB gzipped.
 *  - Columns, one entry per datastream, ordered by datastream id. Ids and coordinates are
 *    deltas from the previous entry (coordinates in units of 1e-6 degree, about 0.1 m).
 *  - What many sensors share (observed property, unit, asset kind, the datastream name's pattern)
 *    is one entry of `types`, and each sensor names its type by index.
 *  - Asset ids are front-coded: the length of the prefix shared with the previous one, and the rest.
 *  - The latest reading: its value, its state under the server's thresholds, and its age in
 *    milliseconds before `asOf` (exact: the viewer compares it with the stream's readings).
 * Pure: no engine, UI or Node imports; the server encodes and the viewer decodes with these.
 */
import { isWarningLevel, type SensorState } from './warning.ts';

/** One sensor as encoded and decoded. */
export interface CompactSensor {
  datastreamId: number;
  thingId: number;
  name: string;
  assetId?: string;
  assetKind?: string;
  observedProperty: string;
  unitSymbol: string;
  lonDegrees: number;
  latDegrees: number;
  /** The latest reading's value (numbers only). */
  value?: number;
  /** Epoch ms of the latest reading. */
  timeMs?: number;
  state: SensorState;
}

/** What a sensor shares with others: [observedProperty, unitSymbol, assetKind or "", name pattern]. */
export type CompactType = [string, string, string, string];

export interface CompactSensors {
  /** ISO 8601 of the moment the document was read; ages count back from it. */
  asOf: string;
  count: number;
  types: CompactType[];
  /** Deltas of datastream ids (the first from 0). */
  datastreamId: number[];
  thingId: number[];
  /** Deltas of lon and lat in 1e-6 degree. */
  lon: number[];
  lat: number[];
  type: number[];
  /** Front-coded asset ids: characters shared with the previous id, and the rest. */
  assetShared: number[];
  assetRest: string[];
  /** 0 normal, 1–4 warning level I–IV. */
  state: number[];
  /** Milliseconds before `asOf` of the latest reading (negative for one dated ahead); null: none yet. */
  age: (number | null)[];
  value: (number | null)[];
}

/** Placeholder for the asset id in a name pattern. */
const ASSET = '{asset}';
const MICRODEGREES = 1e6;

function sharedPrefixLength(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  let i = 0;
  while (i < length && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/** Encode sensors (in any order; they are sorted by datastream id). */
export function encodeCompactSensors(sensors: readonly CompactSensor[], asOfMs: number): CompactSensors {
  const inOrder = sensors.every((s, i) => i === 0 || sensors[i - 1]!.datastreamId < s.datastreamId);
  const sorted = inOrder ? sensors : [...sensors].sort((a, b) => a.datastreamId - b.datastreamId);
  const out: CompactSensors = { asOf: new Date(asOfMs).toISOString(), count: sorted.length, types: [], datastreamId: [], thingId: [], lon: [], lat: [], type: [], assetShared: [], assetRest: [], state: [], age: [], value: [] };
  const typeIndex = new Map<string, number>();
  let previous = { datastreamId: 0, thingId: 0, lon: 0, lat: 0, assetId: '' };
  for (const s of sorted) {
    const assetId = s.assetId ?? '';
    // The name's pattern: the asset id in it replaced by a placeholder, so "甲烷 A-1" and "甲烷 A-2" share one.
    const pattern = assetId && s.name.includes(assetId) ? s.name.replace(assetId, ASSET) : s.name.replaceAll(ASSET, '');
    const tuple: CompactType = [s.observedProperty, s.unitSymbol, s.assetKind ?? '', pattern];
    const key = tuple.join('\u0000');
    let index = typeIndex.get(key);
    if (index === undefined) {
      index = out.types.length;
      out.types.push(tuple);
      typeIndex.set(key, index);
    }
    const lon = Math.round(s.lonDegrees * MICRODEGREES);
    const lat = Math.round(s.latDegrees * MICRODEGREES);
    const shared = sharedPrefixLength(previous.assetId, assetId);
    out.datastreamId.push(s.datastreamId - previous.datastreamId);
    out.thingId.push(s.thingId - previous.thingId);
    out.lon.push(lon - previous.lon);
    out.lat.push(lat - previous.lat);
    out.type.push(index);
    out.assetShared.push(shared);
    out.assetRest.push(assetId.slice(shared));
    out.state.push(s.state === 'normal' ? 0 : s.state);
    out.age.push(s.timeMs === undefined ? null : asOfMs - s.timeMs);
    out.value.push(s.value === undefined || !Number.isFinite(s.value) ? null : s.value);
    previous = { datastreamId: s.datastreamId, thingId: s.thingId, lon, lat, assetId };
  }
  return out;
}

/** Decode; throws on a document whose columns do not agree (a server of another version). */
export function decodeCompactSensors(document: CompactSensors): CompactSensor[] {
  const n = document.count;
  const columns = [document.datastreamId, document.thingId, document.lon, document.lat, document.type, document.assetShared, document.assetRest, document.state, document.age, document.value];
  if (!Number.isInteger(n) || n < 0 || columns.some((c) => !Array.isArray(c) || c.length !== n)) throw new Error(`compact sensors: every column must have ${n} entries`);
  const asOfMs = Date.parse(document.asOf);
  if (!Number.isFinite(asOfMs)) throw new Error(`compact sensors: asOf ${document.asOf} is not a time`);
  const sensors: CompactSensor[] = new Array<CompactSensor>(n);
  let datastreamId = 0;
  let thingId = 0;
  let lon = 0;
  let lat = 0;
  let assetId = '';
  for (let i = 0; i < n; i++) {
    datastreamId += document.datastreamId[i]!;
    thingId += document.thingId[i]!;
    lon += document.lon[i]!;
    lat += document.lat[i]!;
    assetId = assetId.slice(0, document.assetShared[i]!) + document.assetRest[i]!;
    const type = document.types[document.type[i]!];
    if (!type) throw new Error(`compact sensors: sensor ${datastreamId} names type ${document.type[i]}, which is not in the document`);
    const [observedProperty, unitSymbol, assetKind, pattern] = type;
    const state = document.state[i]!;
    const age = document.age[i];
    const value = document.value[i];
    sensors[i] = {
      datastreamId,
      thingId,
      name: assetId ? pattern.replace(ASSET, assetId) : pattern,
      ...(assetId ? { assetId } : {}),
      ...(assetKind ? { assetKind } : {}),
      observedProperty,
      unitSymbol,
      lonDegrees: lon / MICRODEGREES,
      latDegrees: lat / MICRODEGREES,
      ...(value === null || value === undefined ? {} : { value }),
      ...(age === null || age === undefined ? {} : { timeMs: asOfMs - age }),
      state: isWarningLevel(state) ? state : 'normal',
    };
  }
  return sensors;
}
