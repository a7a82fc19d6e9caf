/**
 * How one building is drawn, from the thematic state: its theme colour, whether the attribute
 * filter keeps it, and how it stands on the 4D date (not yet there or demolished: hidden;
 * planned: ghosted; under construction: half-transparent). Pure: the engine evaluates it per
 * feature inside a Cesium 3D Tiles style, the UI counts matches with the same rules.
 */
import { stageAsOf, standingAsOf, type StageRecord, type StandingAsOf } from '../lifecycle/lifecycle.ts';
import type { WarningLevel } from '../monitoring/warning.ts';
import { matchesFilter, type FilterClause } from './filter.ts';
import { themeEntry, type BuildingAttributes, type Theme, type ThemeContext } from './themes.ts';

export interface BuildingAppearance {
  show: boolean;
  /** CSS colour; undefined keeps the tile's own colour. */
  colour?: string;
  /** 0–1, multiplied with the layer's own fade. */
  alpha: number;
}

export interface ThematicState {
  theme: Theme;
  filter: readonly FilterClause[];
  /** YYYY-MM-DD; undefined: no 4D view. */
  asOfDate?: string;
  /** Stage dates per building ID, from the lifecycle API. */
  lifecycleDates?: ReadonlyMap<string, readonly Pick<StageRecord, 'stage' | 'date'>[]>;
  /** Live risk per asset ID (most serious open incident). */
  risk?: ReadonlyMap<string, WarningLevel>;
}

/** Alpha of planned buildings in the 4D view: proposals drawn as ghosts beside what is built. */
export const PLANNED_ALPHA = 0.3;
/** Alpha of buildings under construction in the 4D view. */
export const UNDER_CONSTRUCTION_ALPHA = 0.65;

const HIDDEN: BuildingAppearance = Object.freeze({ show: false, alpha: 0 });

/** Whether the state changes anything: when not, layers keep their plain style. */
export function isThematicActive(state: ThematicState): boolean {
  return state.theme !== 'none' || state.filter.length > 0 || state.asOfDate !== undefined;
}

/** How a building stands on the 4D date ('built' when there is no 4D view or no record). */
export function standingOf(state: ThematicState, id: string | undefined): StandingAsOf {
  if (state.asOfDate === undefined || id === undefined) return 'built';
  const stages = state.lifecycleDates?.get(id);
  return standingAsOf(stages && { stages: stages as StageRecord[] }, state.asOfDate);
}

/** The context themes read besides the tile attributes. */
export function themeContext(state: ThematicState): ThemeContext {
  return {
    stageOf: (id) => {
      const stages = state.lifecycleDates?.get(id);
      return stages ? stageAsOf({ stages: stages as StageRecord[] }, state.asOfDate ?? '9999-12-31') : undefined;
    },
    riskOf: (id) => state.risk?.get(id),
  };
}

/** The appearance rule for a state, to evaluate once per building. */
export function appearanceRule(state: ThematicState): (attributes: BuildingAttributes) => BuildingAppearance {
  const context = themeContext(state);
  return (attributes) => {
    const standing = standingOf(state, attributes.id);
    if (standing === 'not-yet' || standing === 'demolished') return HIDDEN;
    if (!matchesFilter(state.filter, attributes)) return HIDDEN;
    const alpha = standing === 'planned' ? PLANNED_ALPHA : standing === 'under-construction' ? UNDER_CONSTRUCTION_ALPHA : 1;
    const colour = themeEntry(state.theme, attributes, context)?.colour;
    return colour === undefined ? { show: true, alpha } : { show: true, colour, alpha };
  };
}

/** How many of these buildings the state shows (filter and 4D date together). */
export function countShown(state: ThematicState, buildings: Iterable<BuildingAttributes>): { shown: number; total: number } {
  const rule = appearanceRule(state);
  let shown = 0;
  let total = 0;
  for (const attributes of buildings) {
    total++;
    if (rule(attributes).show) shown++;
  }
  return { shown, total };
}
