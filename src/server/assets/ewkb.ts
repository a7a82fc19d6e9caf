/**
 * A GeoJSON geometry as hex EWKB with SRID 4326: what the PostgreSQL asset store's load writes
 * for the geometry column (parsed by PostGIS much faster than ST_GeomFromGeoJSON's JSON). The same
 * geometry as ST_SetSRID(ST_GeomFromGeoJSON(…), 4326): a geometry with any 3-coordinate position
 * is 3D, its 2-coordinate positions getting z = 0 (ewkb.test.ts compares the two in PostGIS).
 */
import type { AssetGeometry, Position } from '../../domain/assets.ts';

const TYPE_CODES: Record<AssetGeometry['type'], number> = { Point: 1, LineString: 2, Polygon: 3, MultiPoint: 4, MultiLineString: 5, MultiPolygon: 6 };
const Z_FLAG = 0x80000000;
const SRID_FLAG = 0x20000000;
const SRID = 4326;

/** Nesting depth of positions in each type's coordinates (0: one position). */
const DEPTH: Record<AssetGeometry['type'], number> = { Point: 0, LineString: 1, Polygon: 2, MultiPoint: 1, MultiLineString: 2, MultiPolygon: 3 };

function hasZ(coordinates: unknown, depth: number): boolean {
  if (depth === 0) return (coordinates as Position).length > 2;
  return (coordinates as unknown[]).some((c) => hasZ(c, depth - 1));
}

/** Bytes of the WKB of `coordinates` nested `depth` deep, without its own header (Point: 0). */
function bodyBytes(coordinates: unknown, depth: number, pointBytes: number): number {
  if (depth === 0) return pointBytes;
  if (depth === 1) return 4 + (coordinates as unknown[]).length * pointBytes;
  let bytes = 4;
  for (const c of coordinates as unknown[]) bytes += bodyBytes(c, depth - 1, pointBytes);
  return bytes;
}

class Writer {
  offset = 0;
  constructor(readonly buffer: Buffer, readonly z: boolean) {}
  u8(value: number) {
    this.buffer.writeUInt8(value, this.offset);
    this.offset += 1;
  }
  u32(value: number) {
    this.buffer.writeUInt32LE(value, this.offset);
    this.offset += 4;
  }
  point(p: Position) {
    this.buffer.writeDoubleLE(p[0], this.offset);
    this.buffer.writeDoubleLE(p[1], this.offset + 8);
    this.offset += 16;
    if (this.z) {
      this.buffer.writeDoubleLE(p[2] ?? 0, this.offset);
      this.offset += 8;
    }
  }
  /** A list of points (depth 1) or of lists (depth 2: rings), each with its count. */
  list(coordinates: unknown, depth: number) {
    const items = coordinates as unknown[];
    this.u32(items.length);
    for (const item of items) {
      if (depth === 1) this.point(item as Position);
      else this.list(item, depth - 1);
    }
  }
}

export function geometryEwkbHex(geometry: AssetGeometry): string {
  const { type, coordinates } = geometry;
  const depth = DEPTH[type];
  const z = hasZ(coordinates, depth);
  const pointBytes = z ? 24 : 16;
  const multi = type === 'MultiPoint' || type === 'MultiLineString' || type === 'MultiPolygon';
  const header = 1 + 4 + 4; // byte order, type, SRID
  let bytes = header;
  if (multi) {
    bytes += 4;
    for (const part of coordinates as unknown[]) bytes += 1 + 4 + bodyBytes(part, depth - 1, pointBytes);
  } else bytes += bodyBytes(coordinates, depth, pointBytes);
  const w = new Writer(Buffer.allocUnsafe(bytes), z);
  const zFlag = z ? Z_FLAG : 0;
  w.u8(1);
  w.u32((TYPE_CODES[type] | zFlag | SRID_FLAG) >>> 0);
  w.u32(SRID);
  if (type === 'Point') w.point(coordinates as Position);
  else if (!multi) w.list(coordinates, depth);
  else {
    const partType = TYPE_CODES[type] - 3; // MultiPoint → Point, MultiLineString → LineString, MultiPolygon → Polygon
    w.u32((coordinates as unknown[]).length);
    for (const part of coordinates as unknown[]) {
      w.u8(1);
      w.u32((partType | zFlag) >>> 0);
      if (partType === 1) w.point(part as Position);
      else w.list(part, depth - 1);
    }
  }
  return w.buffer.toString('hex');
}

const POINT_HEADER = Buffer.from([1, 1, 0, 0, 0x20, 0xe6, 0x10, 0, 0]).toString('hex'); // little-endian, Point with SRID, 4326
const pointBuffer = Buffer.alloc(16);

/** A 2D point as hex EWKB with SRID 4326 (what a geography(Point, 4326) column reads too). */
export function pointEwkbHex(lonDegrees: number, latDegrees: number): string {
  pointBuffer.writeDoubleLE(lonDegrees, 0);
  pointBuffer.writeDoubleLE(latDegrees, 8);
  return POINT_HEADER + pointBuffer.toString('hex');
}
