/**
 * Pipeline survey features (GeoJSON features, or shapefile records read into that shape) →
 * a PipeNetwork. Lines become segments, points become assets (manholes, valves, fittings …).
 * Several inputs are assembled together, because survey data arrives as a line file and a point
 * file per type, and lines name their end points (起点点号/终点点号) in the point file.
 *
 * Lines without node references are joined by position: an end that lies on a point feature
 * (within 1 cm) takes that point; ends that meet only each other get a junction of their own.
 *
 * Problems name the file, the feature index and the reason. A problem stops the import unless
 * `skipInvalid` is set, in which case the feature is skipped and counted by reason.
 */
import { segmentProblems, type PipelineType, type PipeNetwork, type PipeSegment, type PipeStatus, type PointAsset, type VerticalPosition } from '../../domain/pipelines.ts';
import { toLonLat, UnknownCrsError, type PositionConverter } from '../crs.ts';
import { TilingInputError } from '../errors.ts';
import { fieldValue, mergeFieldMap, numberValue, pipelineTypeOf, pointKindOf, sectionOf, type PipeFieldMap } from './pipe-fields.ts';

export interface PipeInput {
  /** File name, for messages. */
  sourceName: string;
  features: AsyncIterable<unknown> | Iterable<unknown>;
  /** The CRS the file declares (GeoJSON `crs` member, shapefile .prj), once read. */
  declaredCrs?: () => string | undefined;
}

export interface PipeImportOptions {
  /** CRS of the coordinates; overrides what the file declares. Default: the declared one, else EPSG:4326. */
  crs?: string;
  /** Type for features that carry none (a file per type, as survey data often comes). */
  pipelineType?: PipelineType;
  /** Field names of this project, tried before the defaults. */
  fields?: Partial<Record<keyof PipeFieldMap, string | string[]>>;
  /** Cover depth for segments that give neither depth nor invert (counted in the report). */
  defaultDepthMetres?: number;
  skipInvalid?: boolean;
}

export interface PipeImportReport {
  inputs: string[];
  featuresRead: number;
  segments: number;
  assets: number;
  /** Junctions made where line ends met without a point feature. */
  junctionsAdded: number;
  depthDefaulted: number;
  skipped: Record<string, number>;
  /** The first 100 skipped features, with their file, index and reason. */
  skippedFeatures: { file: string; index: number; reason: string }[];
}

interface Origin {
  file: string;
  index: number;
}

class FeatureProblem extends Error {
  constructor(
    message: string,
    /** The reason without the feature's particulars, for counting skips. */
    readonly category = message,
  ) {
    super(message);
  }
}

const SNAP_DEGREES = 1e-7; // about 1 cm

function positionKey(lon: number, lat: number): string {
  return `${Math.round(lon / SNAP_DEGREES)},${Math.round(lat / SNAP_DEGREES)}`;
}

function text(value: unknown): string | undefined {
  return value === undefined ? undefined : String(value).trim();
}

const STATUS_VALUES: Record<string, PipeStatus> = { 'in-service': 'in-service', 在用: 'in-service', 使用: 'in-service', 运行: 'in-service', abandoned: 'abandoned', 废弃: 'abandoned', 停用: 'abandoned', planned: 'planned', 规划: 'planned', 'under-construction': 'under-construction', 在建: 'under-construction', 施工: 'under-construction' };

export async function importPipeFeatures(inputs: readonly PipeInput[], options: PipeImportOptions = {}): Promise<{ network: PipeNetwork; report: PipeImportReport }> {
  let fields: PipeFieldMap;
  try {
    fields = mergeFieldMap(options.fields);
  } catch (error) {
    throw new TilingInputError('--fields', undefined, (error as Error).message);
  }
  const report: PipeImportReport = { inputs: inputs.map((i) => i.sourceName), featuresRead: 0, segments: 0, assets: 0, junctionsAdded: 0, depthDefaulted: 0, skipped: {}, skippedFeatures: [] };
  const skip = (origin: Origin, reason: string, category = reason) => {
    report.skipped[category] = (report.skipped[category] ?? 0) + 1;
    if (report.skippedFeatures.length < 100) report.skippedFeatures.push({ ...origin, reason });
  };
  const fail = (origin: Origin, reason: string): never => {
    throw new TilingInputError(origin.file, origin.index, reason);
  };
  const problem = (origin: Origin, reason: string, category?: string) => {
    if (!options.skipInvalid) fail(origin, reason);
    skip(origin, reason, category);
  };

  const lines: { origin: Origin; segment: Omit<PipeSegment, 'fromNodeId' | 'toNodeId'> & { fromNodeId?: string; toNodeId?: string } }[] = [];
  const assets = new Map<string, { origin: Origin; asset: PointAsset }>();
  const segmentIds = new Map<string, Origin>();

  for (const input of inputs) {
    let convert: PositionConverter | undefined;
    let crsName = '';
    const converter = (): PositionConverter => {
      if (convert) return convert;
      crsName = options.crs ?? input.declaredCrs?.() ?? 'EPSG:4326';
      try {
        convert = toLonLat(crsName);
      } catch (error) {
        throw new TilingInputError(input.sourceName, undefined, error instanceof UnknownCrsError ? error.message : `CRS ${crsName}: ${(error as Error).message}`);
      }
      return convert;
    };
    if (options.crs) converter(); // an unknown --crs fails before any reading
    let index = -1;
    for await (const raw of input.features) {
      index++;
      report.featuresRead++;
      const origin = { file: input.sourceName, index };
      const feature = raw as { type?: unknown; geometry?: { type?: unknown; coordinates?: unknown } | null; properties?: Record<string, unknown> | null };
      if (!feature || typeof feature !== 'object' || feature.type !== 'Feature') {
        problem(origin, 'not a GeoJSON Feature');
        continue;
      }
      const properties = feature.properties ?? {};
      const geometry = feature.geometry;
      if (!geometry) {
        skip(origin, 'no geometry');
        continue;
      }
      const place = (position: unknown): [number, number] => {
        if (!Array.isArray(position) || position.length < 2 || !position.slice(0, 2).every((c) => typeof c === 'number' && Number.isFinite(c))) throw new FeatureProblem(`invalid position ${JSON.stringify(position)}`, 'invalid position');
        const [lon, lat] = converter()(position[0] as number, position[1] as number);
        if (!(Math.abs(lon) <= 180 && Math.abs(lat) <= 90)) {
          throw new FeatureProblem(`position ${JSON.stringify(position)} is not a longitude/latitude in ${crsName}; name the data's CRS with --crs`, 'not longitude/latitude');
        }
        return [lon, lat];
      };
      try {
        const rawType = fieldValue(properties, fields.pipelineType);
        const type = rawType === undefined ? (options.pipelineType ?? 'unknown') : pipelineTypeOf(rawType);
        if (!type) throw new FeatureProblem(`unknown pipeline type ${JSON.stringify(rawType)} (use 给水, 雨水, 污水, 燃气, 热力, 电力, 通信, 工业, 综合管廊, a CJJ 61 code such as JS, or our names)`, 'unknown pipeline type');
        const id = text(fieldValue(properties, fields.id));
        if (geometry.type === 'Point') {
          if (!id) throw new FeatureProblem('point has no id (编号/点号), so no line can refer to it');
          const [lonDegrees, latDegrees] = place(geometry.coordinates);
          const rawKind = fieldValue(properties, fields.kind);
          const kind = pointKindOf(rawKind);
          if (!kind) throw new FeatureProblem(`unknown point kind ${JSON.stringify(rawKind)} (检查井, 阀门, 消防栓, 三通 …)`, 'unknown point kind');
          const asset: PointAsset = { id, kind, type, lonDegrees, latDegrees, groundElevationMetres: numberValue(fieldValue(properties, fields.groundElevation)) ?? 0 };
          if (!Number.isFinite(asset.groundElevationMetres)) throw new FeatureProblem('ground elevation (地面高程) is not a number');
          const wellDepth = numberValue(fieldValue(properties, fields.wellDepth));
          if (wellDepth !== undefined) {
            if (!(wellDepth >= 0)) throw new FeatureProblem(`negative or invalid well depth (井深) ${JSON.stringify(fieldValue(properties, fields.wellDepth))}`, 'negative well depth');
            asset.depthMetres = wellDepth;
          }
          const valveState = text(fieldValue(properties, fields.valveState));
          if (valveState !== undefined) asset.valveState = /^(closed|关|关闭|0)$/i.test(valveState) ? 'closed' : 'open';
          else if (kind === 'valve') asset.valveState = 'open';
          const buildingId = text(fieldValue(properties, fields.buildingId));
          if (buildingId) asset.buildingId = buildingId;
          const previous = assets.get(id);
          if (previous) throw new FeatureProblem(`duplicate point id ${id} (also ${previous.origin.file} feature ${previous.origin.index})`, 'duplicate point id');
          assets.set(id, { origin, asset });
          continue;
        }
        if (geometry.type !== 'LineString' && geometry.type !== 'MultiLineString') {
          skip(origin, `unsupported geometry ${String(geometry.type)}`, `unsupported geometry ${String(geometry.type)}`);
          continue;
        }
        if (!id) throw new FeatureProblem('line has no id (编号/管线编号)');
        const parts = (geometry.type === 'LineString' ? [geometry.coordinates] : geometry.coordinates) as unknown[];
        if (!Array.isArray(parts) || parts.some((p) => !Array.isArray(p))) throw new FeatureProblem('invalid line coordinates');
        const rawSection = fieldValue(properties, fields.diameter);
        let shape = sectionOf(rawSection);
        const width = numberValue(fieldValue(properties, fields.width));
        const height = numberValue(fieldValue(properties, fields.height));
        if (!shape && width !== undefined && height !== undefined) shape = { kind: 'box', widthMillimetres: width, heightMillimetres: height };
        if (!shape) throw new FeatureProblem(rawSection === undefined ? 'missing diameter (管径/diameterMillimetres)' : `unreadable diameter ${JSON.stringify(rawSection)} (expected e.g. 300, DN300 or 400X300)`, rawSection === undefined ? 'missing diameter' : 'unreadable diameter');
        const position = (depthNames: string[], invertNames: string[], end: 'start' | 'end'): VerticalPosition => {
          const depth = numberValue(fieldValue(properties, depthNames)) ?? numberValue(fieldValue(properties, fields.depth));
          if (depth !== undefined) {
            if (!(depth >= 0)) throw new FeatureProblem(`negative or invalid ${end} depth (${end === 'start' ? '起点埋深' : '终点埋深'}) ${JSON.stringify(fieldValue(properties, depthNames) ?? fieldValue(properties, fields.depth))}`, 'negative depth');
            return { depthMetres: depth };
          }
          const invert = numberValue(fieldValue(properties, invertNames));
          if (invert !== undefined) {
            if (!Number.isFinite(invert)) throw new FeatureProblem(`invalid ${end} invert elevation`, 'invalid invert elevation');
            return { invertElevationMetres: invert };
          }
          if (options.defaultDepthMetres !== undefined) {
            report.depthDefaulted++;
            return { depthMetres: options.defaultDepthMetres };
          }
          throw new FeatureProblem(`missing ${end} depth (${end === 'start' ? '起点埋深/startDepthMetres' : '终点埋深/endDepthMetres'}) or invert elevation; give --default-depth to assume one`, 'missing depth');
        };
        const start = position(fields.startDepth, fields.startInvertElevation, 'start');
        const end = position(fields.endDepth, fields.endInvertElevation, 'end');
        const installYear = numberValue(fieldValue(properties, fields.installYear));
        const status = text(fieldValue(properties, fields.status));
        const base = {
          type,
          shape,
          start,
          end,
          material: text(fieldValue(properties, fields.material)),
          pressureClass: text(fieldValue(properties, fields.pressureClass)),
          installYear: installYear !== undefined && Number.isFinite(installYear) ? Math.trunc(installYear) : undefined,
          owner: text(fieldValue(properties, fields.owner)),
          status: status === undefined ? undefined : STATUS_VALUES[status],
          fromNodeId: text(fieldValue(properties, fields.fromNode)),
          toNodeId: text(fieldValue(properties, fields.toNode)),
        };
        parts.forEach((part, k) => {
          const path = (part as unknown[]).map(place);
          const segmentId = parts.length === 1 ? id : `${id}#${k + 1}`;
          const previous = segmentIds.get(segmentId);
          if (previous) throw new FeatureProblem(`duplicate line id ${segmentId} (also ${previous.file} feature ${previous.index})`, 'duplicate line id');
          if (path.length < 2) throw new FeatureProblem(`line ${segmentId} needs at least 2 positions`, 'fewer than 2 positions');
          segmentIds.set(segmentId, origin);
          // Node references hold for a single line; the parts of a multi-line are joined by position.
          const segment = { ...base, id: segmentId, path, fromNodeId: parts.length === 1 ? base.fromNodeId : undefined, toNodeId: parts.length === 1 ? base.toNodeId : undefined };
          for (const key of Object.keys(segment) as (keyof typeof segment)[]) if (segment[key] === undefined) delete segment[key];
          lines.push({ origin, segment });
        });
      } catch (error) {
        if (!(error instanceof FeatureProblem)) throw error;
        problem(origin, error.message, error.category);
      }
    }
  }

  // Join ends to nodes: named points first, then points at the same position, then new junctions.
  const byPosition = new Map<string, string>();
  for (const { asset } of assets.values()) byPosition.set(positionKey(asset.lonDegrees, asset.latDegrees), asset.id);
  const junctions: PointAsset[] = [];
  const nodeAt = (position: [number, number], type: PipelineType): string => {
    const key = positionKey(position[0], position[1]);
    let id = byPosition.get(key);
    if (!id) {
      id = `J${String(junctions.length + 1).padStart(6, '0')}`;
      while (assets.has(id)) id = `${id}_`;
      junctions.push({ id, kind: 'junction', type, lonDegrees: position[0], latDegrees: position[1], groundElevationMetres: 0 });
      byPosition.set(key, id);
    }
    return id;
  };
  const segments: PipeSegment[] = [];
  for (const { segment } of lines) {
    segments.push({ ...segment, fromNodeId: segment.fromNodeId ?? nodeAt(segment.path[0]!, segment.type), toNodeId: segment.toNodeId ?? nodeAt(segment.path.at(-1)!, segment.type) });
  }
  const nodeIds = new Set<string>([...assets.keys(), ...junctions.map((j) => j.id)]);
  const valid: PipeSegment[] = [];
  segments.forEach((segment, i) => {
    const problems = segmentProblems(segment, nodeIds);
    if (problems.length === 0) {
      valid.push(segment);
      return;
    }
    const origin = lines[i]!.origin;
    const reason = problems.join('; ');
    problem(origin, reason, /unknown node/.test(reason) ? 'refers to an unknown node' : reason.replace(/^segment \S+: /, ''));
  });
  const network: PipeNetwork = { segments: valid, assets: [...[...assets.values()].map((a) => a.asset), ...junctions] };
  report.segments = network.segments.length;
  report.assets = network.assets.length;
  report.junctionsAdded = junctions.length;
  return { network, report };
}
