/**
 * Alarm pulses as HTML rings over the scene (the way Mars3D's DivGraphic draws its 动态扩散点):
 * the ring grows and fades by a CSS animation, which the browser's compositor runs, so a pulsing
 * alarm costs no WebGL frame. Only the rings' positions follow the scene, after each frame that
 * is drawn anyway (a camera move, a tile, a colour change). On a software renderer a frame takes
 * a few hundred milliseconds: a pulse drawn by WebGL kept it busy all the time, and a new reading
 * had to wait for the pulse's frame before its own could start.
 *
 * Plain class with destroy(). The styles are in alarm-pulses.css beside it.
 */
import { Cartesian3, SceneTransforms, type Viewer } from 'cesium';
import './alarm-pulses.css';

export interface PulseTarget {
  /** Datastream id (one ring per sensor). */
  id: number;
  position: Cartesian3;
  /** CSS colour of its level. */
  colour: string;
}

const scratch = new Cartesian3();

/** At most this many rings; the most serious come first in what is passed to `set`. */
export const MAXIMUM_PULSES = 100;

export class AlarmPulses {
  private readonly layer: HTMLDivElement;
  private readonly rings = new Map<number, HTMLSpanElement>();
  private targets: PulseTarget[] = [];
  private readonly removePostRender: () => void;
  private visible = true;

  constructor(private readonly viewer: Viewer) {
    this.layer = document.createElement('div');
    this.layer.className = 'cim-alarm-pulses';
    this.layer.dataset.testid = 'alarm-pulses';
    viewer.container.appendChild(this.layer);
    this.removePostRender = viewer.scene.postRender.addEventListener(() => this.place());
  }

  /**
   * The alarms to ring, most serious first (only the first MAXIMUM_PULSES are drawn). The rings
   * are placed after the next frame, which the caller asks for; a new ring waits hidden till then.
   */
  set(targets: PulseTarget[]): void {
    this.targets = targets.slice(0, MAXIMUM_PULSES);
    const wanted = new Set(this.targets.map((t) => t.id));
    for (const [id, ring] of this.rings) {
      if (!wanted.has(id)) {
        ring.remove();
        this.rings.delete(id);
      }
    }
    for (const target of this.targets) {
      let ring = this.rings.get(target.id);
      if (!ring) {
        ring = document.createElement('span');
        ring.className = 'cim-alarm-pulse';
        ring.dataset.datastreamId = String(target.id);
        ring.hidden = true;
        this.layer.appendChild(ring);
        this.rings.set(target.id, ring);
      }
      ring.style.setProperty('--pulse-colour', target.colour);
    }
  }

  /** Show or hide all rings; shown again, they are placed after the next frame (the caller asks for one). */
  setVisible(visible: boolean): void {
    this.visible = visible;
    this.layer.hidden = !visible;
  }

  /** Put each ring over its sensor as the scene now stands; hide those off screen or over the horizon. */
  private place(): void {
    if (!this.visible || this.rings.size === 0) return;
    const scene = this.viewer.scene;
    const camera = scene.camera;
    // Beyond the horizon (the camera below the sensor's tangent plane) a sensor is out of sight;
    // from below ground (the underground view) the Earth hides nothing.
    const checkHorizon = camera.positionCartographic.height > 0;
    const width = scene.canvas.clientWidth;
    const height = scene.canvas.clientHeight;
    for (const target of this.targets) {
      const ring = this.rings.get(target.id);
      if (!ring) continue;
      const overHorizon = checkHorizon && Cartesian3.dot(Cartesian3.subtract(camera.positionWC, target.position, scratch), target.position) < 0;
      const at = overHorizon ? undefined : SceneTransforms.worldToWindowCoordinates(scene, target.position);
      const onScreen = at !== undefined && at.x >= 0 && at.y >= 0 && at.x <= width && at.y <= height;
      ring.hidden = !onScreen;
      if (onScreen) ring.style.transform = `translate(${at.x.toFixed(1)}px, ${at.y.toFixed(1)}px)`;
    }
  }

  destroy(): void {
    this.removePostRender();
    this.layer.remove();
    this.rings.clear();
  }
}
