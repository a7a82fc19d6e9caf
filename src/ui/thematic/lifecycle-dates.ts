/**
 * The stage dates of the buildings in view, for the 4D view and the stage theme: asked of the
 * lifecycle API (GET /lifecycle/dates?bbox=) for the camera's view rectangle, again each time the
 * camera stops, at most VIEW_DATES_LIMIT buildings a view. Never every building's dates.
 */
import { useEffect } from 'react';
import { ApiError } from '../../api/http.ts';
import { lifecycleDatesInBbox, LIFECYCLE_DATES_MAXIMUM_SPAN_DEGREES } from '../../api/lifecycle.ts';
import type { Bbox } from '../../domain/assets.ts';
import type { CityViewer } from '../../engine/city-viewer.ts';
import { useServices } from '../context.ts';

/**
 * The error held when the lifecycle API has no dates route (a server without an asset store, so
 * it cannot tell which buildings are in view): the time slider says so in words.
 */
export const NO_DATES_ROUTE = 'no-dates-route';

/** Buildings looked up per view; the answer says when the view held more. */
export const VIEW_DATES_LIMIT = 5_000;

const DEGREES = 180 / Math.PI;
/** Half the widest box asked for, a little inside the server's bound. */
const HALF_SPAN = (LIFECYCLE_DATES_MAXIMUM_SPAN_DEGREES / 2) * 0.98;

/**
 * The box to ask for: the view rectangle, cut to the server's bound around the view's centre
 * (a view toward the horizon reaches far; the near part is what is drawn in detail). Pure.
 */
export function boxToAsk(view: Bbox | undefined, centre: [number, number]): Bbox {
  const [lon, lat] = centre;
  const around: Bbox = [Math.max(-180, lon - HALF_SPAN), Math.max(-90, lat - HALF_SPAN), Math.min(180, lon + HALF_SPAN), Math.min(90, lat + HALF_SPAN)];
  if (!view || !view.every(Number.isFinite) || view[0] > view[2] || view[1] > view[3]) return around;
  const cut: Bbox = [Math.max(view[0], around[0]), Math.max(view[1], around[1]), Math.min(view[2], around[2]), Math.min(view[3], around[3])];
  return cut[0] <= cut[2] && cut[1] <= cut[3] ? cut : around;
}

function viewBox(engine: CityViewer): Bbox {
  const rectangle = engine.viewer.camera.computeViewRectangle(engine.viewer.scene.globe.ellipsoid);
  const view: Bbox | undefined = rectangle ? [rectangle.west * DEGREES, rectangle.south * DEGREES, rectangle.east * DEGREES, rectangle.north * DEGREES] : undefined;
  // Rounded to about 10 m, so that a view that did not move is not asked again.
  return boxToAsk(view, engine.viewCentre()).map((v) => Number(v.toFixed(4))) as Bbox;
}

/** While `active`, keep the store's lifecycle dates to those of the buildings in view. */
export function useViewLifecycleDates(active: boolean): void {
  const services = useServices();
  const apiUrl = services.lifecycleApiUrl();
  useEffect(() => {
    if (!active || !apiUrl) return;
    const { store } = services;
    let attached: CityViewer | undefined;
    let detach: (() => void) | undefined;
    let controller: AbortController | undefined;
    let asked = '';
    const ask = () => {
      const engine = services.engine();
      if (!engine) return;
      const bbox = viewBox(engine);
      const key = bbox.join(',');
      if (key === asked) return;
      asked = key;
      controller?.abort();
      const current = (controller = new AbortController());
      lifecycleDatesInBbox(apiUrl, bbox, { limit: VIEW_DATES_LIMIT, signal: current.signal })
        .then((answer) => {
          if (!current.signal.aborted) store.getState().addViewLifecycleDates(answer);
        })
        .catch((error: unknown) => {
          if (current.signal.aborted) return;
          asked = '';
          const message = error instanceof ApiError && error.status === 404 ? NO_DATES_ROUTE : error instanceof Error ? error.message : String(error);
          store.getState().setLifecycleDates(store.getState().lifecycleDates, message);
        });
    };
    // The engine is made after the panels mount, and again after a lost WebGL context.
    const attach = () => {
      const engine = services.engine();
      if (engine === attached) return;
      detach?.();
      detach = undefined;
      attached = engine;
      asked = '';
      if (engine) {
        detach = engine.viewer.camera.moveEnd.addEventListener(ask);
        ask();
      }
    };
    attach();
    const timer = window.setInterval(attach, 1_000);
    return () => {
      window.clearInterval(timer);
      detach?.();
      controller?.abort();
    };
  }, [active, apiUrl, services]);
}
