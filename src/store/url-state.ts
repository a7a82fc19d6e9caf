/**
 * What the URL holds, so a copied link restores the view: the camera, the selection, the
 * language and extra tilesets. Pure parsing and formatting; no DOM access.
 *
 *   ?view=lon,lat,height,heading,pitch   degrees, metres, degrees, degrees
 *   &select=<asset id>  &lang=zh|en  &tileset=<url> (repeatable)  &time=<ISO 8601>
 *   &tileset=pipelines:<url> | buildings:<url>   an added tileset of that layer kind (default: external)
 *   &layers=<id>,<id>   only these layers of the config file (e.g. for a focused display or a benchmark)
 *   &underground=1      open in the underground view
 *   &monitoring=<url>   the monitoring API (SensorThings 1.1 base URL) instead of the config's; "off" for none
 *   &incident=<id>      open onto an incident
 *   &sensor=<id>        open a sensor's panel: the SensorThings @iot.id of its Datastream
 *   &case=<id>          open a case's panel (案卷, AJ + its number)
 *   &grid=<code>        open a grid's panel (网格: a street, community or unit grid code), the grid layer on, framed
 *   &place=<layer id>,<lon>,<lat>,<height>   (repeatable) where a tileset with no georeference is
 *                       placed: its local frame's origin at lon/lat (degrees) and height (metres)
 *   &lifecycle=<url>    the lifecycle API (…/api) instead of the config's
 *   &theme=stage|age|use|height|risk   colour the buildings by a theme
 *   &filter=<clauses>   show only the buildings that match, e.g. use=residential;yearBuilt<2000;floors>12
 *   &asof=YYYY-MM-DD    the 4D view: the city as it stood on that date
 *   &mode=display       the command-centre display: KPI strip, clock, incident tour, large type
 *   &tour=<seconds>     seconds per incident in the display's tour (default 30, at least 5)
 *   &command=emergency  the dual command's emergency mode (default: daily mode)
 *   &sensors=0          open with the sensor overlay hidden (the monitoring data still flows)
 *   &quality=high|smooth   render quality (default auto: smooth on a software renderer, else high)
 *   &style=dark|original   the scene style: dark (深色/科技) or the original colours (default: dark in
 *                       the display mode, original elsewhere)
 */
import { isCalendarDate } from '../domain/lifecycle/lifecycle.ts';
import { isTheme, type Theme } from '../domain/thematic/themes.ts';
import { isSceneStyle, type SceneStyle } from '../domain/thematic/scene-style.ts';
import { isRenderQuality, type RenderQuality } from '../engine/render-quality.ts';


export interface CameraView {
  lonDegrees: number;
  latDegrees: number;
  heightMetres: number;
  headingDegrees: number;
  pitchDegrees: number;
}

export type Language = 'zh' | 'en';

/** Where a tileset with no georeference is put: its local frame's origin, east-north-up. */
export interface Placement {
  lonDegrees: number;
  latDegrees: number;
  heightMetres: number;
}

export interface LayerPlacement extends Placement {
  layerId: string;
}

export interface UrlState {
  view?: CameraView;
  select?: string;
  language?: Language;
  tilesets: string[];
  time?: string;
  /** IDs of the config layers to open; undefined opens all. */
  layers?: string[];
  underground?: boolean;
  monitoring?: string;
  incident?: number;
  /** The selected sensor: the SensorThings @iot.id of its Datastream. */
  sensor?: number;
  /** The selected case (案卷): AJ + its number. */
  caseId?: string;
  /** The selected grid (网格): a street (9 digits), community (12) or unit grid (14) code. */
  grid?: string;
  /** Placements of tilesets that have no georeference, by layer ID. */
  placements?: LayerPlacement[];
  lifecycle?: string;
  theme?: Theme;
  filter?: string;
  asOfDate?: string;
  mode?: 'display';
  tourSeconds?: number;
  /** The dual command (双指挥) mode; undefined is the daily mode. */
  command?: 'emergency';
  /** false: the sensor overlay starts hidden. */
  sensors?: false;
  /** A forced render quality; undefined is "auto". */
  quality?: Exclude<RenderQuality, 'auto'>;
  /** The scene style the link names; undefined: the mode's default. */
  sceneStyle?: SceneStyle;
}

/** Layer kinds a `tileset=` value may name in front of its URL. */
export const TILESET_KIND_PREFIXES = ['pipelines', 'buildings', 'external'] as const;
export type TilesetKind = (typeof TILESET_KIND_PREFIXES)[number];

/**
 * A `tileset=` value: `pipelines:<url>` or `buildings:<url>` gives the layer that kind (so an
 * imported network is drawn and analysed as pipelines); a plain URL is an external layer.
 */
export function parseTilesetParameter(text: string): { kind: TilesetKind; url: string } {
  const match = /^([a-z]+):(.+)$/s.exec(text);
  const kind = TILESET_KIND_PREFIXES.find((k) => k === match?.[1]);
  return kind && match ? { kind, url: match[2]! } : { kind: 'external', url: text };
}

export function parseView(text: string | null): CameraView | undefined {
  if (!text) return undefined;
  const parts = text.split(',').map(Number);
  if (parts.length !== 5 || parts.some((n) => !Number.isFinite(n))) return undefined;
  const [lonDegrees, latDegrees, heightMetres, headingDegrees, pitchDegrees] = parts as [number, number, number, number, number];
  if (Math.abs(latDegrees) > 90 || Math.abs(lonDegrees) > 180) return undefined;
  return { lonDegrees, latDegrees, heightMetres, headingDegrees, pitchDegrees };
}

export function formatView(view: CameraView): string {
  const r = (n: number, digits: number) => String(Math.round(n * 10 ** digits) / 10 ** digits);
  return [r(view.lonDegrees, 7), r(view.latDegrees, 7), r(view.heightMetres, 1), r(view.headingDegrees, 1), r(view.pitchDegrees, 1)].join(',');
}

/** `<layer id>,<lon>,<lat>,<height>`; the layer ID is what precedes the last three numbers. */
export function parsePlacement(text: string): LayerPlacement | undefined {
  const parts = text.split(',');
  if (parts.length < 4) return undefined;
  const numbers = parts.slice(-3).map((p) => (p.trim() === '' ? Number.NaN : Number(p)));
  const layerId = parts.slice(0, -3).join(',');
  if (!layerId || numbers.some((n) => !Number.isFinite(n))) return undefined;
  const [lonDegrees, latDegrees, heightMetres] = numbers as [number, number, number];
  if (Math.abs(lonDegrees) > 180 || Math.abs(latDegrees) > 90) return undefined;
  return { layerId, lonDegrees, latDegrees, heightMetres };
}

export function formatPlacement(placement: LayerPlacement): string {
  const r = (n: number, digits: number) => String(Math.round(n * 10 ** digits) / 10 ** digits);
  return [placement.layerId, r(placement.lonDegrees, 7), r(placement.latDegrees, 7), r(placement.heightMetres, 2)].join(',');
}

export function parseUrlState(search: string): UrlState {
  const params = new URLSearchParams(search);
  const lang = params.get('lang');
  const state: UrlState = { tilesets: params.getAll('tileset').filter((u) => u.trim() !== '') };
  const view = parseView(params.get('view'));
  if (view) state.view = view;
  const select = params.get('select');
  if (select) state.select = select;
  if (lang === 'zh' || lang === 'en') state.language = lang;
  const layers = params.get('layers');
  if (layers) state.layers = layers.split(',').filter(Boolean);
  if (params.get('underground') === '1') state.underground = true;
  const monitoring = params.get('monitoring');
  if (monitoring) state.monitoring = monitoring;
  const lifecycle = params.get('lifecycle');
  if (lifecycle) state.lifecycle = lifecycle;
  const incident = Number(params.get('incident'));
  if (Number.isInteger(incident) && incident > 0) state.incident = incident;
  const sensor = Number(params.get('sensor'));
  if (Number.isInteger(sensor) && sensor > 0) state.sensor = sensor;
  const caseId = params.get('case');
  if (caseId && /^AJ[1-9]\d{0,14}$/.test(caseId)) state.caseId = caseId;
  const grid = params.get('grid');
  if (grid && /^(\d{9}|\d{12}|\d{14})$/.test(grid)) state.grid = grid;
  const placements = params.getAll('place').map(parsePlacement).filter((p) => p !== undefined);
  if (placements.length) state.placements = placements;
  const theme = params.get('theme');
  if (isTheme(theme) && theme !== 'none') state.theme = theme;
  const filter = params.get('filter');
  if (filter) state.filter = filter;
  const asOf = params.get('asof');
  if (asOf && isCalendarDate(asOf)) state.asOfDate = asOf;
  if (params.get('mode') === 'display') state.mode = 'display';
  const tour = Number(params.get('tour'));
  if (params.has('tour') && Number.isFinite(tour) && tour >= 5) state.tourSeconds = tour;
  if (params.get('command') === 'emergency') state.command = 'emergency';
  if (params.get('sensors') === '0') state.sensors = false;
  const quality = params.get('quality');
  if (isRenderQuality(quality) && quality !== 'auto') state.quality = quality;
  const sceneStyle = params.get('style');
  if (isSceneStyle(sceneStyle)) state.sceneStyle = sceneStyle;
  const time = params.get('time');
  if (time && !Number.isNaN(Date.parse(time))) state.time = time;
  return state;
}

/** The search string for a state, keeping any parameters this module does not own. */
export function formatUrlState(state: Partial<UrlState>, previousSearch = ''): string {
  const params = new URLSearchParams(previousSearch);
  const set = (key: string, value: string | undefined) => (value === undefined ? params.delete(key) : params.set(key, value));
  if ('view' in state) set('view', state.view ? formatView(state.view) : undefined);
  if ('select' in state) set('select', state.select);
  if ('language' in state) set('lang', state.language === 'zh' ? undefined : state.language);
  if ('underground' in state) set('underground', state.underground ? '1' : undefined);
  if ('incident' in state) set('incident', state.incident === undefined ? undefined : String(state.incident));
  if ('placements' in state) {
    params.delete('place');
    for (const placement of state.placements ?? []) params.append('place', formatPlacement(placement));
  }
  if ('sensor' in state) set('sensor', state.sensor === undefined ? undefined : String(state.sensor));
  if ('caseId' in state) set('case', state.caseId);
  if ('grid' in state) set('grid', state.grid);
  if ('theme' in state) set('theme', state.theme === 'none' ? undefined : state.theme);
  if ('filter' in state) set('filter', state.filter || undefined);
  if ('asOfDate' in state) set('asof', state.asOfDate);
  if ('command' in state) set('command', state.command);
  if ('sensors' in state) set('sensors', state.sensors === false ? '0' : undefined);
  if ('quality' in state) set('quality', state.quality);
  if ('sceneStyle' in state) set('style', state.sceneStyle);
  const text = params.toString();
  return text ? `?${text}` : '';
}
