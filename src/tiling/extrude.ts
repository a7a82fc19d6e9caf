/**
 * LoD1 extrusion of building footprints into one merged triangle mesh per tile. Roofs and
 * floors are triangulated by earcut (the triangulator three.js uses); walls are one quad per
 * footprint edge with flat normals. Output is in glTF's Y-up axes in a tile's LocalFrame.
 */
import earcut from 'earcut';
import type { FlatRings } from './footprint.ts';
import type { LocalFrame } from './local-frame.ts';

export interface TileMesh {
  positions: Float32Array;
  normals: Float32Array;
  /** Feature ID per vertex: the row of the building in the tile's property table. */
  featureIds: Uint16Array | Uint32Array;
  indices: Uint16Array | Uint32Array;
  /** Optional per-vertex colour, RGBA 0–255 (sRGB): pipes carry their CJJ 61 colour this way. */
  colours?: Uint8Array;
  /** Optional second feature ID per vertex (`_FEATURE_ID_1`): city models' semantic surface type, a row of the `surface` table. */
  surfaceIds?: Uint16Array;
}

/** Bases higher than this get a floor (a podium-raised part is visible from below). */
const VISIBLE_FLOOR_MINIMUM_METRES = 0.5;

class GrowableFloats {
  data = new Float32Array(1024);
  length = 0;
  push3(a: number, b: number, c: number): void {
    if (this.length + 3 > this.data.length) {
      const next = new Float32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = a;
    this.data[this.length++] = b;
    this.data[this.length++] = c;
  }
  toArray(): Float32Array {
    return this.data.slice(0, this.length);
  }
}

class GrowableInts {
  data = new Uint32Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length + 1 > this.data.length) {
      const next = new Uint32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
}

function ringSignedArea(xy: Float64Array): number {
  let sum = 0;
  const n = xy.length / 2;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    sum += xy[2 * i]! * xy[2 * j + 1]! - xy[2 * j]! * xy[2 * i + 1]!;
  }
  return sum / 2;
}

export class TileMeshBuilder {
  private positions = new GrowableFloats();
  private normals = new GrowableFloats();
  private featureIds = new GrowableInts();
  private indices = new GrowableInts();

  constructor(private readonly frame: LocalFrame) {}

  get vertexCount(): number {
    return this.positions.length / 3;
  }

  private vertex(local: readonly number[], normalEnu: readonly [number, number, number], featureId: number): number {
    const index = this.vertexCount;
    // ENU (e, n, u) → glTF Y-up (e, u, −n).
    this.positions.push3(local[0]!, local[2]!, -local[1]!);
    this.normals.push3(normalEnu[0], normalEnu[2], -normalEnu[1]);
    this.featureIds.push(featureId);
    return index;
  }

  /**
   * Extrude one polygon (outer ring and holes, lon/lat degrees) between two ellipsoidal
   * heights. Returns the number of triangles added (0 if the polygon is degenerate).
   */
  addExtrusion(rings: FlatRings, baseHeightMetres: number, topHeightMetres: number, featureId: number): number {
    const startIndexCount = this.indices.length;
    const baseRings: Float64Array[] = [];
    const topRings: Float64Array[] = [];
    for (const ring of rings) {
      const n = ring.length / 2;
      const base = new Float64Array(n * 3);
      const top = new Float64Array(n * 3);
      for (let i = 0; i < n; i++) {
        base.set(this.frame.toLocal(ring[2 * i]!, ring[2 * i + 1]!, baseHeightMetres), 3 * i);
        top.set(this.frame.toLocal(ring[2 * i]!, ring[2 * i + 1]!, topHeightMetres), 3 * i);
      }
      baseRings.push(base);
      topRings.push(top);
    }

    // Caps: earcut on local east/north.
    const flat: number[] = [];
    const holeIndices: number[] = [];
    topRings.forEach((ring, r) => {
      if (r > 0) holeIndices.push(flat.length / 2);
      for (let i = 0; i < ring.length; i += 3) flat.push(ring[i]!, ring[i + 1]!);
    });
    const triangles = earcut(flat, holeIndices, 2);
    const allTop = concat(topRings);
    const allBase = concat(baseRings);
    const withFloor = baseHeightMetres >= VISIBLE_FLOOR_MINIMUM_METRES;
    const roofStart = this.vertexCount;
    for (let i = 0; i < allTop.length; i += 3) this.vertex([allTop[i]!, allTop[i + 1]!, allTop[i + 2]!], [0, 0, 1], featureId);
    const floorStart = this.vertexCount;
    if (withFloor) for (let i = 0; i < allBase.length; i += 3) this.vertex([allBase[i]!, allBase[i + 1]!, allBase[i + 2]!], [0, 0, -1], featureId);
    for (let t = 0; t < triangles.length; t += 3) {
      let a = triangles[t]!;
      let b = triangles[t + 1]!;
      const c = triangles[t + 2]!;
      // Counter-clockwise seen from above, whatever order earcut returned.
      const cross = (flat[2 * b]! - flat[2 * a]!) * (flat[2 * c + 1]! - flat[2 * a + 1]!) - (flat[2 * b + 1]! - flat[2 * a + 1]!) * (flat[2 * c]! - flat[2 * a]!);
      if (cross < 0) [a, b] = [b, a];
      this.indices.push(roofStart + a);
      this.indices.push(roofStart + b);
      this.indices.push(roofStart + c);
      if (withFloor) {
        this.indices.push(floorStart + a);
        this.indices.push(floorStart + c);
        this.indices.push(floorStart + b);
      }
    }

    // Walls: one quad per edge, normal pointing out of the solid.
    rings.forEach((_, r) => {
      const base = baseRings[r]!;
      const top = topRings[r]!;
      const n = base.length / 3;
      const xy = new Float64Array(n * 2);
      for (let i = 0; i < n; i++) {
        xy[2 * i] = base[3 * i]!;
        xy[2 * i + 1] = base[3 * i + 1]!;
      }
      // Outer rings counter-clockwise, holes clockwise: then (dy, −dx) points out of the solid.
      const wantCounterClockwise = r === 0;
      const reverse = ringSignedArea(xy) > 0 !== wantCounterClockwise;
      for (let k = 0; k < n; k++) {
        const i = reverse ? n - 1 - k : k;
        const j = reverse ? (i - 1 + n) % n : (i + 1) % n;
        const dx = xy[2 * j]! - xy[2 * i]!;
        const dy = xy[2 * j + 1]! - xy[2 * i + 1]!;
        const length = Math.hypot(dx, dy);
        if (length === 0) continue;
        const normal: [number, number, number] = [dy / length, -dx / length, 0];
        const a0 = this.vertex([base[3 * i]!, base[3 * i + 1]!, base[3 * i + 2]!], normal, featureId);
        const b0 = this.vertex([base[3 * j]!, base[3 * j + 1]!, base[3 * j + 2]!], normal, featureId);
        const b1 = this.vertex([top[3 * j]!, top[3 * j + 1]!, top[3 * j + 2]!], normal, featureId);
        const a1 = this.vertex([top[3 * i]!, top[3 * i + 1]!, top[3 * i + 2]!], normal, featureId);
        this.indices.push(a0);
        this.indices.push(b0);
        this.indices.push(b1);
        this.indices.push(a0);
        this.indices.push(b1);
        this.indices.push(a1);
      }
    });
    return (this.indices.length - startIndexCount) / 3;
  }

  finish(): TileMesh {
    const vertexCount = this.vertexCount;
    const ids = this.featureIds.data.subarray(0, vertexCount);
    const index = this.indices.data.subarray(0, this.indices.length);
    let maximumId = 0;
    for (const id of ids) if (id > maximumId) maximumId = id;
    return {
      positions: this.positions.toArray(),
      normals: this.normals.toArray(),
      featureIds: maximumId < 65536 ? Uint16Array.from(ids) : Uint32Array.from(ids),
      indices: vertexCount < 65536 ? Uint16Array.from(index) : Uint32Array.from(index),
    };
  }
}

function concat(arrays: Float64Array[]): Float64Array {
  const out = new Float64Array(arrays.reduce((s, a) => s + a.length, 0));
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.length;
  }
  return out;
}
