/**
 * Impact rings around the selected incident (影响范围): one circle per radius of its type, in its
 * level's colour, drawn through the buildings so they are never hidden. Listens to the store;
 * plain class with destroy().
 */
import { Cartesian3, Color, Material, PolylineCollection, type Viewer } from 'cesium';
import { ringRadii } from '../domain/emergency/impact.ts';
import { localProjection } from '../domain/geometry.ts';
import { SENSOR_STATE_COLOURS } from '../domain/monitoring/warning.ts';
import type { AppState, AppStore } from '../store/index.ts';

const SEGMENTS = 96;
/** Drawn this far above the ground, metres. */
const HEIGHT_METRES = 1.5;

export class ImpactRings {
  private readonly lines: PolylineCollection;
  private readonly unsubscribe: () => void;
  private drawnKey = '';

  constructor(
    private readonly viewer: Viewer,
    store: AppStore,
  ) {
    this.lines = viewer.scene.primitives.add(new PolylineCollection()) as PolylineCollection;
    this.draw(store.getState());
    this.unsubscribe = store.subscribe((state, previous) => {
      if (state.selectedIncidentId !== previous.selectedIncidentId || state.incidents !== previous.incidents) this.draw(state);
    });
  }

  /** Radii drawn now, metres (for tests and automation). */
  get radii(): number[] {
    return this.drawnKey ? this.drawnKey.split('|')[1]!.split(',').map(Number) : [];
  }

  private draw(state: AppState): void {
    const incident = state.selectedIncidentId === undefined ? undefined : state.incidents.find((i) => i['@iot.id'] === state.selectedIncidentId);
    const radii = incident ? ringRadii(incident.type) : [];
    const key = incident ? `${incident.location.coordinates.join(',')}|${radii.join(',')}|${incident.level}` : '';
    // Incident updates arrive often: redraw only when the place, the rings or the level change.
    if (key === this.drawnKey) return;
    this.drawnKey = key;
    this.lines.removeAll();
    if (incident) {
      const [lon, lat] = incident.location.coordinates;
      const { toLonLat } = localProjection(lon, lat);
      const colour = Color.fromCssColorString(SENSOR_STATE_COLOURS[incident.level]);
      radii.forEach((radius, i) => {
        const positions: Cartesian3[] = [];
        for (let k = 0; k <= SEGMENTS; k++) {
          const angle = (2 * Math.PI * k) / SEGMENTS;
          const [x, y] = toLonLat(radius * Math.cos(angle), radius * Math.sin(angle));
          positions.push(Cartesian3.fromDegrees(x, y, HEIGHT_METRES));
        }
        // The innermost ring strongest; outer rings lighter and dashed.
        const alpha = 1 - i * 0.25;
        this.lines.add({
          positions,
          width: i === 0 ? 4 : 3,
          material: i === 0 ? Material.fromType('Color', { color: colour.withAlpha(alpha) }) : Material.fromType('PolylineDash', { color: colour.withAlpha(alpha), dashLength: 24 }),
        });
      });
    }
    this.viewer.scene.requestRender();
  }

  destroy(): void {
    this.unsubscribe();
    if (!this.viewer.isDestroyed()) this.viewer.scene.primitives.remove(this.lines);
  }
}
