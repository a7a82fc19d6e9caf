/**
 * Live sensors on the map: points in PointPrimitiveCollections, one per cell of the ground
 * (point-cells.ts: a frame draws the cells in view, a few draw calls, no Entity per sensor), coloured by state (normal, IV … I), alarms larger and pulsing (HTML rings
 * over the scene: alarm-pulses.ts, no WebGL frame per pulse), and clusters with a count when
 * zoomed out (supercluster, over the sensors of the view only). Listens to the store's sensor
 * revision and recolours only the sensors that changed. Plain class with destroy().
 *
 * Zoomed out, the full collection is hidden as a whole (not point by point: 10,000 hidden points
 * still cost their vertex work every frame). What is drawn then is one billboard per cluster, its
 * circle and count in one image from a small cache, plus a copy of each sensor left on its own.
 *
 * When the camera stops it tells the store what the map shows (`sensorView`): the live stream
 * sends values for that part of the city only, and states everywhere.
 */
import { BillboardCollection, BlendOption, Cartesian3, Color, Math as CesiumMath, Rectangle, PointPrimitiveCollection, type Billboard, type PointPrimitive, type Viewer, VerticalOrigin, HorizontalOrigin, NearFarScalar } from 'cesium';
import Supercluster from 'supercluster';
import { SENSOR_STATE_COLOURS, type SensorState } from '../domain/monitoring/warning.ts';
import type { AppStore } from '../store/index.ts';
import type { SensorRecord } from '../monitoring/types.ts';
import { AlarmPulses, type PulseTarget } from './alarm-pulses.ts';
import { PointCells } from './point-cells.ts';

/** Clusters up to this web-map zoom; closer in, every sensor is drawn. */
const CLUSTER_MAXIMUM_ZOOM = 16;
const CLUSTER_RADIUS_PIXELS = 64;
const POINT_HEIGHT_METRES = 3;
const POINT_PIXELS = 8;
/** Alarms are drawn larger, and ringed by a pulse. */
const ALARM_POINT_PIXELS = 12;
const COLOURS: Record<string, Color> = Object.fromEntries(Object.entries(SENSOR_STATE_COLOURS).map(([k, v]) => [k, Color.fromCssColorString(v)]));
const stateRank = (state: SensorState) => (state === 'normal' ? 5 : state);

export interface SensorPick {
  kind: 'sensor';
  datastreamId: number;
}

export interface ClusterPick {
  kind: 'sensor-cluster';
  lonDegrees: number;
  latDegrees: number;
  count: number;
}

type ClusterProperties = { rank: number };

/** Distinct cluster images kept before the billboard collection (and its texture atlas) is renewed. */
const MAXIMUM_CLUSTER_IMAGES = 400;

/** The count as shown on a cluster: exact below 1,000, then in thousands. */
function countText(count: number): string {
  return count < 1000 ? String(count) : `${(count / 1000).toFixed(count < 10_000 ? 1 : 0)}k`;
}

/** A cluster's image: a disc in the state's colour with a white rim and the count. */
function clusterImage(text: string, state: SensorState, diameter: number): HTMLCanvasElement {
  const scale = 2; // drawn at twice the size for crisp text on high-density screens
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = Math.ceil(diameter * scale) + 4;
  const context = canvas.getContext('2d')!;
  const centre = canvas.width / 2;
  context.beginPath();
  context.arc(centre, centre, (diameter * scale) / 2, 0, Math.PI * 2);
  context.fillStyle = COLOURS[String(state)]!.withAlpha(state === 'normal' ? 0.6 : 0.95).toCssColorString();
  context.fill();
  context.lineWidth = 1.5 * scale;
  context.strokeStyle = 'rgba(255,255,255,0.85)';
  context.stroke();
  context.fillStyle = state === 1 || state === 2 ? '#ffffff' : '#000000';
  context.font = `${11 * scale}px sans-serif`;
  context.textAlign = 'center';
  context.textBaseline = 'middle';
  context.fillText(text, centre, centre + scale);
  return canvas;
}

export class SensorOverlay {
  private readonly points = new PointCells();
  /** Zoomed out: copies of the sensors left on their own by the clustering. */
  private readonly singlePoints: PointPrimitiveCollection;
  private clusterBillboards: BillboardCollection;
  private readonly clusterImageKeys = new Set<string>();
  private readonly byId = new Map<number, PointPrimitive>();
  private readonly singles = new Map<number, PointPrimitive>();
  private clustered = false;
  private readonly alarmed = new Set<number>();
  private readonly cleanups: (() => void)[] = [];
  private clusterIndex: Supercluster<ClusterProperties, ClusterProperties> | undefined;
  private clusterDirty = true;
  /** The part of the ground clustered (the view box), and how many sensors are in it. */
  private clusterBox: [number, number, number, number] | undefined;
  private clusterSensors = 0;
  private clusterTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly pulses: AlarmPulses;
  private visible = true;
  private destroyed = false;

  constructor(private readonly viewer: Viewer, private readonly store: AppStore) {
    viewer.scene.primitives.add(this.points.collection);
    // Opaque, as the cells are (point-cells.ts): no translucent pass, no order-independent translucency.
    this.singlePoints = viewer.scene.primitives.add(new PointPrimitiveCollection({ blendOption: BlendOption.OPAQUE })) as PointPrimitiveCollection;
    this.clusterBillboards = viewer.scene.primitives.add(new BillboardCollection({ scene: viewer.scene })) as BillboardCollection;
    this.pulses = new AlarmPulses(viewer);
    this.cleanups.push(store.subscribe((state, previous) => {
      if (state.sensorRevision !== previous.sensorRevision) this.applyChanges();
      if (state.selectedSensorId !== previous.selectedSensorId) this.applySelection(state.selectedSensorId, previous.selectedSensorId);
      if (state.sensorsVisible !== previous.sensorsVisible) this.setVisible(state.sensorsVisible);
    }));
    if (!store.getState().sensorsVisible) this.setVisible(false);
    this.cleanups.push(viewer.camera.moveEnd.addEventListener(() => {
      this.scheduleClusters(0);
      this.publishView();
    }));
    this.publishView();
    this.applyChanges();
  }

  /** Show or hide the whole overlay. */
  setVisible(visible: boolean): void {
    this.visible = visible;
    this.points.show = visible && !this.clustered;
    this.singlePoints.show = visible;
    this.clusterBillboards.show = visible;
    this.pulses.setVisible(visible);
    this.viewer.scene.requestRender();
  }

  private applyChanges(): void {
    const { sensors, sensorChanges } = this.store.getState();
    if (sensorChanges.size === 0) return;
    let statesChanged = false;
    for (const id of sensorChanges) {
      const record = sensors.get(id);
      let point = this.byId.get(id);
      if (!record) {
        if (point) {
          this.points.remove(point);
          this.byId.delete(id);
          this.alarmed.delete(id);
          statesChanged = true;
        }
        continue;
      }
      if (!point) {
        point = this.points.add(record.lonDegrees, record.latDegrees, {
          position: Cartesian3.fromDegrees(record.lonDegrees, record.latDegrees, POINT_HEIGHT_METRES),
          pixelSize: POINT_PIXELS,
          outlineColor: Color.BLACK.withAlpha(0.7),
          outlineWidth: 1,
          // Sensors sit under streets and inside buildings: always drawn on top.
          disableDepthTestDistance: Number.POSITIVE_INFINITY,
          scaleByDistance: new NearFarScalar(300, 1.3, 6000, 0.6),
          id: { kind: 'sensor', datastreamId: id } satisfies SensorPick,
        });
        this.byId.set(id, point);
        statesChanged = true;
      }
      const colour = COLOURS[String(record.state)]!;
      if (!Color.equals(point.color, colour)) {
        point.color = colour;
        const single = this.singles.get(id);
        if (single) single.color = colour;
        statesChanged = true;
      }
      if (record.state === 'normal') {
        if (this.alarmed.delete(id)) for (const drawn of this.drawn(id)) drawn.pixelSize = POINT_PIXELS;
      } else if (!this.alarmed.has(id)) {
        this.alarmed.add(id);
        for (const drawn of this.drawn(id)) drawn.pixelSize = ALARM_POINT_PIXELS;
      }
    }
    sensorChanges.clear();
    if (statesChanged) {
      this.clusterDirty = true;
      this.scheduleClusters(500);
      // An alarm starts or ends, or changes level, only with a change of colour.
      this.updatePulse();
      // Readings that leave every colour as it was need no frame (most of a live stream's).
      this.viewer.scene.requestRender();
    }
  }

  /**
   * The part of the ground the camera sees, widened by a fifth on each side (a small pan keeps its
   * values), to 1e-4 degree; looking at the horizon, a box around the camera as wide as it is high, times four.
   */
  viewBox(): [number, number, number, number] {
    const camera = this.viewer.camera;
    const rectangle = camera.computeViewRectangle(this.viewer.scene.globe.ellipsoid, new Rectangle());
    let box: [number, number, number, number];
    if (rectangle && rectangle.east > rectangle.west) {
      box = [rectangle.west, rectangle.south, rectangle.east, rectangle.north].map(CesiumMath.toDegrees) as [number, number, number, number];
    } else {
      const here = camera.positionCartographic;
      const halfMetres = Math.min(50_000, Math.max(1_000, 4 * here.height));
      const lat = CesiumMath.toDegrees(here.latitude);
      const lon = CesiumMath.toDegrees(here.longitude);
      const dLat = halfMetres / 110_574;
      const dLon = halfMetres / (111_320 * Math.max(0.1, Math.cos(here.latitude)));
      box = [lon - dLon, lat - dLat, lon + dLon, lat + dLat];
    }
    const padLon = (box[2] - box[0]) / 5;
    const padLat = (box[3] - box[1]) / 5;
    const round = (value: number) => Math.round(value * 10_000) / 10_000;
    return [round(Math.max(-180, box[0] - padLon)), round(Math.max(-90, box[1] - padLat)), round(Math.min(180, box[2] + padLon)), round(Math.min(90, box[3] + padLat))];
  }

  private publishView(): void {
    if (!this.destroyed) this.store.getState().setSensorView(this.viewBox());
  }

  /** Web-map zoom of the view, from the ground distance one pixel covers at the centre. */
  private zoom(): number {
    const camera = this.viewer.camera;
    const height = Math.max(1, camera.positionCartographic.height);
    const frustum = camera.frustum as { fovy?: number };
    const canvasHeight = this.viewer.scene.canvas.clientHeight || 720;
    const metresPerPixel = (2 * height * Math.tan((frustum.fovy ?? CesiumMath.PI_OVER_THREE) / 2)) / canvasHeight / Math.max(0.3, Math.sin(-camera.pitch));
    return Math.log2((156_543.03 * Math.cos(camera.positionCartographic.latitude)) / metresPerPixel);
  }

  private scheduleClusters(delayMilliseconds: number): void {
    if (this.clusterTimer !== undefined) return;
    this.clusterTimer = setTimeout(() => {
      this.clusterTimer = undefined;
      if (!this.destroyed) this.updateClusters();
    }, delayMilliseconds);
  }

  private updateClusters(): void {
    const { sensors } = this.store.getState();
    const zoom = Math.floor(this.zoom());
    const wasClustered = this.clustered;
    this.clustered = zoom <= CLUSTER_MAXIMUM_ZOOM && sensors.size > 0;
    // Close in, nothing to cluster: the points drawn are the sensors' own, already up to date.
    // (No frame is asked for then: on a software renderer an idle frame delays the next reading's.)
    if (!this.clustered && !wasClustered) return;
    this.singlePoints.removeAll();
    this.singles.clear();
    this.clusterBillboards.removeAll();
    this.points.show = this.visible && !this.clustered;
    if (!this.clustered) {
      this.updatePulse();
      this.viewer.scene.requestRender();
      return;
    }
    // Only the sensors of the view, widened (viewBox): clustering the whole city drew a billboard per
    // cluster and a point per lone sensor everywhere, thousands out of sight at 85,000 sensors, and
    // made each frame 1.6–1.9 times the frame without the overlay on SwiftShader.
    const box = this.viewBox();
    const boxChanged = !this.clusterBox || box.some((v, i) => v !== this.clusterBox![i]);
    if (this.clusterDirty || !this.clusterIndex || boxChanged) {
      const [west, south, east, north] = box;
      const inBox = [...sensors.values()].filter((s) => s.lonDegrees >= west && s.lonDegrees <= east && s.latDegrees >= south && s.latDegrees <= north);
      const index = new Supercluster<ClusterProperties, ClusterProperties>({
        radius: CLUSTER_RADIUS_PIXELS,
        maxZoom: CLUSTER_MAXIMUM_ZOOM,
        map: (p) => ({ rank: p.rank }),
        reduce: (accumulated, p) => {
          accumulated.rank = Math.min(accumulated.rank, p.rank);
        },
      });
      index.load(inBox.map((s: SensorRecord) => ({ type: 'Feature', properties: { rank: stateRank(s.state), id: s.datastreamId } as ClusterProperties, geometry: { type: 'Point', coordinates: [s.lonDegrees, s.latDegrees] } })));
      this.clusterIndex = index;
      this.clusterDirty = false;
      this.clusterBox = box;
      this.clusterSensors = inBox.length;
    }
    if (this.clusterImageKeys.size >= MAXIMUM_CLUSTER_IMAGES) this.renewClusterBillboards();
    const selected = this.store.getState().selectedSensorId;
    for (const feature of this.clusterIndex.getClusters([-180, -85, 180, 85], zoom)) {
      const [lon, lat] = feature.geometry.coordinates as [number, number];
      const properties = feature.properties as ClusterProperties & { cluster?: boolean; point_count?: number; id?: number };
      if (!properties.cluster) {
        const point = this.byId.get(properties.id!);
        if (!point) continue;
        this.singles.set(properties.id!, this.singlePoints.add({
          position: point.position,
          pixelSize: point.pixelSize,
          color: point.color,
          outlineColor: point.outlineColor,
          outlineWidth: point.outlineWidth,
          disableDepthTestDistance: Number.POSITIVE_INFINITY,
          scaleByDistance: point.scaleByDistance,
          id: point.id as SensorPick,
        }));
        continue;
      }
      const count = properties.point_count ?? 0;
      const state = (properties.rank === 5 ? 'normal' : properties.rank) as SensorState;
      const text = countText(count);
      const diameter = Math.round(Math.min(28, 13 + Math.log2(count) * 2.5));
      const key = `${String(state)}:${text}:${diameter}`;
      this.clusterImageKeys.add(key);
      // One image per state, count and size, drawn once: the atlas keeps it under its id.
      const options = {
        position: Cartesian3.fromDegrees(lon, lat, POINT_HEIGHT_METRES),
        imageId: key,
        image: () => clusterImage(text, state, diameter),
        width: diameter + 2,
        height: diameter + 2,
        verticalOrigin: VerticalOrigin.CENTER,
        horizontalOrigin: HorizontalOrigin.CENTER,
        disableDepthTestDistance: Number.POSITIVE_INFINITY,
        id: { kind: 'sensor-cluster', lonDegrees: lon, latDegrees: lat, count } satisfies ClusterPick,
      };
      this.clusterBillboards.add(options as unknown as Billboard.ConstructorOptions);
    }
    if (selected !== undefined) this.applySelection(selected, undefined);
    this.updatePulse();
    this.viewer.scene.requestRender();
  }

  /**
   * A display running for days sees many counts: past a bound, start a fresh collection so the
   * texture atlas of cluster images does not grow for ever.
   */
  private renewClusterBillboards(): void {
    this.viewer.scene.primitives.remove(this.clusterBillboards);
    this.clusterBillboards = this.viewer.scene.primitives.add(new BillboardCollection({ scene: this.viewer.scene })) as BillboardCollection;
    this.clusterBillboards.show = this.visible;
    this.clusterImageKeys.clear();
  }

  /** The points drawn for a sensor now: its own, and its copy while zoomed out and on its own. */
  private drawn(id: number): PointPrimitive[] {
    const drawn: PointPrimitive[] = [];
    const point = this.byId.get(id);
    if (point) drawn.push(point);
    const single = this.singles.get(id);
    if (single) drawn.push(single);
    return drawn;
  }

  /**
   * Alarms pulse: a ring over each alarm drawn on its own (zoomed out, an alarm inside a cluster
   * colours its cluster instead), most serious first.
   */
  private updatePulse(): void {
    const { sensors } = this.store.getState();
    const targets: (PulseTarget & { rank: number })[] = [];
    for (const id of this.alarmed) {
      const point = this.clustered ? this.singles.get(id) : this.byId.get(id);
      const state = sensors.get(id)?.state;
      if (!point || state === undefined || state === 'normal') continue;
      targets.push({ id, position: point.position, colour: SENSOR_STATE_COLOURS[state], rank: stateRank(state) });
    }
    targets.sort((a, b) => a.rank - b.rank || a.id - b.id);
    this.pulses.set(targets);
  }

  private applySelection(selected: number | undefined, previous: number | undefined): void {
    if (previous !== undefined) for (const point of this.drawn(previous)) point.outlineColor = Color.BLACK.withAlpha(0.7);
    if (selected !== undefined) {
      for (const point of this.drawn(selected)) {
        point.outlineColor = Color.fromCssColorString('#ffffff');
        point.outlineWidth = 2;
      }
    }
    this.viewer.scene.requestRender();
  }

  /** The colour drawn for a sensor now, as CSS (for tests and automation). */
  colourOf(datastreamId: number): string | undefined {
    return this.byId.get(datastreamId)?.color.toCssHexString();
  }

  /**
   * Zoomed out, the sensors the clusters count plus those drawn on their own (every sensor of the
   * clustered box, `clusterScope()`, when the clusters are right); undefined close in.
   */
  clusteredTotal(): number | undefined {
    if (!this.clustered) return undefined;
    let total = this.singles.size;
    for (let i = 0; i < this.clusterBillboards.length; i++) total += (this.clusterBillboards.get(i).id as ClusterPick).count;
    return total;
  }
  /** Zoomed out, the part of the ground clustered (west, south, east, north) and the sensors in it; undefined close in. */
  clusterScope(): { box: [number, number, number, number]; sensors: number } | undefined {
    if (!this.clustered || !this.clusterBox) return undefined;
    return { box: [...this.clusterBox], sensors: this.clusterSensors };
  }


  /** How many sensor points and clusters are drawn, and whether the overlay is on. */
  counts(): { sensors: number; shown: number; clusters: number; alarms: number; visible: boolean } {
    return { sensors: this.byId.size, shown: this.clustered ? this.singles.size : this.byId.size, clusters: this.clusterBillboards.length, alarms: this.alarmed.size, visible: this.visible };
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    clearTimeout(this.clusterTimer);
    this.pulses.destroy();
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    if (!this.viewer.isDestroyed()) {
      for (const collection of [this.points.collection, this.singlePoints, this.clusterBillboards]) this.viewer.scene.primitives.remove(collection);
    }
  }
}
