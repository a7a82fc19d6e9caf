/**
 * Measurement on the map (量测): while a tool is open, clicks put points that snap to what is
 * under the pointer: a building or a pipe (3D Tiles, the depth buffer's position through
 * `scene.pickPosition`) or the ground (the globe, `globe.pick`). A marker follows the pointer and
 * says what it snaps to. Distances and the height difference end at their second point; an
 * area at a right click (or the panel's 完成). Results are drawn as lines and labels and written
 * to the store; the math is in measure-math.ts. Listens to the store; plain class with destroy().
 */
import {
  Cartesian2,
  Cartesian3,
  Cartographic,
  Cesium3DTileFeature,
  Cesium3DTileset,
  Color,
  HorizontalOrigin,
  LabelCollection,
  LabelStyle,
  Material,
  PointPrimitiveCollection,
  PolylineCollection,
  ScreenSpaceEventHandler,
  ScreenSpaceEventType,
  VerticalOrigin,
  type PointPrimitive,
  type Label,
  type Viewer,
} from 'cesium';
import type { AppState, AppStore } from '../store/index.ts';
import { pointerMode } from '../store/measure.ts';
import { formatArea, formatLength, isCompleteAt, MEASURE_KIND_NAMES, pointsNeeded, SNAP_TARGET_NAMES, surfaceDiffers, type MeasureKind, type SnapTarget } from '../domain/measure.ts';
import { measureValue, type MeasureValue } from './measure-math.ts';

export const SNAP_COLOURS: Record<SnapTarget, string> = { building: '#ffb74d', pipe: '#4dd0e1', ground: '#aed581', other: '#e0e0e0' };
const LINE_COLOUR = Color.fromCssColorString('#ffeb3b');
const GUIDE_COLOUR = Color.fromCssColorString('#ffeb3b').withAlpha(0.55);

export interface SnappedPoint {
  position: Cartesian3;
  snap: SnapTarget;
}

/** Primitives of one measurement (drawn, or being drawn). */
interface Drawing {
  points: PointPrimitive[];
  labels: Label[];
  lines: ReturnType<PolylineCollection['add']>[];
}

export class MeasureLayer {
  private readonly points: PointPrimitiveCollection;
  private readonly lines: PolylineCollection;
  private readonly labels: LabelCollection;
  private readonly handler: ScreenSpaceEventHandler;
  private readonly cleanups: (() => void)[] = [];
  private readonly indicator: PointPrimitive;
  private readonly indicatorLabel: Label;
  private draft: SnappedPoint[] = [];
  private draftDrawing: Drawing | undefined;
  private readonly drawings: Drawing[] = [];
  private pendingMove: Cartesian2 | undefined;
  /** The last snap under the pointer (for tests and automation). */
  private lastSnap: SnappedPoint | undefined;

  constructor(
    private readonly viewer: Viewer,
    private readonly store: AppStore,
    /** What a tileset is: a building or a pipe layer. */
    private readonly snapOfTileset: (tileset: Cesium3DTileset) => SnapTarget,
  ) {
    const primitives = viewer.scene.primitives;
    this.lines = primitives.add(new PolylineCollection()) as PolylineCollection;
    this.points = primitives.add(new PointPrimitiveCollection()) as PointPrimitiveCollection;
    this.labels = primitives.add(new LabelCollection()) as LabelCollection;
    this.indicator = this.points.add({ show: false, pixelSize: 12, outlineColor: Color.BLACK, outlineWidth: 2, disableDepthTestDistance: Number.POSITIVE_INFINITY });
    this.indicatorLabel = this.labels.add({ show: false, position: Cartesian3.ZERO, ...labelStyle(), pixelOffset: new Cartesian2(12, -12), horizontalOrigin: HorizontalOrigin.LEFT, font: '13px sans-serif' });
    this.handler = new ScreenSpaceEventHandler(viewer.scene.canvas);
    this.handler.setInputAction(() => this.finish(), ScreenSpaceEventType.RIGHT_CLICK);
    this.handler.setInputAction((move: ScreenSpaceEventHandler.MotionEvent) => this.onMove(move.endPosition), ScreenSpaceEventType.MOUSE_MOVE);
    this.cleanups.push(viewer.scene.preRender.addEventListener(() => this.applyMove()));
    this.cleanups.push(store.subscribe((state, previous) => this.onStoreChange(state, previous)));
  }

  private onStoreChange(state: AppState, previous: AppState): void {
    // Another pointer mode taking over (a case pick, a section line) closes the measuring tool.
    if (state.measureTool !== undefined && ((state.casePicking && !previous.casePicking) || (state.tool === 'section' && previous.tool !== 'section'))) {
      state.setMeasureTool(undefined);
      return;
    }
    if (state.measureTool !== previous.measureTool) {
      this.dropDraft();
      if (state.measureTool === undefined) this.hideIndicator();
    }
    // The draft cancelled from the panel (Esc).
    if (state.measureDraft === undefined && previous.measureDraft !== undefined && this.draft.length > 0) this.dropDraft();
    if (state.measurements.length === 0 && previous.measurements.length > 0) this.clearDrawings();
    if (state.language !== previous.language) this.redrawLabels();
  }

  // --- picking ----------------------------------------------------------------------------

  /**
   * The position under a window position and what it lies on: a 3D Tiles surface from the depth
   * buffer, else the ground. The measurement's own marks are hidden while picking.
   */
  snapAt(position: Cartesian2): SnappedPoint | undefined {
    const scene = this.viewer.scene;
    return this.hiddenWhile(() => {
      if (scene.pickPositionSupported) {
        const picked = scene.pick(position) as unknown;
        const primitive = (picked as { primitive?: unknown } | undefined)?.primitive;
        const tileset = picked instanceof Cesium3DTileFeature ? picked.tileset : primitive instanceof Cesium3DTileset ? primitive : undefined;
        if (tileset) {
          const cartesian = scene.pickPosition(position);
          if (cartesian) return { position: cartesian, snap: this.snapOfTileset(tileset) };
        }
      }
      const ray = this.viewer.camera.getPickRay(position);
      const ground = (ray && scene.globe.pick(ray, scene)) ?? this.viewer.camera.pickEllipsoid(position, scene.globe.ellipsoid);
      return ground ? { position: ground, snap: 'ground' as const } : undefined;
    });
  }

  /**
   * Run a pick with the measurements' marks hidden: they are notes on the scene, never what a
   * click selects or snaps to.
   */
  hiddenWhile<T>(pick: () => T): T {
    const collections = [this.points, this.lines, this.labels];
    const shown = collections.map((c) => c.show);
    for (const c of collections) c.show = false;
    try {
      return pick();
    } finally {
      collections.forEach((c, i) => (c.show = shown[i]!));
    }
  }

  private onMove(position: Cartesian2): void {
    if (pointerMode(this.store.getState()) !== 'measure') return;
    this.pendingMove = Cartesian2.clone(position, this.pendingMove);
    this.viewer.scene.requestRender();
  }

  /** At most one snap per frame for the moving pointer (a pick costs a render pass). */
  private applyMove(): void {
    const position = this.pendingMove;
    if (!position) return;
    this.pendingMove = undefined;
    const snapped = this.snapAt(position);
    this.lastSnap = snapped;
    if (!snapped) {
      this.hideIndicator();
      return;
    }
    const colour = Color.fromCssColorString(SNAP_COLOURS[snapped.snap]);
    this.indicator.position = snapped.position;
    this.indicator.color = colour;
    this.indicator.show = true;
    this.indicatorLabel.position = snapped.position;
    this.indicatorLabel.text = SNAP_TARGET_NAMES[snapped.snap][this.store.getState().language];
    this.indicatorLabel.fillColor = colour;
    this.indicatorLabel.show = true;
  }

  private hideIndicator(): void {
    this.indicator.show = false;
    this.indicatorLabel.show = false;
    this.viewer.scene.requestRender();
  }

  // --- drawing a measurement ---------------------------------------------------------------

  /** A click on the map, routed here by the city viewer while measuring. */
  click(position: Cartesian2): void {
    const state = this.store.getState();
    const kind = state.measureTool;
    if (kind === undefined || pointerMode(state) !== 'measure') return;
    const snapped = this.snapAt(position);
    if (!snapped) return;
    this.addPoint(kind, snapped);
  }

  /** Add a point to the measurement being drawn (a click; also for tests and automation). */
  addPoint(kind: MeasureKind, point: SnappedPoint): void {
    this.draft.push(point);
    if (isCompleteAt(kind, this.draft.length)) {
      this.complete(kind);
      return;
    }
    this.redrawDraft(kind);
    this.store.getState().setMeasureDraft({ kind, snaps: this.draft.map((p) => p.snap) });
  }

  /** End an area (right click, or the panel's 完成): kept when it has its points, else dropped. */
  finish(): void {
    const kind = this.store.getState().measureTool;
    if (kind === undefined) return;
    if (this.draft.length >= pointsNeeded(kind).minimum) this.complete(kind);
  }

  private complete(kind: MeasureKind): void {
    const points = this.draft;
    const value = measureValue(kind, points.map((p) => p.position), this.viewer.scene.globe.ellipsoid);
    this.dropDraft();
    if (!value) return;
    this.drawings.push(this.draw(kind, points, value));
    this.store.getState().addMeasurement({ kind, metres: value.metres, area: value.area, snaps: points.map((p) => p.snap) });
    this.viewer.scene.requestRender();
  }

  private dropDraft(): void {
    this.draft = [];
    if (this.draftDrawing) this.removeDrawing(this.draftDrawing);
    this.draftDrawing = undefined;
    this.viewer.scene.requestRender();
  }

  private redrawDraft(kind: MeasureKind): void {
    if (this.draftDrawing) this.removeDrawing(this.draftDrawing);
    this.draftDrawing = this.draw(kind, this.draft, measureValue(kind, this.draft.map((p) => p.position), this.viewer.scene.globe.ellipsoid));
    this.viewer.scene.requestRender();
  }

  /** Points, lines and the result label of a measurement. */
  private draw(kind: MeasureKind, points: readonly SnappedPoint[], value: MeasureValue | undefined): Drawing {
    const drawing: Drawing = { points: [], labels: [], lines: [] };
    for (const p of points) {
      drawing.points.push(this.points.add({ position: p.position, pixelSize: 8, color: Color.fromCssColorString(SNAP_COLOURS[p.snap]), outlineColor: Color.BLACK, outlineWidth: 1, disableDepthTestDistance: Number.POSITIVE_INFINITY }));
    }
    const positions = points.map((p) => p.position);
    const line = (path: Cartesian3[], colour = LINE_COLOUR, dashed = false) =>
      drawing.lines.push(this.lines.add({ positions: path, width: dashed ? 2 : 3, material: dashed ? Material.fromType('PolylineDash', { color: colour }) : Material.fromType('Color', { color: colour }) }));
    const ellipsoid = this.viewer.scene.globe.ellipsoid;
    // The corner of the right triangle: under (or over) the second point, at the first's height.
    let corner: Cartesian3 | undefined;
    if (kind === 'area') {
      if (positions.length >= 2) line(positions.length >= 3 ? [...positions, positions[0]!] : positions);
    } else if (positions.length === 2) {
      const [a, b] = positions as [Cartesian3, Cartesian3];
      const ca = Cartographic.fromCartesian(a, ellipsoid);
      const cb = Cartographic.fromCartesian(b, ellipsoid);
      corner = Cartesian3.fromRadians(cb.longitude, cb.latitude, ca.height, ellipsoid);
      if (kind === 'spatial') line([a, b]);
      else if (kind === 'horizontal') {
        line([a, corner]);
        if (Math.abs(cb.height - ca.height) > 0.05) line([corner, b], GUIDE_COLOUR, true);
      } else {
        line([corner, b]);
        line([a, corner], GUIDE_COLOUR, true);
      }
    }
    if (value) {
      // Areas at their centroid; the height on its vertical leg; distances at their middle.
      const at = kind === 'area' ? centroid(positions) : kind === 'height' && corner ? midpoint(positions[1]!, corner) : midpoint(positions[0]!, positions[1]!);
      const label = this.labels.add({ position: at, text: this.labelText(value), ...labelStyle(), verticalOrigin: VerticalOrigin.BOTTOM, pixelOffset: new Cartesian2(0, -8) });
      (label as Label & { measureValue?: MeasureValue }).measureValue = value;
      drawing.labels.push(label);
    }
    return drawing;
  }

  private labelText(value: MeasureValue): string {
    const language = this.store.getState().language;
    const name = MEASURE_KIND_NAMES[value.kind][language];
    if (value.area) {
      const horizontal = `${name} ${formatArea(value.area.horizontal)}`;
      return surfaceDiffers(value.area) ? `${horizontal}\n${language === 'zh' ? '表面积' : 'Surface'} ${formatArea(value.area.surface)}` : horizontal;
    }
    return `${name} ${formatLength(value.metres ?? 0)}`;
  }

  private redrawLabels(): void {
    for (const drawing of [...this.drawings, ...(this.draftDrawing ? [this.draftDrawing] : [])]) {
      for (const label of drawing.labels) {
        const value = (label as Label & { measureValue?: MeasureValue }).measureValue;
        if (value) label.text = this.labelText(value);
      }
    }
    this.viewer.scene.requestRender();
  }

  private removeDrawing(drawing: Drawing): void {
    for (const p of drawing.points) this.points.remove(p);
    for (const l of drawing.labels) this.labels.remove(l);
    for (const l of drawing.lines) this.lines.remove(l);
  }

  private clearDrawings(): void {
    for (const drawing of this.drawings.splice(0)) this.removeDrawing(drawing);
    this.viewer.scene.requestRender();
  }

  /** What the layer draws and what the pointer last snapped to (for tests and automation). */
  marks(): { measurements: number; draftPoints: number; snap?: SnapTarget; labels: string[] } {
    return { measurements: this.drawings.length, draftPoints: this.draft.length, snap: this.lastSnap?.snap, labels: this.drawings.flatMap((d) => d.labels.map((l) => l.text)) };
  }

  destroy(): void {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    if (!this.handler.isDestroyed()) this.handler.destroy();
    if (!this.viewer.isDestroyed()) {
      const primitives = this.viewer.scene.primitives;
      primitives.remove(this.labels);
      primitives.remove(this.points);
      primitives.remove(this.lines);
    }
  }
}

function labelStyle() {
  return {
    font: '14px sans-serif',
    fillColor: Color.WHITE,
    outlineColor: Color.BLACK,
    outlineWidth: 3,
    style: LabelStyle.FILL_AND_OUTLINE,
    showBackground: true,
    backgroundColor: new Color(0.1, 0.1, 0.12, 0.75),
    disableDepthTestDistance: Number.POSITIVE_INFINITY,
  };
}

function midpoint(a: Cartesian3, b: Cartesian3): Cartesian3 {
  return Cartesian3.midpoint(a, b, new Cartesian3());
}

function centroid(positions: readonly Cartesian3[]): Cartesian3 {
  const sum = new Cartesian3();
  for (const p of positions) Cartesian3.add(sum, p, sum);
  return Cartesian3.divideByScalar(sum, Math.max(1, positions.length), sum);
}
