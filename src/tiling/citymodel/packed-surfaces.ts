/**
 * A city object's surfaces packed into one Float64Array (as packed-footprint.ts does for
 * footprints), so the tiler holds a million of them on disk, not as trees of small arrays:
 *   [surfaceCount, (surfaceCode, ringCount, (pointCount, lon, lat, height, …)…)…]
 * lon/lat in WGS84 degrees, height in metres.
 */

export interface PackedSurface {
  /** Row of the surface type in SURFACE_TYPES. */
  code: number;
  /** Outer ring then holes: flat [lon, lat, height, …], not closed. */
  rings: Float64Array[];
}

export function packSurfaces(surfaces: readonly PackedSurface[]): Float64Array {
  let length = 1;
  for (const s of surfaces) {
    length += 2;
    for (const ring of s.rings) length += 1 + ring.length;
  }
  const packed = new Float64Array(length);
  let i = 0;
  packed[i++] = surfaces.length;
  for (const s of surfaces) {
    packed[i++] = s.code;
    packed[i++] = s.rings.length;
    for (const ring of s.rings) {
      packed[i++] = ring.length / 3;
      packed.set(ring, i);
      i += ring.length;
    }
  }
  return packed;
}

export function unpackSurfaces(packed: Float64Array): PackedSurface[] {
  const surfaces: PackedSurface[] = [];
  let i = 0;
  const count = packed[i++]!;
  for (let s = 0; s < count; s++) {
    const code = packed[i++]!;
    const ringCount = packed[i++]!;
    const rings: Float64Array[] = [];
    for (let r = 0; r < ringCount; r++) {
      const points = packed[i++]!;
      rings.push(packed.subarray(i, i + 3 * points));
      i += 3 * points;
    }
    surfaces.push({ code, rings });
  }
  return surfaces;
}
