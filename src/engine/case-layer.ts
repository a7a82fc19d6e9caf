/**
 * Cases (案卷) at their place: one PointPrimitiveCollection (one draw call), a point per case of
 * the list's current page and the selected case (never all cases), coloured by status, overdue
 * cases larger with a red ring. A click on a point selects its case; while a new case's place is
 * being picked, a click on the map gives the point instead. Listens to the store; plain class
 * with destroy().
 */
import { Cartesian2, Cartesian3, Cartographic, Color, Math as CesiumMath, NearFarScalar, PointPrimitiveCollection, type Viewer } from 'cesium';
import type { CaseDocument, CaseStatus } from '../domain/cases/cases.ts';
import type { AppState, AppStore } from '../store/index.ts';
import { casesOnMap } from '../store/cases.ts';

/** Status colours (the list's dots in src/ui/cases/cases.css are the same). */
export const CASE_STATUS_COLOURS: Record<CaseStatus, string> = {
  collected: '#9e9e9e',
  filed: '#42a5f5',
  dispatched: '#ffa726',
  handled: '#ab47bc',
  checked: '#26a69a',
  closed: '#66bb6a',
};
const OVERDUE_COLOUR = Color.fromCssColorString('#ff1744');
const OUTLINE = Color.BLACK.withAlpha(0.7);
const SELECTED_OUTLINE = Color.WHITE;
const HEIGHT_METRES = 4;
const PIXELS = 11;
const OVERDUE_PIXELS = 15;

export interface CasePick {
  kind: 'case';
  caseId: string;
}

export class CaseLayer {
  private readonly points: PointPrimitiveCollection;
  private readonly unsubscribe: () => void;
  private drawnKey = '';
  private readonly drawn = new Map<string, { colour: string; overdue: boolean }>();

  constructor(
    private readonly viewer: Viewer,
    private readonly store: AppStore,
  ) {
    this.points = viewer.scene.primitives.add(new PointPrimitiveCollection()) as PointPrimitiveCollection;
    this.draw(store.getState());
    this.unsubscribe = store.subscribe((state, previous) => {
      if (state.casePage !== previous.casePage || state.selectedCase !== previous.selectedCase || state.selectedCaseId !== previous.selectedCaseId) this.draw(state);
    });
  }

  private draw(state: AppState): void {
    const cases = casesOnMap(state);
    const key = cases.map((c) => `${c.id}:${c.status}:${c.overdue}:${c.lon}:${c.lat}`).join('|') + `#${state.selectedCaseId ?? ''}`;
    if (key === this.drawnKey) return;
    this.drawnKey = key;
    this.points.removeAll();
    this.drawn.clear();
    for (const c of cases) this.add(c, c.id === state.selectedCaseId);
    this.viewer.scene.requestRender();
  }

  private add(c: CaseDocument, selected: boolean): void {
    const colour = CASE_STATUS_COLOURS[c.status];
    this.points.add({
      position: Cartesian3.fromDegrees(c.lon, c.lat, HEIGHT_METRES),
      pixelSize: (c.overdue ? OVERDUE_PIXELS : PIXELS) + (selected ? 3 : 0),
      color: Color.fromCssColorString(colour),
      // Overdue (超期): larger, with a red ring; the selected case a white one.
      outlineColor: selected ? SELECTED_OUTLINE : c.overdue ? OVERDUE_COLOUR : OUTLINE,
      outlineWidth: c.overdue || selected ? 3 : 1,
      disableDepthTestDistance: Number.POSITIVE_INFINITY,
      scaleByDistance: new NearFarScalar(300, 1.2, 8000, 0.7),
      id: { kind: 'case', caseId: c.id } satisfies CasePick,
    });
    this.drawn.set(c.id, { colour, overdue: c.overdue });
  }

  /** A click on the map, routed here by the city viewer (one handler for every pointer mode). */
  click(position: Cartesian2): void {
    const state = this.store.getState();
    if (state.casePicking) {
      const point = this.groundPosition(position);
      if (point) state.setCasePickedPoint(point);
      return;
    }
    const picked = this.viewer.scene.pick(position) as { id?: CasePick } | undefined;
    if (picked?.id?.kind === 'case') state.selectCase(picked.id.caseId);
  }

  private groundPosition(position: Cartesian2): [number, number] | undefined {
    const scene = this.viewer.scene;
    const ray = this.viewer.camera.getPickRay(position);
    const cartesian = (ray && scene.globe.pick(ray, scene)) ?? this.viewer.camera.pickEllipsoid(position, scene.globe.ellipsoid);
    if (!cartesian) return undefined;
    const c = Cartographic.fromCartesian(cartesian);
    return [CesiumMath.toDegrees(c.longitude), CesiumMath.toDegrees(c.latitude)];
  }

  /** The cases drawn now, with their colour and overdue mark (for tests and automation). */
  marks(): { caseId: string; colour: string; overdue: boolean }[] {
    return [...this.drawn].map(([caseId, mark]) => ({ caseId, ...mark }));
  }

  destroy(): void {
    this.unsubscribe();
    if (!this.viewer.isDestroyed()) this.viewer.scene.primitives.remove(this.points);
  }
}
