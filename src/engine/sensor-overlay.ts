/**
 * Live sensors on the map: one PointPrimitiveCollection (one draw call for all of them, no
 * Entity per sensor), coloured by state (normal, IV … I), alarms pulsing, and clusters with a
 * count when zoomed out (supercluster). Listens to the store's sensor revision and recolours
 * only the sensors that changed. Plain class with destroy().
 */
import { Cartesian2, Cartesian3, Color, LabelCollection, LabelStyle, Math as CesiumMath, PointPrimitiveCollection, type PointPrimitive, type Viewer, VerticalOrigin, HorizontalOrigin, NearFarScalar } from 'cesium';
import Supercluster from 'supercluster';
import { SENSOR_STATE_COLOURS, type SensorState } from '../domain/monitoring/warning.ts';
import type { AppStore } from '../store/index.ts';
import type { SensorRecord } from '../monitoring/types.ts';

/** Clusters up to this web-map zoom; closer in, every sensor is drawn. */
const CLUSTER_MAXIMUM_ZOOM = 16;
const CLUSTER_RADIUS_PIXELS = 64;
const POINT_HEIGHT_METRES = 3;
const PULSE_MILLISECONDS = 250;
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

export class SensorOverlay {
  private readonly points: PointPrimitiveCollection;
  private readonly clusterPoints: PointPrimitiveCollection;
  private readonly labels: LabelCollection;
  private readonly byId = new Map<number, PointPrimitive>();
  private readonly alarmed = new Set<number>();
  private readonly cleanups: (() => void)[] = [];
  private clusterIndex: Supercluster<ClusterProperties, ClusterProperties> | undefined;
  private clusterDirty = true;
  private clusterTimer: ReturnType<typeof setTimeout> | undefined;
  private pulseTimer: ReturnType<typeof setInterval> | undefined;
  private pulsePhase = 0;
  private visible = true;
  private destroyed = false;

  constructor(private readonly viewer: Viewer, private readonly store: AppStore) {
    this.points = viewer.scene.primitives.add(new PointPrimitiveCollection()) as PointPrimitiveCollection;
    this.clusterPoints = viewer.scene.primitives.add(new PointPrimitiveCollection()) as PointPrimitiveCollection;
    this.labels = viewer.scene.primitives.add(new LabelCollection()) as LabelCollection;
    this.cleanups.push(store.subscribe((state, previous) => {
      if (state.sensorRevision !== previous.sensorRevision) this.applyChanges();
      if (state.selectedSensorId !== previous.selectedSensorId) this.applySelection(state.selectedSensorId, previous.selectedSensorId);
    }));
    this.cleanups.push(viewer.camera.moveEnd.addEventListener(() => this.scheduleClusters(0)));
    this.applyChanges();
  }

  /** Show or hide the whole overlay. */
  setVisible(visible: boolean): void {
    this.visible = visible;
    this.points.show = visible;
    this.clusterPoints.show = visible;
    this.labels.show = visible;
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
          statesChanged = true;
        }
        continue;
      }
      if (!point) {
        point = this.points.add({
          position: Cartesian3.fromDegrees(record.lonDegrees, record.latDegrees, POINT_HEIGHT_METRES),
          pixelSize: 8,
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
        statesChanged = true;
      }
      if (record.state === 'normal') {
        if (this.alarmed.delete(id)) point.pixelSize = 8;
      } else this.alarmed.add(id);
    }
    sensorChanges.clear();
    if (statesChanged) {
      this.clusterDirty = true;
      this.scheduleClusters(500);
    }
    this.updatePulse();
    this.viewer.scene.requestRender();
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
    this.clusterPoints.removeAll();
    this.labels.removeAll();
    if (zoom > CLUSTER_MAXIMUM_ZOOM || sensors.size === 0) {
      for (const point of this.byId.values()) point.show = true;
      this.viewer.scene.requestRender();
      return;
    }
    if (this.clusterDirty || !this.clusterIndex) {
      const index = new Supercluster<ClusterProperties, ClusterProperties>({
        radius: CLUSTER_RADIUS_PIXELS,
        maxZoom: CLUSTER_MAXIMUM_ZOOM,
        map: (p) => ({ rank: p.rank }),
        reduce: (accumulated, p) => {
          accumulated.rank = Math.min(accumulated.rank, p.rank);
        },
      });
      index.load([...sensors.values()].map((s: SensorRecord) => ({ type: 'Feature', properties: { rank: stateRank(s.state), id: s.datastreamId } as ClusterProperties, geometry: { type: 'Point', coordinates: [s.lonDegrees, s.latDegrees] } })));
      this.clusterIndex = index;
      this.clusterDirty = false;
    }
    for (const point of this.byId.values()) point.show = false;
    for (const feature of this.clusterIndex.getClusters([-180, -85, 180, 85], zoom)) {
      const [lon, lat] = feature.geometry.coordinates as [number, number];
      const properties = feature.properties as ClusterProperties & { cluster?: boolean; point_count?: number; id?: number };
      if (!properties.cluster) {
        const point = this.byId.get(properties.id!);
        if (point) point.show = true;
        continue;
      }
      const count = properties.point_count ?? 0;
      const state = (properties.rank === 5 ? 'normal' : properties.rank) as SensorState;
      const position = Cartesian3.fromDegrees(lon, lat, POINT_HEIGHT_METRES);
      this.clusterPoints.add({
        position,
        pixelSize: Math.min(28, 13 + Math.log2(count) * 2.5),
        // Quiet when all is normal; an alarm inside a cluster makes it stand out.
        color: COLOURS[String(state)]!.withAlpha(state === 'normal' ? 0.55 : 0.95),
        outlineColor: Color.WHITE.withAlpha(0.8),
        outlineWidth: 1.5,
        disableDepthTestDistance: Number.POSITIVE_INFINITY,
        id: { kind: 'sensor-cluster', lonDegrees: lon, latDegrees: lat, count } satisfies ClusterPick,
      });
      this.labels.add({
        position,
        text: String(count),
        font: '11px sans-serif',
        fillColor: Color.BLACK,
        style: LabelStyle.FILL,
        verticalOrigin: VerticalOrigin.CENTER,
        horizontalOrigin: HorizontalOrigin.CENTER,
        pixelOffset: Cartesian2.ZERO,
        disableDepthTestDistance: Number.POSITIVE_INFINITY,
      });
    }
    this.viewer.scene.requestRender();
  }

  /** Alarms pulse: their points grow and shrink a few times a second while any alarm is on. */
  private updatePulse(): void {
    if (this.alarmed.size && this.pulseTimer === undefined) {
      this.pulseTimer = setInterval(() => {
        this.pulsePhase = (this.pulsePhase + 1) % 4;
        const size = [10, 13, 16, 13][this.pulsePhase]!;
        for (const id of this.alarmed) {
          const point = this.byId.get(id);
          if (point) point.pixelSize = size;
        }
        if (this.visible) this.viewer.scene.requestRender();
      }, PULSE_MILLISECONDS);
    } else if (!this.alarmed.size && this.pulseTimer !== undefined) {
      clearInterval(this.pulseTimer);
      this.pulseTimer = undefined;
    }
  }

  private applySelection(selected: number | undefined, previous: number | undefined): void {
    const before = previous !== undefined ? this.byId.get(previous) : undefined;
    if (before) before.outlineColor = Color.BLACK.withAlpha(0.7);
    const now = selected !== undefined ? this.byId.get(selected) : undefined;
    if (now) {
      now.outlineColor = Color.fromCssColorString('#ffffff');
      now.outlineWidth = 2;
    }
    this.viewer.scene.requestRender();
  }

  /** The colour drawn for a sensor now, as CSS (for tests and automation). */
  colourOf(datastreamId: number): string | undefined {
    return this.byId.get(datastreamId)?.color.toCssHexString();
  }

  /** How many sensor points and cluster points are drawn. */
  counts(): { sensors: number; shown: number; clusters: number; alarms: number } {
    let shown = 0;
    for (const point of this.byId.values()) if (point.show) shown++;
    return { sensors: this.byId.size, shown, clusters: this.clusterPoints.length, alarms: this.alarmed.size };
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    clearTimeout(this.clusterTimer);
    clearInterval(this.pulseTimer);
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    if (!this.viewer.isDestroyed()) {
      for (const collection of [this.points, this.clusterPoints, this.labels]) this.viewer.scene.primitives.remove(collection);
    }
  }
}
