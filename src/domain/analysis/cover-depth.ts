/**
 * Cover-depth check (覆土, GB/T 45668-2025 §5.4.5b): segments whose cover (ground to pipe top)
 * is below the minimum for their type (cover-depth-rules.json, one row per type with its clause).
 * Cover varies linearly along a segment between its ends, so the shallowest point is an end.
 */
import { coverDepthMetres, type PipelineType, type PipeSegment } from '../pipelines.ts';

/** Survey depths are in millimetres: differences below half a millimetre are rounding, not shortfall. */
const TOLERANCE_METRES = 0.0005;

export interface CoverRule {
  type: PipelineType;
  minimumCoverMetres: number;
  clause: string;
  status: 'sourced' | 'assumed';
}

export interface CoverFinding {
  segmentId: string;
  type: PipelineType;
  /** The shallower end. */
  end: 'start' | 'end';
  coverMetres: number;
  requiredMetres: number;
  clause: string;
}

/** Findings, shallowest shortfall first. Ground elevation is 0 unless given per segment. */
export function checkCoverDepth(segments: readonly PipeSegment[], rules: readonly CoverRule[], groundElevationMetres: (segment: PipeSegment, end: 'start' | 'end') => number = () => 0): CoverFinding[] {
  const ruleByType = new Map(rules.map((r) => [r.type, r]));
  const findings: CoverFinding[] = [];
  for (const segment of segments) {
    const rule = ruleByType.get(segment.type);
    if (!rule) continue;
    const start = coverDepthMetres(groundElevationMetres(segment, 'start'), segment.start, segment.shape);
    const end = coverDepthMetres(groundElevationMetres(segment, 'end'), segment.end, segment.shape);
    const [which, cover] = start <= end ? (['start', start] as const) : (['end', end] as const);
    if (cover < rule.minimumCoverMetres - TOLERANCE_METRES) findings.push({ segmentId: segment.id, type: segment.type, end: which, coverMetres: cover, requiredMetres: rule.minimumCoverMetres, clause: rule.clause });
  }
  return findings.sort((a, b) => a.coverMetres - a.requiredMetres - (b.coverMetres - b.requiredMetres));
}
