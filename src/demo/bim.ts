/**
 * The demo's completion model (竣工模型): the buildingSMART Duplex sample (IFC2X3, Revit's default
 * Chicago site) placed on one plot of the demo district by `--origin`, for demonstration only.
 * Pure rules: which plot takes it, where the model's origin goes so that its footprint sits in the
 * middle of the plot's, along its long side, and how the lifecycle record names it.
 */
import type { BuildingLifecycle } from '../domain/lifecycle/lifecycle.ts';
import type { OriginOption } from '../tiling/bim/placement.ts';
import { localToLonLat, type District } from './district.ts';

/** The shared sample, relative to the repository (../shared/data/bim/). */
export const DEMO_BIM_SOURCE = '../shared/data/bim/Duplex_A_20110907.ifc';
/** Its model ID (the BIM store and API) and tileset directory, tiles/demo/bim/<id>. */
export const DEMO_BIM_MODEL = 'duplex';
export const DEMO_BIM_TILES = `tiles/demo/bim/${DEMO_BIM_MODEL}`;

/** The model's extent in its own coordinates (metres, X east and Y north at rotation 0). */
export interface ModelExtent {
  minimumX: number;
  maximumX: number;
  minimumY: number;
  maximumY: number;
}

/** A rectangular single-part demo building that can take the model. */
export interface BimPlot {
  buildingId: string;
  name: string;
  /** Centre of the footprint, degrees. */
  lonDegrees: number;
  latDegrees: number;
  /** Heading of the footprint's long side, degrees clockwise from north, 0–180. */
  longSideHeadingDegrees: number;
  longSideMetres: number;
  shortSideMetres: number;
}

/** Clear space kept around the model inside the plot's footprint, metres on each side. */
const MARGIN_METRES = 0.5;
/** The plot stays low: the Duplex has three storeys and a roof. */
const MAXIMUM_PLOT_HEIGHT_METRES = 24;

/**
 * The smallest rectangular, single-part, low, non-industrial demo building whose footprint holds
 * the model's (long side along long side, with a margin); ties go to the lower ID. Undefined if
 * none fits, or none that `accept` takes (the demo: buildings whose record has a completion
 * stage and no demolition). The same district gives the same plot.
 */
export function pickBimPlot(district: District, extent: ModelExtent, accept: (buildingId: string) => boolean = () => true): BimPlot | undefined {
  const width = extent.maximumX - extent.minimumX;
  const depth = extent.maximumY - extent.minimumY;
  const modelLong = Math.max(width, depth) + 2 * MARGIN_METRES;
  const modelShort = Math.min(width, depth) + 2 * MARGIN_METRES;
  const toLonLat = localToLonLat();
  let best: { plot: BimPlot; area: number } | undefined;
  for (const building of district.buildings) {
    const { id, use, name } = building.properties;
    if (use === 'industrial' || building.parts.length !== 1 || !accept(id)) continue;
    const part = building.parts[0]!;
    if (part.rings.length !== 1 || part.heightMetres > MAXIMUM_PLOT_HEIGHT_METRES) continue;
    const ring = part.rings[0]!;
    if (ring.length !== 5) continue;
    const [a, b, c] = [ring[0]!, ring[1]!, ring[2]!];
    const first = Math.hypot(b[0] - a[0], b[1] - a[1]);
    const second = Math.hypot(c[0] - b[0], c[1] - b[1]);
    const long = Math.max(first, second);
    const short = Math.min(first, second);
    if (long < modelLong || short < modelShort) continue;
    const area = long * short;
    if (best && (area > best.area || (area === best.area && id > best.plot.buildingId))) continue;
    // The long side's heading from the geographic corners (the local grid is not quite north-up).
    const [from, to] = first >= second ? [a, b] : [b, c];
    const [lonFrom, latFrom] = toLonLat(from);
    const [lonTo, latTo] = toLonLat(to);
    const east = (lonTo - lonFrom) * Math.cos((latFrom * Math.PI) / 180);
    const north = latTo - latFrom;
    let heading = (Math.atan2(east, north) * 180) / Math.PI;
    heading = ((heading % 180) + 180) % 180;
    const [lon, lat] = toLonLat([(a[0] + c[0]) / 2, (a[1] + c[1]) / 2]);
    best = { area, plot: { buildingId: id, name, lonDegrees: lon, latDegrees: lat, longSideHeadingDegrees: heading, longSideMetres: long, shortSideMetres: short } };
  }
  return best?.plot;
}

const METRES_PER_DEGREE_LATITUDE = 111_320;

/**
 * The `--origin`/`--rotation` that put the model's extent centred on the plot, its long axis
 * along the plot's long side, its ground floor (model Z = 0) on the ground.
 */
export function bimOrigin(plot: BimPlot, extent: ModelExtent): OriginOption {
  const centreX = (extent.minimumX + extent.maximumX) / 2;
  const centreY = (extent.minimumY + extent.maximumY) / 2;
  const modelLongIsY = extent.maximumY - extent.minimumY >= extent.maximumX - extent.minimumX;
  // The heading is that of the model's +Y axis; turn a quarter when its long axis is X.
  const headingDegrees = modelLongIsY ? plot.longSideHeadingDegrees : plot.longSideHeadingDegrees - 90;
  // Model (x, y) to east/north at that heading (as the tiler's modelToEnu).
  const alpha = (-headingDegrees * Math.PI) / 180;
  const east = centreX * Math.cos(alpha) - centreY * Math.sin(alpha);
  const north = centreX * Math.sin(alpha) + centreY * Math.cos(alpha);
  const latDegrees = plot.latDegrees - north / METRES_PER_DEGREE_LATITUDE;
  const lonDegrees = plot.lonDegrees - east / (METRES_PER_DEGREE_LATITUDE * Math.cos((plot.latDegrees * Math.PI) / 180));
  return { lonDegrees: Number(lonDegrees.toFixed(8)), latDegrees: Number(latDegrees.toFixed(8)), heightMetres: 0, headingDegrees: Number(headingDegrees.toFixed(4)) };
}

/** What the lifecycle record's completion stage says of the model. */
export interface CompletionModel {
  modelId: string;
  /** The IFC file's name. */
  source: string;
}

export const completionModelNote = (model: CompletionModel) => `竣工模型（BIM）：${model.source}，模型 ${model.modelId}（示例模型，仅作演示）`;

/**
 * The record with its completion stage (竣工验收) naming the model: a note and an attachment
 * pointing at the BIM API. Unchanged (the same object) when it already does, or has no such stage.
 */
export function withCompletionModel(record: BuildingLifecycle, model: CompletionModel): BuildingLifecycle {
  const url = `/api/bim/models/${model.modelId}`;
  const index = record.stages.findIndex((s) => s.stage === 'completion-acceptance');
  if (index < 0) return record;
  const stage = record.stages[index]!;
  if (stage.attachments?.some((a) => a.url === url)) return record;
  const note = completionModelNote(model);
  const stages = record.stages.map((s, i) =>
    i === index ? { ...s, note: s.note ? `${s.note}；${note}` : note, attachments: [...(s.attachments ?? []), { name: `竣工模型 ${model.source}`, url }] } : s,
  );
  return { ...record, stages };
}
