/**
 * Draws the pipeline analyses in 3D: the section line with its cutting plane, the segments an
 * analysis picked out (clearance violations, cover shortfalls, the profile run) as lines along
 * their centre lines that show through the ground and other pipes, and markers at the findings.
 * The geometry comes with the server's answers (paths and centre-line heights), never from a
 * network held in the browser. Listens to the store; plain class with destroy().
 */
import {
  ArcType,
  BoundingSphere,
  Cartesian3,
  Color,
  ColorGeometryInstanceAttribute,
  GeometryInstance,
  HeadingPitchRange,
  Math as CesiumMath,
  PointPrimitiveCollection,
  PolylineColorAppearance,
  PolylineGeometry,
  Primitive,
  WallGeometry,
  PerInstanceColorAppearance,
  type Viewer,
} from 'cesium';
import type { DrawnSegment } from '../api/network.ts';
import type { AnalysisHighlight } from '../store/analysis.ts';
import type { AppState, AppStore } from '../store/index.ts';

const FINDING_COLOUR = Color.fromCssColorString('#ff3b30');
const PROFILE_COLOUR = Color.fromCssColorString('#ffd60a');
const FOCUS_COLOUR = Color.fromCssColorString('#ffffff');
/** Valve isolation: what loses supply (the valves to close are FINDING_COLOUR markers). */
const OUT_OF_SUPPLY_COLOUR = Color.fromCssColorString('#ff9f0a');
const SECTION_COLOUR = Color.fromCssColorString('#0a84ff');
/** How deep the section's cutting plane is drawn, metres. */
const SECTION_PLANE_DEPTH_METRES = 8;

function segmentPositions(segment: DrawnSegment): Cartesian3[] {
  const [z0, z1] = segment.centreMetres;
  const n = segment.path.length;
  return segment.path.map(([lon, lat], i) => Cartesian3.fromDegrees(lon, lat, z0 + ((z1 - z0) * i) / Math.max(1, n - 1)));
}

export class AnalysisOverlay {
  private linesPrimitive: Primitive | undefined;
  private sectionPrimitive: Primitive | undefined;
  private readonly points: PointPrimitiveCollection;
  private segmentsDrawn = 0;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly viewer: Viewer,
    private readonly store: AppStore,
  ) {
    this.points = viewer.scene.primitives.add(new PointPrimitiveCollection()) as PointPrimitiveCollection;
    this.unsubscribe = store.subscribe((state, previous) => {
      if (state.highlight !== previous.highlight) this.drawHighlight(state);
      if (state.sectionPoints !== previous.sectionPoints) this.drawSection(state.sectionPoints);
      if (state.highlight?.focus && state.highlight.focus !== previous.highlight?.focus) this.flyToFocus(state.highlight, state.highlight.focus);
    });
  }

  /** The drawn segments with these IDs, from the focus's own geometry or the highlight's. */
  private segments(highlight: AnalysisHighlight, ids: readonly string[]): DrawnSegment[] {
    const byId = new Map([...highlight.segments, ...(highlight.focus?.segments ?? [])].map((s) => [s.id, s]));
    return ids.map((id) => byId.get(id)).filter((s): s is DrawnSegment => s !== undefined);
  }

  private drawHighlight(state: AppState): void {
    const scene = this.viewer.scene;
    if (this.linesPrimitive) scene.primitives.remove(this.linesPrimitive);
    this.linesPrimitive = undefined;
    const highlight: AnalysisHighlight | undefined = state.highlight;
    this.segmentsDrawn = 0;
    if (highlight) {
      const focusIds = new Set(highlight.focus?.segmentIds ?? []);
      const base = state.tool === 'profile' || state.tool === 'trace' ? PROFILE_COLOUR : state.tool === 'isolation' ? OUT_OF_SUPPLY_COLOUR : FINDING_COLOUR;
      const instances = highlight.segments.map(
        (segment) =>
          new GeometryInstance({
            geometry: new PolylineGeometry({ positions: segmentPositions(segment), width: focusIds.has(segment.id) ? 7 : 4, arcType: ArcType.NONE }),
            attributes: {
              color: ColorGeometryInstanceAttribute.fromColor(focusIds.has(segment.id) ? FOCUS_COLOUR : base),
              // Behind the ground or other pipes the line still shows, a little dimmer.
              depthFailColor: ColorGeometryInstanceAttribute.fromColor((focusIds.has(segment.id) ? FOCUS_COLOUR : base).withAlpha(0.75)),
            },
            id: segment.id,
          }),
      );
      this.segmentsDrawn = instances.length;
      if (instances.length) {
        // Drawn through the ground and other pipes (depth-fail appearance), so findings are never hidden.
        this.linesPrimitive = scene.primitives.add(
          new Primitive({ geometryInstances: instances, appearance: new PolylineColorAppearance({ translucent: false }), depthFailAppearance: new PolylineColorAppearance({ translucent: true }), asynchronous: false }),
        ) as Primitive;
      }
    }
    this.drawPoints(state);
  }

  /** What is drawn: finding markers and highlighted segments (for tests and automation). */
  marks(): { points: number; segments: number } {
    return { points: this.points.length - this.store.getState().sectionPoints.length, segments: this.segmentsDrawn };
  }

  /** Markers at the findings, and the ends of the section line. */
  private drawPoints(state: AppState): void {
    this.points.removeAll();
    const colour = state.tool === 'profile' ? PROFILE_COLOUR : FINDING_COLOUR;
    for (const [lon, lat, height] of state.highlight?.points ?? []) {
      this.points.add({ position: Cartesian3.fromDegrees(lon, lat, height), pixelSize: 9, color: colour, outlineColor: Color.WHITE, outlineWidth: 1.5, disableDepthTestDistance: Number.POSITIVE_INFINITY });
    }
    for (const [lon, lat] of state.sectionPoints) {
      this.points.add({ position: Cartesian3.fromDegrees(lon, lat, 0.05), pixelSize: 10, color: SECTION_COLOUR, outlineColor: Color.WHITE, outlineWidth: 2, disableDepthTestDistance: Number.POSITIVE_INFINITY });
    }
    this.viewer.scene.requestRender();
  }

  private drawSection(points: readonly [number, number][]): void {
    const scene = this.viewer.scene;
    if (this.sectionPrimitive) scene.primitives.remove(this.sectionPrimitive);
    this.sectionPrimitive = undefined;
    if (points.length === 2) {
      const positions = points.map(([lon, lat]) => Cartesian3.fromDegrees(lon, lat, 0.05));
      this.sectionPrimitive = scene.primitives.add(
        new Primitive({
          geometryInstances: [
            new GeometryInstance({
              geometry: new WallGeometry({ positions, minimumHeights: [-SECTION_PLANE_DEPTH_METRES, -SECTION_PLANE_DEPTH_METRES], maximumHeights: [0, 0] }),
              attributes: { color: ColorGeometryInstanceAttribute.fromColor(SECTION_COLOUR.withAlpha(0.22)) },
            }),
          ],
          appearance: new PerInstanceColorAppearance({ translucent: true, flat: true, closed: false }),
          asynchronous: false,
        }),
      ) as Primitive;
    }
    this.drawPoints(this.store.getState());
  }

  private flyToFocus(highlight: AnalysisHighlight, focus: NonNullable<AnalysisHighlight['focus']>): void {
    let centre: Cartesian3 | undefined;
    if (focus.point) centre = Cartesian3.fromDegrees(focus.point[0], focus.point[1], focus.point[2]);
    else {
      const positions = this.segments(highlight, focus.segmentIds).flatMap(segmentPositions);
      if (positions.length) centre = BoundingSphere.fromPoints(positions).center;
    }
    if (!centre) return;
    this.viewer.camera.flyToBoundingSphere(new BoundingSphere(centre, 12), { offset: new HeadingPitchRange(0, CesiumMath.toRadians(-30), 45), duration: 1 });
  }

  destroy(): void {
    this.unsubscribe();
    const primitives = this.viewer.isDestroyed() ? undefined : this.viewer.scene.primitives;
    if (primitives) {
      if (this.linesPrimitive) primitives.remove(this.linesPrimitive);
      if (this.sectionPrimitive) primitives.remove(this.sectionPrimitive);
      primitives.remove(this.points);
    }
  }
}
