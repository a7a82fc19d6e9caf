/** The viewer's client of the check-up API (src/server/checkup/routes.ts). */
import { apiUrl, getJson } from '../../api/http.ts';
import type { CheckupLevel } from '../../server/checkup/checkup-store.ts';
import type { CheckupAnswer, CheckupTrend } from '../../server/checkup/routes.ts';

export type { CheckupAnswer, CheckupTrend } from '../../server/checkup/routes.ts';

export function checkupFigures(base: string, code: string, month: string | undefined, signal?: AbortSignal): Promise<CheckupAnswer> {
  return getJson<CheckupAnswer>(apiUrl(base, 'checkup', { code, month }), { signal });
}

export function checkupTrend(base: string, code: string, from: string, to: string, signal?: AbortSignal): Promise<CheckupTrend> {
  return getJson<CheckupTrend>(apiUrl(base, 'checkup/trend', { code, from, to }), { signal });
}

export function checkupUnits(base: string, level: CheckupLevel, parent: string | undefined, signal?: AbortSignal): Promise<{ level: CheckupLevel; units: { code: string; name: string }[] }> {
  return getJson(apiUrl(base, 'checkup/units', { level, parent }), { signal });
}

export function checkupCsvUrl(base: string, code: string, from: string, to: string): string {
  return apiUrl(base, 'checkup.csv', { code, from, to });
}
