/**
 * A building's parts packed into one Float64Array, so a million buildings held between reading
 * and writing cost one typed array each instead of a tree of small arrays (see the tiling
 * benchmark's memory figures). Layout:
 *   [partCount, (baseHeight, topHeight, ringCount, (pointCount, lon, lat, …)…)…]
 */
import type { FlatRings } from './footprint.ts';

export interface FootprintPart {
  rings: FlatRings;
  baseHeightMetres: number;
  topHeightMetres: number;
}

export function packParts(parts: readonly FootprintPart[]): Float64Array {
  let length = 1;
  for (const part of parts) {
    length += 3;
    for (const ring of part.rings) length += 1 + ring.length;
  }
  const packed = new Float64Array(length);
  let i = 0;
  packed[i++] = parts.length;
  for (const part of parts) {
    packed[i++] = part.baseHeightMetres;
    packed[i++] = part.topHeightMetres;
    packed[i++] = part.rings.length;
    for (const ring of part.rings) {
      packed[i++] = ring.length / 2;
      packed.set(ring, i);
      i += ring.length;
    }
  }
  return packed;
}

export function unpackParts(packed: Float64Array): FootprintPart[] {
  const parts: FootprintPart[] = [];
  let i = 0;
  const partCount = packed[i++]!;
  for (let p = 0; p < partCount; p++) {
    const baseHeightMetres = packed[i++]!;
    const topHeightMetres = packed[i++]!;
    const ringCount = packed[i++]!;
    const rings: FlatRings = [];
    for (let r = 0; r < ringCount; r++) {
      const points = packed[i++]!;
      rings.push(packed.subarray(i, i + 2 * points));
      i += 2 * points;
    }
    parts.push({ rings, baseHeightMetres, topHeightMetres });
  }
  return parts;
}

/** Join two packed buildings (a feature that shares its ID with an earlier one). */
export function concatPacked(a: Float64Array, b: Float64Array): Float64Array {
  return packParts([...unpackParts(a), ...unpackParts(b)]);
}
