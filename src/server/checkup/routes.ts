/**
 * The check-up API (城市体检) over a CheckupStore, beside the grid and case APIs. Data routes
 * (access.ts). An area is a code of any level: district (区, 6 digits), street (街道, 9),
 * community (社区, 12) or unit grid (单元网格, 14); its figures are its grids' facts summed in SQL.
 *
 *   GET /api/checkup?code=…[&level=district|street|community|unit][&month=YYYY-MM]
 *       the area's indicators for a month (default: the month in progress): each indicator's
 *       value, and the facts it was computed from; 404 when the month was never computed
 *   GET /api/checkup/trend?code=…&from=YYYY-MM&to=YYYY-MM
 *       the indicators per computed month (at most 120 months)
 *   GET /api/checkup.csv?code=…[&month=…|&from=…&to=…]
 *       the same as CSV (UTF-8 with BOM), one row per month and indicator, formula text defused
 *   GET /api/checkup/units?level=…[&parent=code]
 *       the areas of a level holding facts (under a parent), with names
 *
 * Bad input is a 400 naming the parameter; an unknown area a 404.
 */
import type { FastifyInstance } from 'fastify';
import { computeIndicators, INDICATORS, isMonth, monthOf, monthsBetween, type CheckupFacts } from '../../domain/checkup/indicators.ts';
import { csvRow, CSV_BOM } from '../../domain/cases/csv.ts';
import { GRID_CODE_RULES, parseGridCode } from '../../domain/cases/grid-codes.ts';
import { DATA_ROUTE, registerAccess } from '../access.ts';
import type { GridStore } from '../grids/grid-store.ts';
import { CHECKUP_LEVELS, CheckupInputError, levelOfCode, type CheckupLevel, type CheckupMonth, type CheckupStore } from './checkup-store.ts';

export interface CheckupRoutesOptions {
  store: CheckupStore;
  grids: GridStore;
  apiKeys?: string[];
  readsNeedKey?: boolean;
  now?: () => number;
}

class CheckupApiError extends Error {
  constructor(readonly statusCode: number, message: string) {
    super(message);
  }
}

type Query = Record<string, string | string[] | undefined>;

function single(query: Query, key: string): string | undefined {
  const value = query[key];
  if (Array.isArray(value)) throw new CheckupApiError(400, `${key}: give it once`);
  return value;
}

function checkParameters(query: Query, allowed: readonly string[]): void {
  const unknown = Object.keys(query).find((key) => !allowed.includes(key));
  if (unknown !== undefined) throw new CheckupApiError(400, `${unknown.slice(0, 40)}: not a parameter here (${allowed.join(', ')})`);
}

function monthParameter(query: Query, key: string): string | undefined {
  const text = single(query, key);
  if (text === undefined) return undefined;
  if (!isMonth(text)) throw new CheckupApiError(400, `${key}: ${JSON.stringify(String(text).slice(0, 20))} is not a month (YYYY-MM)`);
  return text;
}

export interface IndicatorValue {
  id: string;
  value: number | null;
  unit: string;
  assumed: boolean;
}

export interface CheckupAnswer {
  code: string;
  level: CheckupLevel;
  name: string;
  month: string;
  computedAt: string;
  kind: CheckupMonth['kind'];
  sensorsObserved: boolean;
  /** Grid rows summed (0: nothing of this area is in the month's facts). */
  rows: number;
  indicators: IndicatorValue[];
  facts: CheckupFacts;
}

export interface CheckupTrend {
  code: string;
  level: CheckupLevel;
  name: string;
  from: string;
  to: string;
  /** The computed months in the range, oldest first. */
  months: { month: string; kind: CheckupMonth['kind']; sensorsObserved: boolean; rows: number; values: Record<string, number | null> }[];
  /** Months in the range never computed. */
  missing: string[];
}

function indicatorValues(facts: CheckupFacts): IndicatorValue[] {
  const values = computeIndicators(facts);
  return INDICATORS.map((d) => ({ id: d.id, value: values[d.id], unit: d.unit, assumed: d.assumed }));
}

export function registerCheckupRoutes(app: FastifyInstance, options: CheckupRoutesOptions): void {
  const { store, grids } = options;
  const now = options.now ?? Date.now;
  registerAccess(app, { apiKeys: options.apiKeys ?? [], readsNeedKey: options.readsNeedKey });

  /** The area of a code: its level and name (the grid store's, or the division's for a district); 400/404 otherwise. */
  const areaOf = async (query: Query): Promise<{ code: string; level: CheckupLevel; name: string }> => {
    const code = single(query, 'code');
    if (code === undefined) throw new CheckupApiError(400, 'code: required (a district, street, community or unit grid code)');
    const parsed = parseGridCode(code);
    if ('error' in parsed) throw new CheckupApiError(400, `code: ${parsed.error}`);
    const level = levelOfCode(code)!;
    const asked = single(query, 'level');
    if (asked !== undefined && asked !== level) {
      if (!(CHECKUP_LEVELS as readonly string[]).includes(asked)) throw new CheckupApiError(400, `level: ${JSON.stringify(asked.slice(0, 20))}: one of ${CHECKUP_LEVELS.join(', ')}`);
      throw new CheckupApiError(400, `level: ${asked}, but code ${code} is a ${level} (${code.length} digits)`);
    }
    if (level === 'district') return { code, level, name: parsed.divisionName };
    const grid = await grids.get(code);
    if (!grid) throw new CheckupApiError(404, `no grid ${code}`);
    return { code, level, name: grid.name };
  };

  const answer = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof CheckupInputError) throw new CheckupApiError(400, error.message);
      throw error;
    }
  };

  const monthFigures = async (area: { code: string; level: CheckupLevel; name: string }, month: string): Promise<CheckupAnswer> => {
    const info = await store.month(month);
    const figures = info && (await answer(() => store.area(area.code, month)));
    if (!info || !figures) {
      const computed = (await store.months()).map((m) => m.month);
      throw new CheckupApiError(404, `no check-up for ${month} (computed: ${computed.length ? `${computed[0]} to ${computed[computed.length - 1]}` : 'none yet'})`);
    }
    return { ...area, month, computedAt: new Date(info.computedAtMs).toISOString(), kind: info.kind, sensorsObserved: info.sensorsObserved, rows: figures.rows, indicators: indicatorValues(figures.facts), facts: figures.facts };
  };

  const trendOf = async (area: { code: string; level: CheckupLevel; name: string }, from: string, to: string): Promise<CheckupTrend> => {
    let wanted: string[];
    try {
      wanted = monthsBetween(from, to);
    } catch (error) {
      throw new CheckupApiError(400, `from/to: ${(error as Error).message}`);
    }
    const rows = await answer(() => store.trend(area.code, from, to));
    const infos = new Map((await store.months()).map((m) => [m.month, m]));
    const have = new Set(rows.map((r) => r.month));
    return {
      ...area,
      from,
      to,
      months: rows.map((r) => ({ month: r.month, kind: infos.get(r.month)!.kind, sensorsObserved: infos.get(r.month)!.sensorsObserved, rows: r.rows, values: computeIndicators(r.facts) })),
      missing: wanted.filter((m) => !have.has(m)),
    };
  };

  app.get('/api/checkup', DATA_ROUTE, async (request): Promise<CheckupAnswer> => {
    const query = request.query as Query;
    checkParameters(query, ['code', 'level', 'month']);
    const area = await areaOf(query);
    return monthFigures(area, monthParameter(query, 'month') ?? monthOf(now()));
  });

  app.get('/api/checkup/trend', DATA_ROUTE, async (request): Promise<CheckupTrend> => {
    const query = request.query as Query;
    checkParameters(query, ['code', 'level', 'from', 'to']);
    const area = await areaOf(query);
    const to = monthParameter(query, 'to') ?? monthOf(now());
    const from = monthParameter(query, 'from');
    if (from === undefined) throw new CheckupApiError(400, 'from: required (YYYY-MM)');
    return trendOf(area, from, to);
  });

  app.get('/api/checkup.csv', DATA_ROUTE, async (request, reply) => {
    const query = request.query as Query;
    checkParameters(query, ['code', 'level', 'month', 'from', 'to']);
    const area = await areaOf(query);
    const month = monthParameter(query, 'month');
    const from = monthParameter(query, 'from');
    const to = monthParameter(query, 'to');
    if (month !== undefined && (from !== undefined || to !== undefined)) throw new CheckupApiError(400, 'month: give month, or from and to, not both');
    const lines = [CSV_BOM + csvRow(['月份 month', '编码 code', '名称 name', '层级 level', '指标 indicator', '指标名称', 'indicator name', '值 value', '单位 unit', '假定口径 assumed', '国家体系对应 national counterpart', '对应关系 relation'])];
    const row = (m: string, values: Record<string, number | null>) => {
      for (const d of INDICATORS) {
        const value = values[d.id];
        lines.push(csvRow([m, area.code, area.name, area.level, d.id, d.name.zh, d.name.en, value === null || value === undefined ? null : Math.round(value * 1000) / 1000, d.unit, d.assumed, d.national.name, d.national.relation]));
      }
    };
    let stem: string;
    if (from !== undefined || to !== undefined) {
      if (from === undefined) throw new CheckupApiError(400, 'from: required with to (YYYY-MM)');
      const trend = await trendOf(area, from, to ?? monthOf(now()));
      for (const m of trend.months) row(m.month, m.values);
      stem = `${trend.from}_${trend.to}`;
    } else {
      const figures = await monthFigures(area, month ?? monthOf(now()));
      row(figures.month, computeIndicators(figures.facts));
      stem = figures.month;
    }
    return reply
      .type('text/csv; charset=utf-8')
      .header('Content-Disposition', `attachment; filename="checkup-${area.code}-${stem}.csv"`)
      .send(lines.join(''));
  });

  app.get('/api/checkup/units', DATA_ROUTE, async (request) => {
    const query = request.query as Query;
    checkParameters(query, ['level', 'parent']);
    const level = single(query, 'level');
    if (!(CHECKUP_LEVELS as readonly (string | undefined)[]).includes(level)) throw new CheckupApiError(400, `level: ${level === undefined ? 'required' : JSON.stringify(level.slice(0, 20))}: one of ${CHECKUP_LEVELS.join(', ')}`);
    const parent = single(query, 'parent');
    if (parent !== undefined) {
      const parsed = parseGridCode(parent);
      if ('error' in parsed) throw new CheckupApiError(400, `parent: ${parsed.error}`);
    }
    const codes = await answer(() => store.units(level as CheckupLevel, parent, 1000));
    const units = await Promise.all(codes.map(async (code) => ({
      code,
      name: level === 'district' ? (GRID_CODE_RULES.divisions[code]?.zh ?? code) : ((await grids.get(code))?.name ?? code),
    })));
    return { level, units };
  });
}
