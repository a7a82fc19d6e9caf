/**
 * The grid layer (网格): street, community or unit grid polygons draped on the ground (a
 * GroundPrimitive of translucent fills, a GroundPolylinePrimitive of outlines, both classifying
 * the terrain only, so buildings are not tinted), their codes as labels within a readable range.
 * Loaded per view: when the camera stops, the level that suits its height (higher → coarser) is
 * read from /api/grids for the view's box (a page, never the city). A click on a grid opens its
 * panel (store.selectGrid). Listens to the store; plain class with destroy().
 */
import {
  ArcType, Cartesian2, Cartesian3, Cartographic, ClassificationType, Color, ColorGeometryInstanceAttribute, DistanceDisplayCondition, GeometryInstance, GroundPolylineGeometry,
  GroundPolylinePrimitive, GroundPrimitive, HorizontalOrigin, LabelCollection, LabelStyle, Math as CesiumMath, PerInstanceColorAppearance, PolygonGeometry, PolygonHierarchy,
  PolylineColorAppearance, Rectangle, ScreenSpaceEventHandler, ScreenSpaceEventType, VerticalOrigin, type Viewer,
} from 'cesium';
import { listGrids, type GridFeature } from '../api/grids.ts';
import { errorText } from '../domain/error-text.ts';
import { polygonsOf, type Bbox, type GridLayerLevel, type Position } from '../domain/grids/grids.ts';
import type { AppState, AppStore } from '../store/index.ts';

/** The level drawn at a camera height (metres): unit grids close in, streets from afar. */
export function gridLevelForHeight(heightMetres: number): GridLayerLevel {
  if (heightMetres > 9_000) return 'street';
  if (heightMetres > 3_500) return 'community';
  return 'unit';
}

const LEVEL_COLOURS: Record<GridLayerLevel, string> = { street: '#ffb300', community: '#26c6da', unit: '#7e57c2' };
const SELECTED_COLOUR = '#ffffff';
const FILL_ALPHA = 0.14;
const SELECTED_FILL_ALPHA = 0.3;
/** Labels are drawn within this distance of the camera, per level (metres). */
const LABEL_RANGE: Record<GridLayerLevel, number> = { street: 40_000, community: 12_000, unit: 4_500 };
/** Grids one view draws at most (the API pages; past this the view is too wide for the level). */
const GRIDS_PER_VIEW = 500;
/** Widest box asked for, degrees (the API's limit is 0.5°). */
const MAXIMUM_SPAN = 0.5;

export interface GridPick {
  kind: 'grid';
  code: string;
}

export class GridLayer {
  private fills: GroundPrimitive | undefined;
  private outlines: GroundPolylinePrimitive | undefined;
  private readonly labels: LabelCollection;
  private readonly handler: ScreenSpaceEventHandler;
  private readonly cleanups: (() => void)[] = [];
  private features: GridFeature[] = [];
  private level: GridLayerLevel | undefined;
  private request: AbortController | undefined;
  private loadedKey = '';
  private drawnSelection: string | undefined;
  private destroyed = false;
  /** The view box and level last loaded, and whether the answer was cut (for tests and automation). */
  private status: { level?: GridLayerLevel; bbox?: Bbox; truncated: boolean; loading: boolean; error?: string } = { truncated: false, loading: false };

  constructor(
    private readonly viewer: Viewer,
    private readonly store: AppStore,
  ) {
    this.labels = viewer.scene.primitives.add(new LabelCollection()) as LabelCollection;
    this.cleanups.push(viewer.camera.moveEnd.addEventListener(() => this.load()));
    this.cleanups.push(store.subscribe((state, previous) => this.onStoreChange(state, previous)));
    this.handler = new ScreenSpaceEventHandler(viewer.scene.canvas);
    this.handler.setInputAction((click: ScreenSpaceEventHandler.PositionedEvent) => this.onClick(click.position), ScreenSpaceEventType.LEFT_CLICK);
    if (store.getState().gridsVisible) this.load();
  }

  private onStoreChange(state: AppState, previous: AppState): void {
    if (state.gridsVisible !== previous.gridsVisible) {
      if (state.gridsVisible) this.load();
      else this.clear();
    }
    if (state.assetsApiUrl !== previous.assetsApiUrl && state.gridsVisible) this.load(true);
    if (state.selectedGridCode !== previous.selectedGridCode && state.gridsVisible) this.draw();
  }

  /** The view's box on the ground, no wider than the API allows (around the view's centre). */
  private viewBox(): Bbox | undefined {
    const scene = this.viewer.scene;
    const rectangle = this.viewer.camera.computeViewRectangle(scene.globe.ellipsoid, new Rectangle());
    if (!rectangle) return undefined;
    let [west, south, east, north] = [rectangle.west, rectangle.south, rectangle.east, rectangle.north].map((r) => CesiumMath.toDegrees(r)) as Bbox;
    if (east < west) [west, east] = [-180, 180];
    const centre = this.centre() ?? [(west + east) / 2, (south + north) / 2];
    const clamp = (low: number, high: number, middle: number): [number, number] => (high - low <= MAXIMUM_SPAN ? [low, high] : [Math.max(low, middle - MAXIMUM_SPAN / 2), Math.min(high, middle + MAXIMUM_SPAN / 2)]);
    [west, east] = clamp(west, east, centre[0]);
    [south, north] = clamp(south, north, centre[1]);
    return [west, south, east, north];
  }

  private centre(): [number, number] | undefined {
    const canvas = this.viewer.scene.canvas;
    const ray = this.viewer.camera.getPickRay(new Cartesian2(canvas.clientWidth / 2, canvas.clientHeight / 2));
    const point = ray && this.viewer.scene.globe.pick(ray, this.viewer.scene);
    if (!point) return undefined;
    const c = Cartographic.fromCartesian(point);
    return [CesiumMath.toDegrees(c.longitude), CesiumMath.toDegrees(c.latitude)];
  }

  /** Read the grids of the view (when shown), unless the same level and box are loaded. */
  load(force = false): void {
    const state = this.store.getState();
    const base = state.assetsApiUrl;
    if (!state.gridsVisible || !base || this.destroyed) return;
    const level = gridLevelForHeight(this.viewer.camera.positionCartographic.height);
    const bbox = this.viewBox();
    if (!bbox) return;
    const key = `${level}|${bbox.map((n) => n.toFixed(4)).join(',')}`;
    if (!force && key === this.loadedKey) return;
    this.loadedKey = key;
    this.request?.abort();
    const request = new AbortController();
    this.request = request;
    this.status = { level, bbox, truncated: false, loading: true };
    // The ground primitives drawn synchronously need Cesium's approximate terrain heights (a local asset) first.
    const heights = Promise.all([GroundPrimitive.initializeTerrainHeights(), GroundPolylinePrimitive.initializeTerrainHeights()]);
    Promise.all([listGrids(base, level, bbox, { limit: GRIDS_PER_VIEW, signal: request.signal }), heights]).then(
      ([collection]) => {
        if (request.signal.aborted || this.destroyed || !this.store.getState().gridsVisible) return;
        this.features = collection.features;
        this.level = level;
        this.status = { level, bbox, truncated: collection.next !== undefined, loading: false };
        this.draw(true);
      },
      (error: unknown) => {
        if (request.signal.aborted || this.destroyed) return;
        this.status = { level, bbox, truncated: false, loading: false, error: errorText(error) };
        this.loadedKey = '';
        this.store.getState().addMessage(`grids: ${errorText(error)}`);
      },
    );
  }

  private removePrimitives(): void {
    const primitives = this.viewer.scene.primitives;
    if (this.fills) primitives.remove(this.fills);
    if (this.outlines) primitives.remove(this.outlines);
    this.fills = undefined;
    this.outlines = undefined;
    this.labels.removeAll();
  }

  private clear(): void {
    this.request?.abort();
    this.features = [];
    this.loadedKey = '';
    this.status = { truncated: false, loading: false };
    this.removePrimitives();
    this.viewer.scene.requestRender();
  }

  private draw(force = false): void {
    const selected = this.store.getState().selectedGridCode;
    if (!force && selected === this.drawnSelection) return;
    this.drawnSelection = selected;
    this.removePrimitives();
    const level = this.level ?? 'unit';
    const fills: GeometryInstance[] = [];
    const outlines: GeometryInstance[] = [];
    for (const feature of this.features) {
      const code = feature.properties.code;
      const isSelected = code === selected;
      const colour = Color.fromCssColorString(isSelected ? SELECTED_COLOUR : LEVEL_COLOURS[feature.properties.level]);
      const id: GridPick = { kind: 'grid', code };
      for (const polygon of polygonsOf(feature.geometry)) {
        const rings = polygon.map((ring) => Cartesian3.fromDegreesArray(ring.slice(0, -1).flat()));
        fills.push(new GeometryInstance({
          geometry: new PolygonGeometry({ polygonHierarchy: new PolygonHierarchy(rings[0], rings.slice(1).map((hole) => new PolygonHierarchy(hole))), vertexFormat: PerInstanceColorAppearance.FLAT_VERTEX_FORMAT }),
          attributes: { color: ColorGeometryInstanceAttribute.fromColor(colour.withAlpha(isSelected ? SELECTED_FILL_ALPHA : FILL_ALPHA)) },
          id,
        }));
        for (const ring of polygon) {
          outlines.push(new GeometryInstance({
            geometry: new GroundPolylineGeometry({ positions: Cartesian3.fromDegreesArray(ring.flat()), width: isSelected ? 4 : 2, arcType: ArcType.GEODESIC }),
            attributes: { color: ColorGeometryInstanceAttribute.fromColor(colour.withAlpha(0.9)) },
            id,
          }));
        }
      }
      this.labels.add({
        position: Cartesian3.fromDegrees(...labelPoint(feature), 2),
        text: code,
        font: isSelected ? 'bold 15px sans-serif' : '13px sans-serif',
        fillColor: Color.WHITE,
        outlineColor: Color.BLACK,
        outlineWidth: 3,
        style: LabelStyle.FILL_AND_OUTLINE,
        horizontalOrigin: HorizontalOrigin.CENTER,
        verticalOrigin: VerticalOrigin.CENTER,
        distanceDisplayCondition: new DistanceDisplayCondition(0, LABEL_RANGE[level]),
        disableDepthTestDistance: Number.POSITIVE_INFINITY,
        id,
      });
    }
    if (fills.length) {
      this.fills = this.viewer.scene.primitives.add(new GroundPrimitive({ geometryInstances: fills, appearance: new PerInstanceColorAppearance({ flat: true, translucent: true }), classificationType: ClassificationType.TERRAIN, asynchronous: false })) as GroundPrimitive;
      this.outlines = this.viewer.scene.primitives.add(new GroundPolylinePrimitive({ geometryInstances: outlines, appearance: new PolylineColorAppearance(), classificationType: ClassificationType.TERRAIN, asynchronous: false })) as GroundPolylinePrimitive;
    }
    this.viewer.scene.requestRender();
  }

  private onClick(position: Cartesian2): void {
    const state = this.store.getState();
    if (!state.gridsVisible || state.casePicking || state.tool === 'section') return;
    const picked = this.viewer.scene.pick(position) as { id?: GridPick } | undefined;
    if (picked?.id?.kind === 'grid') state.selectGrid(picked.id.code);
  }

  /** The grids drawn now and the load's state (for tests and automation). */
  drawn(): { level?: GridLayerLevel; codes: string[]; truncated: boolean; loading: boolean; ready: boolean; error?: string; labelled: number } {
    const ready = this.features.length === 0 || ((this.fills?.ready ?? false) && (this.outlines?.ready ?? false));
    return { level: this.status.level, codes: this.features.map((f) => f.properties.code), truncated: this.status.truncated, loading: this.status.loading, ready, error: this.status.error, labelled: this.labels.length };
  }

  /** Where a drawn grid's label is: the vertex mean of its first ring (for tests and automation). */
  labelPosition(code: string): [number, number] | undefined {
    const feature = this.features.find((f) => f.properties.code === code);
    return feature && labelPoint(feature);
  }

  destroy(): void {
    this.destroyed = true;
    this.request?.abort();
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    if (!this.handler.isDestroyed()) this.handler.destroy();
    if (!this.viewer.isDestroyed()) {
      this.removePrimitives();
      this.viewer.scene.primitives.remove(this.labels);
    }
  }
}

/** Where a grid's label goes: the centre of its first polygon's outer ring (vertex mean). */
function labelPoint(feature: GridFeature): [number, number] {
  const ring = polygonsOf(feature.geometry)[0]![0]!.slice(0, -1);
  const sum = ring.reduce<Position>((acc, [lon, lat]) => [acc[0] + lon, acc[1] + lat], [0, 0]);
  return [sum[0] / ring.length, sum[1] / ring.length];
}

