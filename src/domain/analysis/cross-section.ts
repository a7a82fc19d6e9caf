/**
 * Cross-section (横断面): every pipe a section line on the ground crosses, at true depth and
 * size, ordered along the line, with the clear distances between neighbours checked against the
 * clearance rules. Pure: positions come in local metres through the caller's `toLocal`; the
 * ground is the elevation datum (0), as in the tiles.
 */
import { centreElevationMetres, shapeHeightMetres, shapeWidthMetres, type PipelineType, type PipeSegment, type PipeShape } from '../pipelines.ts';
import type { ClearanceRule } from './clearance.ts';

export interface SectionCrossing {
  segmentId: string;
  type: PipelineType;
  shape: PipeShape;
  /** Distance from the section's start, metres. */
  offsetMetres: number;
  centreElevationMetres: number;
  topElevationMetres: number;
  bottomElevationMetres: number;
  widthMetres: number;
  /** Angle between the pipe and the section line, degrees (90 = square across). */
  angleDegrees: number;
}

export interface SectionClearance {
  /** Indices into crossings (left is nearer the section's start). */
  left: number;
  right: number;
  /** Clear horizontal distance between the outer walls along the section; negative when they overlap in plan. */
  horizontalMetres: number;
  /** Clear vertical distance between the lower pipe's top and the upper pipe's bottom; negative when they overlap in height. */
  verticalMetres: number;
  /** Which clearance the rule applies to: side by side → horizontal, one over the other → vertical. */
  governing: 'horizontal' | 'vertical';
  requiredMetres?: number;
  clause?: string;
  violation: boolean;
}

export interface CrossSection {
  lengthMetres: number;
  crossings: SectionCrossing[];
  clearances: SectionClearance[];
}

type Local = [number, number];

function intersect(p: Local, p2: Local, q: Local, q2: Local): { t: number; u: number } | undefined {
  const r = [p2[0] - p[0], p2[1] - p[1]];
  const s = [q2[0] - q[0], q2[1] - q[1]];
  const denominator = r[0]! * s[1]! - r[1]! * s[0]!;
  if (Math.abs(denominator) < 1e-12) return undefined; // parallel: the section runs along the pipe
  const qp = [q[0] - p[0], q[1] - p[1]];
  const t = (qp[0]! * s[1]! - qp[1]! * s[0]!) / denominator;
  const u = (qp[0]! * r[1]! - qp[1]! * r[0]!) / denominator;
  return t >= 0 && t <= 1 && u >= 0 && u <= 1 ? { t, u } : undefined;
}

export function crossSection(segments: readonly PipeSegment[], from: [number, number], to: [number, number], rules: readonly ClearanceRule[], toLocal: (lon: number, lat: number) => Local): CrossSection {
  const a = toLocal(from[0], from[1]);
  const b = toLocal(to[0], to[1]);
  const lengthMetres = Math.hypot(b[0] - a[0], b[1] - a[1]);
  const crossings: SectionCrossing[] = [];
  for (const segment of segments) {
    const points = segment.path.map(([lon, lat]) => toLocal(lon, lat));
    const lengths = [0];
    for (let i = 1; i < points.length; i++) lengths.push(lengths[i - 1]! + Math.hypot(points[i]![0] - points[i - 1]![0], points[i]![1] - points[i - 1]![1]));
    const total = lengths.at(-1)! || 1;
    const z0 = centreElevationMetres(0, segment.start, segment.shape);
    const z1 = centreElevationMetres(0, segment.end, segment.shape);
    for (let i = 1; i < points.length; i++) {
      const hit = intersect(a, b, points[i - 1]!, points[i]!);
      if (!hit) continue;
      // A crossing exactly at a shared vertex would be found twice: keep the first.
      if (i > 1 && hit.u === 0) continue;
      const along = lengths[i - 1]! + hit.u * (lengths[i]! - lengths[i - 1]!);
      const centre = z0 + ((z1 - z0) * along) / total;
      const height = shapeHeightMetres(segment.shape);
      const pipeDirection = [points[i]![0] - points[i - 1]![0], points[i]![1] - points[i - 1]![1]];
      const cos = Math.abs(((b[0] - a[0]) * pipeDirection[0]! + (b[1] - a[1]) * pipeDirection[1]!) / (lengthMetres * Math.hypot(pipeDirection[0]!, pipeDirection[1]!)));
      crossings.push({
        segmentId: segment.id,
        type: segment.type,
        shape: segment.shape,
        offsetMetres: hit.t * lengthMetres,
        centreElevationMetres: centre,
        topElevationMetres: centre + height / 2,
        bottomElevationMetres: centre - height / 2,
        widthMetres: shapeWidthMetres(segment.shape),
        angleDegrees: (Math.acos(Math.min(1, cos)) * 180) / Math.PI,
      });
    }
  }
  crossings.sort((p, q) => p.offsetMetres - q.offsetMetres || q.centreElevationMetres - p.centreElevationMetres);
  const ruleByPair = new Map(rules.map((r) => [[r.a, r.b].sort().join('|'), r]));
  const clearances: SectionClearance[] = [];
  for (let i = 1; i < crossings.length; i++) {
    const left = crossings[i - 1]!;
    const right = crossings[i]!;
    const horizontalMetres = right.offsetMetres - left.offsetMetres - (left.widthMetres + right.widthMetres) / 2;
    const verticalMetres = Math.max(left.bottomElevationMetres - right.topElevationMetres, right.bottomElevationMetres - left.topElevationMetres);
    const governing = horizontalMetres > 0 ? 'horizontal' : 'vertical';
    const rule = ruleByPair.get([left.type, right.type].sort().join('|'));
    const measured = governing === 'horizontal' ? horizontalMetres : verticalMetres;
    const requiredMetres = rule ? (governing === 'horizontal' ? rule.horizontalMetres : rule.verticalMetres) : undefined;
    clearances.push({ left: i - 1, right: i, horizontalMetres, verticalMetres, governing, requiredMetres, clause: rule?.clause, violation: requiredMetres !== undefined && measured < requiredMetres });
  }
  return { lengthMetres, crossings, clearances };
}
