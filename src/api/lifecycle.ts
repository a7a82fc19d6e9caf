/**
 * The viewer's client of the lifecycle API's bounded reads (src/server/lifecycle/): the stage
 * dates of the buildings in view, the inspection overview (counts and first rows) and a page of
 * one of its lists. None of them grows with the city: the viewer never asks for every building's
 * dates (/lifecycle/summary) or every inspection.
 */
import type { Bbox } from '../domain/assets.ts';
import type { InspectionList, InspectionPage, InspectionSummary } from '../domain/lifecycle/inspections.ts';
import { apiUrl, getJson } from './http.ts';

export type { InspectionList, InspectionPage, InspectionSummary } from '../domain/lifecycle/inspections.ts';

/** What GET /lifecycle/dates answers (src/server/lifecycle/dates-route.ts). */
export interface LifecycleDatesInView {
  /** Stage dates ({ stage: date }) of the buildings in the box that have a record. */
  dates: Record<string, Record<string, string>>;
  /** Buildings in the box that were looked up. */
  buildings: number;
  /** More buildings lie in the box than were looked up. */
  truncated: boolean;
  /** When truncated: the box around the centre whose buildings all were looked up. */
  covered?: Bbox;
}

/** Widest box the server takes, degrees either way. */
export const LIFECYCLE_DATES_MAXIMUM_SPAN_DEGREES = 0.5;

/** The stage dates of the buildings in a bbox (W, S, E, N degrees), at most `limit` buildings. */
export function lifecycleDatesInBbox(base: string, bbox: Bbox, options: { limit?: number; signal?: AbortSignal } = {}): Promise<LifecycleDatesInView> {
  return getJson<LifecycleDatesInView>(apiUrl(base, 'lifecycle/dates', { bbox: bbox.map((v) => Number(v.toFixed(6))).join(','), limit: options.limit }), { signal: options.signal });
}

/** The inspection overview on a day: counts, and the first `limit` rows of each list. */
export function inspectionSummary(base: string, today: string, limit: number, options: { signal?: AbortSignal } = {}): Promise<InspectionSummary> {
  return getJson<InspectionSummary>(apiUrl(base, 'lifecycle/inspections', { today, limit }), options);
}

/** A page of one list of the overview. */
export function inspectionPage<L extends InspectionList>(base: string, list: L, today: string, offset: number, limit: number, options: { signal?: AbortSignal } = {}): Promise<InspectionPage<L>> {
  return getJson<InspectionPage<L>>(apiUrl(base, `lifecycle/inspections/${list}`, { today, offset, limit }), options);
}
