/**
 * Clearance check (净距检查, GB/T 45668-2025 §5.4.5b): the horizontal and vertical clear distance
 * between pipes of different types against a rules table (clearance-rules.json, one row per type
 * pair with its clause). Pure: positions come in local metres through the caller's `toLocal`.
 *
 * Candidate pairs come from a static R-tree (flatbush) over the straight pieces, so the check is
 * O(n log n) in the number of pieces, not quadratic. Two pieces that cross in plan are checked
 * vertically at the crossing; pieces that do not cross are checked horizontally at their closest
 * approach. Segments that share a node (tees, joints) are not compared.
 */
import Flatbush from 'flatbush';
import { centreElevationMetres, shapeHeightMetres, shapeWidthMetres, type PipelineType, type PipeSegment } from '../pipelines.ts';

export interface ClearanceRule {
  a: PipelineType;
  b: PipelineType;
  horizontalMetres: number;
  verticalMetres: number;
  clause: string;
  status: 'sourced' | 'assumed';
}

export interface ClearanceViolation {
  segmentA: string;
  segmentB: string;
  kind: 'horizontal' | 'vertical';
  /** Clear distance found (edge to edge), metres; negative when the pipes overlap. */
  clearanceMetres: number;
  requiredMetres: number;
  clause: string;
  /** Where, in local metres: the closest points' midpoint (x east, y north, z up). */
  at: [number, number, number];
}

type LocalPoint = [number, number];

interface Piece {
  segment: PipeSegment;
  a: [number, number, number];
  b: [number, number, number];
}

function ruleKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

/** Closest points of two 2D segments: parameters s, t in [0, 1] and the distance. */
function closestPoints(p1: LocalPoint, q1: LocalPoint, p2: LocalPoint, q2: LocalPoint): { s: number; t: number; distance: number } {
  const d1 = [q1[0] - p1[0], q1[1] - p1[1]];
  const d2 = [q2[0] - p2[0], q2[1] - p2[1]];
  const r = [p1[0] - p2[0], p1[1] - p2[1]];
  const a = d1[0]! * d1[0]! + d1[1]! * d1[1]!;
  const e = d2[0]! * d2[0]! + d2[1]! * d2[1]!;
  const f = d2[0]! * r[0]! + d2[1]! * r[1]!;
  const clamp = (v: number) => Math.min(1, Math.max(0, v));
  let s: number;
  let t: number;
  if (a <= 1e-12 && e <= 1e-12) {
    s = 0;
    t = 0;
  } else if (a <= 1e-12) {
    s = 0;
    t = clamp(f / e);
  } else {
    const c = d1[0]! * r[0]! + d1[1]! * r[1]!;
    if (e <= 1e-12) {
      t = 0;
      s = clamp(-c / a);
    } else {
      const b = d1[0]! * d2[0]! + d1[1]! * d2[1]!;
      const denominator = a * e - b * b;
      s = denominator > 1e-12 ? clamp((b * f - c * e) / denominator) : 0;
      t = (b * s + f) / e;
      if (t < 0) {
        t = 0;
        s = clamp(-c / a);
      } else if (t > 1) {
        t = 1;
        s = clamp((b - c) / a);
      }
    }
  }
  const x1 = p1[0] + d1[0]! * s;
  const y1 = p1[1] + d1[1]! * s;
  const x2 = p2[0] + d2[0]! * t;
  const y2 = p2[1] + d2[1]! * t;
  return { s, t, distance: Math.hypot(x1 - x2, y1 - y2) };
}

/** Straight pieces of every segment in local metres, with centre-line elevations (ground = 0). */
function piecesOf(segments: readonly PipeSegment[], toLocal: (lon: number, lat: number) => LocalPoint): Piece[] {
  const pieces: Piece[] = [];
  for (const segment of segments) {
    const points = segment.path.map(([lon, lat]) => toLocal(lon, lat));
    const lengths = [0];
    for (let i = 1; i < points.length; i++) lengths.push(lengths[i - 1]! + Math.hypot(points[i]![0] - points[i - 1]![0], points[i]![1] - points[i - 1]![1]));
    const total = lengths.at(-1)! || 1;
    const z0 = centreElevationMetres(0, segment.start, segment.shape);
    const z1 = centreElevationMetres(0, segment.end, segment.shape);
    const z = (i: number) => z0 + ((z1 - z0) * lengths[i]!) / total;
    for (let i = 1; i < points.length; i++) pieces.push({ segment, a: [...points[i - 1]!, z(i - 1)], b: [...points[i]!, z(i)] });
  }
  return pieces;
}

export function checkClearances(segments: readonly PipeSegment[], rules: readonly ClearanceRule[], toLocal: (lon: number, lat: number) => LocalPoint): ClearanceViolation[] {
  const ruleByPair = new Map(rules.map((r) => [ruleKey(r.a, r.b), r]));
  const pieces = piecesOf(segments, toLocal);
  if (pieces.length === 0) return [];
  const widest = Math.max(...segments.map((s) => shapeWidthMetres(s.shape)));
  const searchMetres = Math.max(0, ...rules.map((r) => r.horizontalMetres)) + widest;
  const index = new Flatbush(pieces.length);
  for (const p of pieces) index.add(Math.min(p.a[0], p.b[0]), Math.min(p.a[1], p.b[1]), Math.max(p.a[0], p.b[0]), Math.max(p.a[1], p.b[1]));
  index.finish();
  // The worst finding per pair of segments and kind.
  const worst = new Map<string, ClearanceViolation>();
  pieces.forEach((p, i) => {
    const candidates = index.search(Math.min(p.a[0], p.b[0]) - searchMetres, Math.min(p.a[1], p.b[1]) - searchMetres, Math.max(p.a[0], p.b[0]) + searchMetres, Math.max(p.a[1], p.b[1]) + searchMetres);
    for (const j of candidates) {
      if (j <= i) continue;
      const q = pieces[j]!;
      const sa = p.segment;
      const sb = q.segment;
      if (sa === sb) continue;
      const rule = ruleByPair.get(ruleKey(sa.type, sb.type));
      if (!rule) continue;
      if (sa.fromNodeId === sb.fromNodeId || sa.fromNodeId === sb.toNodeId || sa.toNodeId === sb.fromNodeId || sa.toNodeId === sb.toNodeId) continue;
      const { s, t, distance } = closestPoints([p.a[0], p.a[1]], [p.b[0], p.b[1]], [q.a[0], q.a[1]], [q.b[0], q.b[1]]);
      const za = p.a[2] + (p.b[2] - p.a[2]) * s;
      const zb = q.a[2] + (q.b[2] - q.a[2]) * t;
      const x = (p.a[0] + (p.b[0] - p.a[0]) * s + q.a[0] + (q.b[0] - q.a[0]) * t) / 2;
      const y = (p.a[1] + (p.b[1] - p.a[1]) * s + q.a[1] + (q.b[1] - q.a[1]) * t) / 2;
      const halfWidths = (shapeWidthMetres(sa.shape) + shapeWidthMetres(sb.shape)) / 2;
      let finding: ClearanceViolation | undefined;
      if (distance < halfWidths) {
        // Crossing (or touching) in plan: the vertical clear distance decides.
        const clearance = Math.abs(za - zb) - (shapeHeightMetres(sa.shape) + shapeHeightMetres(sb.shape)) / 2;
        if (clearance < rule.verticalMetres) finding = { segmentA: sa.id, segmentB: sb.id, kind: 'vertical', clearanceMetres: clearance, requiredMetres: rule.verticalMetres, clause: rule.clause, at: [x, y, (za + zb) / 2] };
      } else {
        const clearance = distance - halfWidths;
        if (clearance < rule.horizontalMetres) finding = { segmentA: sa.id, segmentB: sb.id, kind: 'horizontal', clearanceMetres: clearance, requiredMetres: rule.horizontalMetres, clause: rule.clause, at: [x, y, (za + zb) / 2] };
      }
      if (!finding) continue;
      const key = `${finding.segmentA}|${finding.segmentB}|${finding.kind}`;
      const previous = worst.get(key);
      if (!previous || finding.clearanceMetres < previous.clearanceMetres) worst.set(key, finding);
    }
  });
  return [...worst.values()].sort((a, b) => a.clearanceMetres - b.clearanceMetres);
}
