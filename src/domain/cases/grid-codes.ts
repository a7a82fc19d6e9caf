/**
 * Grid codes (网格编码): district (6 digits, GB/T 2260) → street (9) → community (12) → unit grid
 * (14). The rules (segment ranges, the known county-level divisions, which levels a case may be
 * placed in) are in grid-codes.json; see its comment for what is sourced and what is assumed.
 */
import rules from './grid-codes.json';

export type GridLevel = 'district' | 'street' | 'community' | 'unit';

interface LevelRule {
  level: GridLevel;
  zh: string;
  en: string;
  digits: number;
  segment?: number[];
  ranges?: { min: number; max: number; zh: string; en: string }[];
}

export interface GridCodeRules {
  levels: LevelRule[];
  caseLevels: GridLevel[];
  divisions: Record<string, { zh: string; en: string }>;
}

export const GRID_CODE_RULES: GridCodeRules = rules as unknown as GridCodeRules;

export interface ParsedGridCode {
  code: string;
  level: GridLevel;
  /** The county-level division (6 digits) and its name. */
  division: string;
  divisionName: string;
  /** The codes of each enclosing level, from the district down to this one. */
  path: string[];
}

/** Parse a grid code, or say exactly what is wrong with it. */
export function parseGridCode(code: string, gridRules: GridCodeRules = GRID_CODE_RULES): ParsedGridCode | { error: string } {
  if (typeof code !== 'string' || !/^\d+$/.test(code)) return { error: `grid code ${JSON.stringify(String(code).slice(0, 40))} must be digits only` };
  const level = gridRules.levels.find((l) => l.digits === code.length);
  if (!level) return { error: `grid code ${code} has ${code.length} digits; a grid code has ${gridRules.levels.map((l) => `${l.digits} (${l.en.toLowerCase()})`).join(', ')}` };
  const division = code.slice(0, 6);
  const known = Object.hasOwn(gridRules.divisions, division) ? gridRules.divisions[division] : undefined;
  if (!known) return { error: `grid code ${code}: county-level division ${division} is not one of this platform's (${Object.keys(gridRules.divisions).join(', ')}; add yours to grid-codes.json)` };
  const path: string[] = [];
  for (const rule of gridRules.levels) {
    if (rule.digits > code.length) break;
    path.push(code.slice(0, rule.digits));
    if (!rule.segment || !rule.ranges) continue;
    const [from, to] = rule.segment as [number, number];
    const value = Number(code.slice(from, to));
    if (!rule.ranges.some((r) => value >= r.min && value <= r.max)) {
      return { error: `grid code ${code}: digits ${from + 1}–${to} (${code.slice(from, to)}, the ${rule.en.toLowerCase()}) must be in ${rule.ranges.map((r) => `${String(r.min).padStart(to - from, '0')}–${String(r.max).padStart(to - from, '0')} (${r.zh})`).join(', ')}` };
    }
  }
  return { code, level: level.level, division, divisionName: known.zh, path };
}

/** Check a grid code a case may be placed in: a valid code of one of the case levels (community, unit grid). */
export function checkCaseGridCode(code: string, gridRules: GridCodeRules = GRID_CODE_RULES): ParsedGridCode | { error: string } {
  const parsed = parseGridCode(code, gridRules);
  if ('error' in parsed) return parsed;
  if (!gridRules.caseLevels.includes(parsed.level)) {
    const names = gridRules.levels.filter((l) => gridRules.caseLevels.includes(l.level)).map((l) => `${l.en.toLowerCase()} (${l.digits} digits)`);
    return { error: `grid code ${code} names a ${parsed.level}; a case is placed in a ${names.join(' or ')}` };
  }
  return parsed;
}

/** Whether text is an area prefix for listing: a code of any level (district, street, community or unit grid). */
export function checkAreaCode(code: string, gridRules: GridCodeRules = GRID_CODE_RULES): ParsedGridCode | { error: string } {
  return parseGridCode(code, gridRules);
}
