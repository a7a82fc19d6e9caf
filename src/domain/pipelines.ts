/**
 * Underground pipelines (地下管线): segment and point-asset types, CJJ 61 colours with depth
 * saturation, and the rules between cover depth, centre-line and invert elevations.
 * Pure types and rules; no engine, UI or Node imports. Units are in the names.
 */

/** Pipeline types of CJJ 61-2017 Appendix B, drainage split into storm and sewage. */
export const PIPELINE_TYPES = ['water', 'drainage-storm', 'drainage-sewage', 'gas', 'heat', 'power', 'telecom', 'industrial', 'utility-tunnel', 'unknown'] as const;
export type PipelineType = (typeof PIPELINE_TYPES)[number];

export function isPipelineType(value: unknown): value is PipelineType {
  return typeof value === 'string' && (PIPELINE_TYPES as readonly string[]).includes(value);
}

/** Names in the field's own terms, for legends and panels. */
export const PIPELINE_TYPE_NAMES: Record<PipelineType, { zh: string; en: string }> = {
  water: { zh: '给水', en: 'Water supply' },
  'drainage-storm': { zh: '雨水', en: 'Storm drainage' },
  'drainage-sewage': { zh: '污水', en: 'Sewage' },
  gas: { zh: '燃气', en: 'Gas' },
  heat: { zh: '热力', en: 'Heat' },
  power: { zh: '电力', en: 'Power' },
  telecom: { zh: '通信', en: 'Telecom' },
  industrial: { zh: '工业', en: 'Industrial' },
  'utility-tunnel': { zh: '综合管廊', en: 'Utility tunnel' },
  unknown: { zh: '不明', en: 'Unknown' },
};

export type Rgb = readonly [number, number, number];

/**
 * Colours by type: CJJ 61-2017 Appendix B, as transcribed in ../shared/DOMAIN.md. Storm and
 * sewage drainage share the standard's brown.
 */
export const CJJ61_COLOURS: Record<PipelineType, Rgb> = {
  water: [0, 255, 255],
  'drainage-storm': [76, 57, 38],
  'drainage-sewage': [76, 57, 38],
  gas: [255, 0, 255],
  heat: [255, 128, 0],
  power: [255, 0, 0],
  telecom: [0, 255, 0],
  industrial: [0, 0, 0],
  'utility-tunnel': [0, 0, 0],
  unknown: [102, 0, 204],
};

/**
 * Depth layers for GB/T 45668-2025 §6.3.7 ("saturation shows the depth layer: lighter means
 * shallower"). The standard names no bands here; these are assumed and configurable:
 * each band's fraction is how much of the full CJJ 61 colour is kept (the rest is white).
 */
export const DEFAULT_DEPTH_BANDS: readonly { maximumDepthMetres: number; colourFraction: number }[] = [
  { maximumDepthMetres: 1.0, colourFraction: 0.55 },
  { maximumDepthMetres: 2.0, colourFraction: 0.7 },
  { maximumDepthMetres: 4.0, colourFraction: 0.85 },
  { maximumDepthMetres: Infinity, colourFraction: 1.0 },
];

/** The CJJ 61 colour of a type, lightened for shallow pipes (GB/T 45668 §6.3.7). */
export function pipelineColour(type: PipelineType, depthMetres: number, bands = DEFAULT_DEPTH_BANDS): Rgb {
  const base = CJJ61_COLOURS[type];
  const band = bands.find((b) => depthMetres <= b.maximumDepthMetres) ?? bands[bands.length - 1]!;
  const f = band.colourFraction;
  return base.map((c) => Math.round(c * f + 255 * (1 - f))) as unknown as Rgb;
}

export type PipeShape =
  | { kind: 'circular'; diameterMillimetres: number }
  /** Box culvert (方沟): inside width × height. */
  | { kind: 'box'; widthMillimetres: number; heightMillimetres: number };

/** Outside height of a section, metres (wall thickness is not modelled). */
export function shapeHeightMetres(shape: PipeShape): number {
  return (shape.kind === 'circular' ? shape.diameterMillimetres : shape.heightMillimetres) / 1000;
}

export function shapeWidthMetres(shape: PipeShape): number {
  return (shape.kind === 'circular' ? shape.diameterMillimetres : shape.widthMillimetres) / 1000;
}

/**
 * Vertical position at one end of a segment, as surveys give it: either the cover depth to the
 * pipe top (覆土深度, from the ground) or the invert elevation (管底/管内底标高).
 */
export type VerticalPosition = { depthMetres: number } | { invertElevationMetres: number };

/** Centre-line elevation from the ground elevation and a vertical position. */
export function centreElevationMetres(groundElevationMetres: number, position: VerticalPosition, shape: PipeShape): number {
  const height = shapeHeightMetres(shape);
  if ('depthMetres' in position) return groundElevationMetres - position.depthMetres - height / 2;
  return position.invertElevationMetres + height / 2;
}

/** Cover depth (ground to pipe top) from the ground elevation and a vertical position. */
export function coverDepthMetres(groundElevationMetres: number, position: VerticalPosition, shape: PipeShape): number {
  if ('depthMetres' in position) return position.depthMetres;
  return groundElevationMetres - (position.invertElevationMetres + shapeHeightMetres(shape));
}

export type PipeStatus = 'in-service' | 'abandoned' | 'planned' | 'under-construction';

export interface PipeSegment {
  id: string;
  type: PipelineType;
  shape: PipeShape;
  /** [lon, lat] degrees from the start node to the end node, vertices included. */
  path: [number, number][];
  fromNodeId: string;
  toNodeId: string;
  start: VerticalPosition;
  end: VerticalPosition;
  material?: string;
  /** Pressure class (压力等级) for gas and water, e.g. 中压A. */
  pressureClass?: string;
  installYear?: number;
  owner?: string;
  status?: PipeStatus;
}

export type PointAssetKind = 'manhole' | 'well' | 'valve' | 'hydrant' | 'junction' | 'service-connection' | 'tank' | 'reservoir' | 'pump';

export interface PointAsset {
  id: string;
  kind: PointAssetKind;
  type: PipelineType;
  lonDegrees: number;
  latDegrees: number;
  /** Ground elevation at the asset, metres. */
  groundElevationMetres: number;
  /** Manholes and wells: depth from the ground to the bottom, metres. */
  depthMetres?: number;
  /** Valves: open or closed. */
  valveState?: 'open' | 'closed';
  /** Service connections: the building served. */
  buildingId?: string;
}

export interface PipeNetwork {
  segments: PipeSegment[];
  assets: PointAsset[];
}

/** Validate one segment; returns the problems in words (empty when valid). */
export function segmentProblems(segment: PipeSegment, nodeIds: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const { shape } = segment;
  if (shape.kind === 'circular' && !(shape.diameterMillimetres > 0)) problems.push(`segment ${segment.id}: missing or non-positive diameter`);
  if (shape.kind === 'box' && !(shape.widthMillimetres > 0 && shape.heightMillimetres > 0)) problems.push(`segment ${segment.id}: box culvert needs a positive width and height`);
  for (const [end, position] of [['start', segment.start], ['end', segment.end]] as const) {
    if ('depthMetres' in position && !(position.depthMetres >= 0)) problems.push(`segment ${segment.id}: negative or missing ${end} depth (${position.depthMetres})`);
  }
  for (const node of [segment.fromNodeId, segment.toNodeId]) if (!nodeIds.has(node)) problems.push(`segment ${segment.id}: refers to unknown node ${node}`);
  if (segment.path.length < 2) problems.push(`segment ${segment.id}: needs at least 2 positions`);
  return problems;
}
