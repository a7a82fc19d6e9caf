/**
 * The district's own ground: streets, blocks, water and parks drawn from ground.geojson onto a
 * canvas and draped on the globe as one imagery layer. NaturalEarthII is flat green at city
 * scale; this is what a planner recognises. No outside request: the image never leaves the page.
 */
import { Rectangle, SingleTileImageryProvider, type ImageryLayer, type Viewer } from 'cesium';

interface GroundFeature {
  properties: { kind?: string; landUse?: string; name?: string; streetClass?: string; widthMetres?: number };
  geometry: { type: string; coordinates: unknown };
}

/** Fill colours per land use (a light, map-like palette). */
const LAND_USE_COLOURS: Record<string, string> = {
  residential: '#ede7dc',
  commercial: '#f2e0cf',
  'old-town': '#e6d6c1',
  village: '#e9dccb',
  industrial: '#dcdde4',
  public: '#eddde2',
  park: '#b9d9a0',
  water: '#93c2e6',
};
const SIDEWALK_COLOUR = '#cdc8bf';
const STREET_COLOURS: Record<string, string> = { arterial: '#575b63', secondary: '#676b72', branch: '#767a80' };
const LABEL_SPACING_METRES = 420;
/** Ground resolution of the drawn image; 0.5 m per pixel keeps lane markings visible. */
const METRES_PER_PIXEL = 0.5;
const MAXIMUM_CANVAS_PIXELS = 4096;
const METRES_PER_DEGREE_LATITUDE = 110_574;

/**
 * A single-tile imagery provider whose image is a canvas already in memory: no PNG encoding,
 * no URL, no request (SingleTileImageryProvider would fetch its image).
 */
class CanvasImageryProvider extends SingleTileImageryProvider {
  constructor(
    private readonly canvas: HTMLCanvasElement,
    rectangle: Rectangle,
  ) {
    super({ url: 'data:,', tileWidth: canvas.width, tileHeight: canvas.height, rectangle });
  }

  override requestImage(): Promise<HTMLCanvasElement> {
    return Promise.resolve(this.canvas);
  }
}

export interface GroundLayerResult {
  layer: ImageryLayer;
  rectangle: Rectangle;
}

export async function addGroundLayer(viewer: Viewer, url: string): Promise<GroundLayerResult> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const collection = (await response.json()) as { features?: GroundFeature[] };
  const features = collection.features ?? [];
  if (features.length === 0) throw new Error(`${url}: no ground features`);

  let west = Infinity;
  let south = Infinity;
  let east = -Infinity;
  let north = -Infinity;
  const visit = (coordinates: unknown): void => {
    if (Array.isArray(coordinates) && typeof coordinates[0] === 'number') {
      const [lon, lat] = coordinates as [number, number];
      west = Math.min(west, lon);
      east = Math.max(east, lon);
      south = Math.min(south, lat);
      north = Math.max(north, lat);
    } else if (Array.isArray(coordinates)) coordinates.forEach(visit);
  };
  features.forEach((f) => visit(f.geometry.coordinates));
  const metresPerDegreeLongitude = METRES_PER_DEGREE_LATITUDE * Math.cos(((south + north) / 2) * (Math.PI / 180));
  const widthMetres = (east - west) * metresPerDegreeLongitude;
  const heightMetres = (north - south) * METRES_PER_DEGREE_LATITUDE;
  const scale = Math.min(1 / METRES_PER_PIXEL, MAXIMUM_CANVAS_PIXELS / Math.max(widthMetres, heightMetres));
  const canvas = document.createElement('canvas');
  canvas.width = Math.ceil(widthMetres * scale);
  canvas.height = Math.ceil(heightMetres * scale);
  const context = canvas.getContext('2d')!;
  const px = (lon: number, lat: number): [number, number] => [((lon - west) / (east - west)) * canvas.width, ((north - lat) / (north - south)) * canvas.height];

  context.fillStyle = SIDEWALK_COLOUR;
  context.fillRect(0, 0, canvas.width, canvas.height);
  for (const f of features) {
    if (f.properties.kind !== 'block' || f.geometry.type !== 'Polygon') continue;
    context.fillStyle = LAND_USE_COLOURS[f.properties.landUse ?? ''] ?? LAND_USE_COLOURS.residential!;
    context.beginPath();
    for (const ring of f.geometry.coordinates as [number, number][][]) {
      ring.forEach(([lon, lat], i) => (i === 0 ? context.moveTo(...px(lon, lat)) : context.lineTo(...px(lon, lat))));
      context.closePath();
    }
    context.fill('evenodd');
  }
  const streets = features.filter((f) => f.properties.kind === 'street' && f.geometry.type === 'LineString');
  // Arterials last, so they run over smaller streets at junctions.
  const order = ['branch', 'secondary', 'arterial'];
  streets.sort((a, b) => order.indexOf(a.properties.streetClass ?? '') - order.indexOf(b.properties.streetClass ?? ''));
  const strokeLine = (f: GroundFeature) => {
    context.beginPath();
    (f.geometry.coordinates as [number, number][]).forEach(([lon, lat], i) => (i === 0 ? context.moveTo(...px(lon, lat)) : context.lineTo(...px(lon, lat))));
    context.stroke();
  };
  context.lineCap = 'butt';
  for (const f of streets) {
    context.strokeStyle = STREET_COLOURS[f.properties.streetClass ?? ''] ?? STREET_COLOURS.branch!;
    context.lineWidth = (f.properties.widthMetres ?? 12) * scale;
    context.setLineDash([]);
    strokeLine(f);
  }
  for (const f of streets) {
    // Centre line: double yellow on arterials, dashed white elsewhere.
    const arterial = f.properties.streetClass === 'arterial';
    context.strokeStyle = arterial ? '#e8c547' : '#f4f4f4';
    context.lineWidth = Math.max(1, 0.3 * scale);
    context.setLineDash(arterial ? [] : [6 * scale, 6 * scale]);
    strokeLine(f);
  }
  context.setLineDash([]);
  const fontPixels = Math.round(11 * scale);
  context.font = `600 ${fontPixels}px "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif`;
  context.textAlign = 'center';
  context.textBaseline = 'middle';
  for (const f of streets) {
    const [[lon0, lat0], [lon1, lat1]] = f.geometry.coordinates as [[number, number], [number, number]];
    const [x0, y0] = px(lon0, lat0);
    const [x1, y1] = px(lon1, lat1);
    const length = Math.hypot(x1 - x0, y1 - y0);
    const angle = Math.atan2(y1 - y0, x1 - x0);
    const upright = angle > Math.PI / 2 || angle < -Math.PI / 2 ? angle + Math.PI : angle;
    const step = LABEL_SPACING_METRES * scale;
    for (let d = step / 2; d < length; d += step) {
      const x = x0 + ((x1 - x0) * d) / length;
      const y = y0 + ((y1 - y0) * d) / length;
      context.save();
      context.translate(x, y);
      context.rotate(upright);
      context.lineWidth = 3 * scale * 0.4;
      context.strokeStyle = 'rgba(40,40,40,0.85)';
      context.strokeText(f.properties.name ?? '', 0, 0);
      context.fillStyle = '#ffffff';
      context.fillText(f.properties.name ?? '', 0, 0);
      context.restore();
    }
  }

  performance.mark('cim-twin-ground-drawn');
  const rectangle = Rectangle.fromDegrees(west, south, east, north);
  const layer = viewer.imageryLayers.addImageryProvider(new CanvasImageryProvider(canvas, rectangle));
  performance.mark('cim-twin-ground-added');
  return { layer, rectangle };
}
