/**
 * Small hand-made building footprints with known answers, for the tiler's tests.
 * Local metres around a centre are turned into lon/lat through EPSG:4547 (proj4).
 */
import { fromLonLat, toLonLat } from '../crs.ts';

export const FIXTURE_CENTRE = { lonDegrees: 113.12, latDegrees: 23.02 };

type Local = [number, number];

export function localConverter(crs = 'EPSG:4326'): (p: Local) => [number, number] {
  const [cx, cy] = fromLonLat('EPSG:4547')(FIXTURE_CENTRE.lonDegrees, FIXTURE_CENTRE.latDegrees);
  const toGeographic = toLonLat('EPSG:4547');
  if (crs === 'EPSG:4547') return ([x, y]) => [cx + x, cy + y];
  return ([x, y]) => toGeographic(cx + x, cy + y);
}

export function closedRing(points: Local[]): Local[] {
  return [...points, points[0]!];
}

/** A box, an L, a courtyard and a tower on a podium (two parts sharing an ID), with their areas. */
export const FIXTURE_BUILDINGS = [
  { id: 'box', name: '方楼', height: 12, rings: [closedRing([[0, 0], [20, 0], [20, 10], [0, 10]])], areaSquareMetres: 200 },
  { id: 'ell', name: 'L 形楼', floors: 6, rings: [closedRing([[40, 0], [70, 0], [70, 10], [50, 10], [50, 30], [40, 30]])], areaSquareMetres: 30 * 10 + 10 * 20 },
  {
    id: 'court',
    name: '合院',
    height: 9,
    rings: [closedRing([[0, 40], [30, 40], [30, 70], [0, 70]]), closedRing([[10, 50], [10, 60], [20, 60], [20, 50]])],
    areaSquareMetres: 900 - 100,
  },
  { id: 'tower', name: '塔楼', height: 80, min_height: 20, rings: [closedRing([[45, 45], [60, 45], [60, 60], [45, 60]])], areaSquareMetres: 225 },
  { id: 'tower', name: '塔楼', height: 20, rings: [closedRing([[40, 40], [70, 40], [70, 70], [40, 70]])], areaSquareMetres: 900 },
  { id: 'nothing', name: '无高度', rings: [closedRing([[100, 0], [110, 0], [110, 10], [100, 10]])], areaSquareMetres: 100 },
] as const;

export function fixtureCollection(crs = 'EPSG:4326'): { type: 'FeatureCollection'; features: object[]; crs?: object } {
  const convert = localConverter(crs);
  const features = FIXTURE_BUILDINGS.map(({ rings, areaSquareMetres: _a, ...properties }) => ({
    type: 'Feature',
    properties,
    geometry: { type: 'Polygon', coordinates: rings.map((ring) => ring.map((p) => convert(p as Local))) },
  }));
  const collection: { type: 'FeatureCollection'; features: object[]; crs?: object } = { type: 'FeatureCollection', features };
  if (crs !== 'EPSG:4326') collection.crs = { type: 'name', properties: { name: `urn:ogc:def:crs:EPSG::${crs.split(':')[1]}` } };
  return collection;
}

/** A synthetic grid of box buildings in local metres: for tree tests and benchmarks. */
export function* syntheticBuildings(count: number, spacingMetres = 25): Generator<object> {
  const convert = localConverter();
  const side = Math.ceil(Math.sqrt(count));
  for (let i = 0; i < count; i++) {
    const x = (i % side) * spacingMetres;
    const y = Math.floor(i / side) * spacingMetres;
    const w = 8 + (i % 7) * 1.5;
    const d = 8 + (i % 5) * 1.5;
    yield {
      type: 'Feature',
      properties: { id: `S${i}`, name: `合成楼${i}`, floors: 2 + (i % 20), use: 'residential', yearBuilt: 1980 + (i % 45) },
      geometry: { type: 'Polygon', coordinates: [closedRing([[x, y], [x + w, y], [x + w, y + d], [x, y + d]]).map(convert)] },
    };
  }
}
