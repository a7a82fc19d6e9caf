/**
 * Reading a user's grids (网格) from a GeoJSON FeatureCollection or an ESRI shapefile: each
 * feature a street, community or unit grid polygon with its code, name and grid workers. The
 * coordinates are reprojected to lon/lat from the CRS the file declares (.prj, GeoJSON `crs`) or
 * the one given. The whole set is checked (src/domain/grids checkGridSet) before anything is
 * written, and the store replaces its grids in one transaction: bad input stores nothing.
 *
 * Fields (the first present): code: code, gridCode, grid_code, 网格编码, 编码, WGBM; name: name,
 * gridName, 网格名称, 名称, WGMC; level (optional; must agree with the code): level, 层级;
 * workers: workers, 网格员, WGY: a list of {name, phone} or text "李明 13800000000、王芳".
 */
import { openGeoJson } from '../../tiling/geojson-reader.ts';
import { openShapefile } from '../../tiling/readers/shapefile.ts';
import { toLonLat, UnknownCrsError } from '../../tiling/crs.ts';
import { TilingInputError } from '../../tiling/errors.ts';
import { checkGridSet, GridInputError, type GridGeometry, type GridInput, type GridWorker, type Position } from '../../domain/grids/grids.ts';
import { openGridStore } from './grid-store.ts';

const CODE_FIELDS = ['code', 'gridCode', 'grid_code', 'GRIDCODE', '网格编码', '编码', 'WGBM'];
const NAME_FIELDS = ['name', 'gridName', 'grid_name', 'NAME', '网格名称', '名称', 'WGMC'];
const LEVEL_FIELDS = ['level', 'LEVEL', '层级'];
const WORKER_FIELDS = ['workers', 'WORKERS', '网格员', 'WGY'];

function field(properties: Record<string, unknown>, names: string[]): unknown {
  for (const name of names) if (properties[name] !== undefined && properties[name] !== null && properties[name] !== '') return properties[name];
  return undefined;
}

/** Grid workers from a list of {name, phone} or names, or text "李明 13800000000、王芳". */
export function parseWorkers(value: unknown): GridWorker[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.map((w) => (typeof w === 'string' ? { name: w } : (w as GridWorker)));
  return String(value)
    .split(/[,，;；、\n]/)
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const match = /^(.*?)\s+(\+?[\d-]{5,})$/.exec(entry);
      return match ? { name: match[1]!.trim(), phone: match[2]! } : { name: entry };
    });
}

export class GridFileError extends Error {
  constructor(readonly file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'GridFileError';
  }
}

function reproject(geometry: GridGeometry, convert: (x: number, y: number) => [number, number]): GridGeometry {
  const ring = (positions: Position[]) => positions.map((p) => (Array.isArray(p) && typeof p[0] === 'number' && typeof p[1] === 'number' ? convert(p[0], p[1]) : p));
  return geometry.type === 'Polygon'
    ? { type: 'Polygon', coordinates: geometry.coordinates.map(ring) }
    : { type: 'MultiPolygon', coordinates: geometry.coordinates.map((polygon) => polygon.map(ring)) };
}

/** The grids of a .geojson/.json or .shp file, as the store takes them (not yet checked). */
export async function readGridFile(file: string, options: { crs?: string; encoding?: string } = {}): Promise<GridInput[]> {
  let source: { features: AsyncIterable<unknown> | Iterable<unknown>; declaredCrs?: () => string | undefined };
  try {
    if (/\.shp$/i.test(file)) source = await openShapefile(file, { encoding: options.encoding });
    else if (/\.(geo)?json$/i.test(file)) source = await openGeoJson(file);
    else throw new GridFileError(file, 'not a .geojson, .json or .shp file');
  } catch (error) {
    if (error instanceof TilingInputError) throw new GridFileError(file, error.reason);
    throw error;
  }
  const features: unknown[] = [];
  try {
    for await (const feature of source.features) features.push(feature);
  } catch (error) {
    if (error instanceof TilingInputError) throw new GridFileError(file, error.message.replace(`${file}: `, ''));
    throw error;
  }
  const crs = options.crs ?? source.declaredCrs?.();
  let convert: ((x: number, y: number) => [number, number]) | undefined;
  if (crs) {
    try {
      convert = toLonLat(crs);
    } catch (error) {
      if (error instanceof UnknownCrsError) throw new GridFileError(file, error.message);
      throw error;
    }
  }
  return features.map((feature, index) => {
    if (typeof feature !== 'object' || feature === null || (feature as { type?: unknown }).type !== 'Feature') throw new GridInputError(`feature ${index}`, 'not a GeoJSON Feature');
    const { properties, geometry } = feature as { properties?: Record<string, unknown> | null; geometry?: GridGeometry | null };
    const props = properties ?? {};
    const code = field(props, CODE_FIELDS);
    const level = field(props, LEVEL_FIELDS);
    const input: GridInput = {
      code: typeof code === 'number' ? String(code) : (code as string),
      name: field(props, NAME_FIELDS) as string,
      workers: parseWorkers(field(props, WORKER_FIELDS)),
      geometry: geometry && convert && (geometry.type === 'Polygon' || geometry.type === 'MultiPolygon') && Array.isArray(geometry.coordinates) ? reproject(geometry, convert) : (geometry as GridGeometry),
    };
    if (level !== undefined) input.level = level as GridInput['level'];
    return input;
  });
}

/**
 * Import a file into the grid store at a location, replacing its grids. Throws GridFileError or
 * GridInputError (naming the file, the feature and the reason) and stores nothing on bad input.
 */
export async function importGrids(file: string, location: string, options: { crs?: string; encoding?: string } = {}): Promise<number> {
  const grids = await readGridFile(file, options);
  if (grids.length === 0) throw new GridFileError(file, 'has no features');
  // Checked before the store is opened: a bad file leaves no trace (replaceAll checks again, all or nothing).
  checkGridSet(grids);
  const store = await openGridStore(location);
  try {
    return await store.replaceAll(grids);
  } finally {
    await store.close();
  }
}
