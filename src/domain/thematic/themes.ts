/**
 * Thematic views of the building base (专题图): colour every building by its lifecycle stage,
 * age, use, height class or current risk level, each with a legend. Pure: the engine turns a
 * building's class into a Cesium 3D Tiles style; the UI draws the legend from the same table.
 */
import { BUILDING_USES, type BuildingUse } from '../buildings.ts';
import { LIFECYCLE_STAGES, LIFECYCLE_STAGE_NAMES, type LifecycleStage } from '../lifecycle/lifecycle.ts';
import { SENSOR_STATE_COLOURS, WARNING_LEVEL_NAMES, type SensorState } from '../monitoring/warning.ts';

export const THEMES = ['none', 'stage', 'age', 'use', 'height', 'risk'] as const;
export type Theme = (typeof THEMES)[number];

export function isTheme(value: unknown): value is Theme {
  return typeof value === 'string' && (THEMES as readonly string[]).includes(value);
}

/** The attributes a building's tile feature carries for styling (see ARCHITECTURE.md). */
export interface BuildingAttributes {
  id?: string;
  use?: string;
  yearBuilt?: number;
  floors?: number;
  /** Roof height above ground, metres (the tiles' `height`). */
  height?: number;
  /** Current lifecycle stage (the tiles' `stage`). */
  stage?: string;
}

export interface LegendEntry {
  key: string;
  zh: string;
  en: string;
  /** CSS colour. */
  colour: string;
}

/** What a theme may need besides the tile attributes. */
export interface ThemeContext {
  /** Lifecycle stage from the lifecycle API (e.g. as of the 4D date); overrides the tile's `stage`. */
  stageOf?(id: string): LifecycleStage | undefined;
  /** Current risk state of an asset from live monitoring; undefined reads as normal. */
  riskOf?(id: string): SensorState | undefined;
}

/** Buildings whose class cannot be told (missing attribute). */
export const UNKNOWN_ENTRY: LegendEntry = { key: 'unknown', zh: '无数据', en: 'No data', colour: '#9e9e9e' };

const STAGE_COLOURS: Record<LifecycleStage, string> = {
  'project-approval': '#b39ddb',
  'planning-permit': '#7e57c2',
  'construction-permit': '#ffb300',
  'completion-acceptance': '#26a69a',
  operation: '#43a047',
  renovation: '#29b6f6',
  demolition: '#6d4c41',
};

const USE_NAMES: Record<BuildingUse, [string, string, string]> = {
  residential: ['住宅', 'Residential', '#f4c542'],
  commercial: ['商业', 'Commercial', '#e8590c'],
  office: ['办公', 'Office', '#4263eb'],
  public: ['公共管理与公共服务', 'Public', '#ae3ec9'],
  education: ['教育', 'Education', '#12b886'],
  medical: ['医疗卫生', 'Medical', '#fa5252'],
  industrial: ['工业', 'Industrial', '#868e96'],
  mixed: ['商住混合', 'Mixed use', '#f783ac'],
  other: ['其他', 'Other', '#ced4da'],
};

/** Year-built classes: before the 1980s reform housing, the 1980s–90s, then by decade. */
const AGE_CLASSES: { key: string; before: number; zh: string; en: string; colour: string }[] = [
  { key: 'before-1980', before: 1980, zh: '1980年以前', en: 'Before 1980', colour: '#7f2704' },
  { key: '1980-1999', before: 2000, zh: '1980–1999年', en: '1980–1999', colour: '#d94801' },
  { key: '2000-2009', before: 2010, zh: '2000–2009年', en: '2000–2009', colour: '#fd8d3c' },
  { key: '2010-2019', before: 2020, zh: '2010–2019年', en: '2010–2019', colour: '#fdd0a2' },
  { key: 'since-2020', before: Infinity, zh: '2020年以后', en: 'Since 2020', colour: '#fff5eb' },
];

/**
 * Height classes after GB 50352-2019 §3.1.2: up to 24 m low- and multi-storey (27 m for
 * residential, simplified here to one bound), over 24 m high-rise, over 100 m super high-rise;
 * the high-rise class is split at 50 m, the fire-code bound of GB 50016 for class-one public
 * high-rises.
 */
const HEIGHT_CLASSES: { key: string; upTo: number; zh: string; en: string; colour: string }[] = [
  { key: 'up-to-24', upTo: 24, zh: '24米及以下（低层、多层）', en: '≤ 24 m (low/multi-storey)', colour: '#c6dbef' },
  { key: '24-50', upTo: 50, zh: '24–50米（高层）', en: '24–50 m (high-rise)', colour: '#6baed6' },
  { key: '50-100', upTo: 100, zh: '50–100米（高层）', en: '50–100 m (high-rise)', colour: '#2171b5' },
  { key: 'over-100', upTo: Infinity, zh: '100米以上（超高层）', en: '> 100 m (super high-rise)', colour: '#08306b' },
];

const RISK_ENTRIES: LegendEntry[] = [
  { key: '1', zh: WARNING_LEVEL_NAMES[1].zh, en: WARNING_LEVEL_NAMES[1].en, colour: SENSOR_STATE_COLOURS[1] },
  { key: '2', zh: WARNING_LEVEL_NAMES[2].zh, en: WARNING_LEVEL_NAMES[2].en, colour: SENSOR_STATE_COLOURS[2] },
  { key: '3', zh: WARNING_LEVEL_NAMES[3].zh, en: WARNING_LEVEL_NAMES[3].en, colour: SENSOR_STATE_COLOURS[3] },
  { key: '4', zh: WARNING_LEVEL_NAMES[4].zh, en: WARNING_LEVEL_NAMES[4].en, colour: SENSOR_STATE_COLOURS[4] },
  // Normal buildings stay light, so the few at risk stand out.
  { key: 'normal', zh: '正常', en: 'Normal', colour: '#e9ecef' },
];

const LEGENDS: Record<Exclude<Theme, 'none'>, LegendEntry[]> = {
  stage: LIFECYCLE_STAGES.map((stage) => ({ key: stage, ...LIFECYCLE_STAGE_NAMES[stage], colour: STAGE_COLOURS[stage] })),
  age: AGE_CLASSES.map(({ key, zh, en, colour }) => ({ key, zh, en, colour })),
  use: BUILDING_USES.map((use) => ({ key: use, zh: USE_NAMES[use][0], en: USE_NAMES[use][1], colour: USE_NAMES[use][2] })),
  height: HEIGHT_CLASSES.map(({ key, zh, en, colour }) => ({ key, zh, en, colour })),
  risk: RISK_ENTRIES,
};

/** The legend of a theme, in display order (empty for 'none'). */
export function themeLegend(theme: Theme): readonly LegendEntry[] {
  return theme === 'none' ? [] : LEGENDS[theme];
}

/** The legend key of a building under a theme; undefined when the attribute is missing (shown as UNKNOWN_ENTRY). */
export function themeKey(theme: Theme, attributes: BuildingAttributes, context: ThemeContext = {}): string | undefined {
  switch (theme) {
    case 'none':
      return undefined;
    case 'stage': {
      const stage = (attributes.id !== undefined ? context.stageOf?.(attributes.id) : undefined) ?? attributes.stage;
      return stage !== undefined && (LIFECYCLE_STAGES as readonly string[]).includes(stage) ? stage : undefined;
    }
    case 'age': {
      const year = attributes.yearBuilt;
      if (year === undefined || !Number.isFinite(year)) return undefined;
      return AGE_CLASSES.find((c) => year < c.before)!.key;
    }
    case 'use':
      return attributes.use !== undefined && (BUILDING_USES as readonly string[]).includes(attributes.use) ? attributes.use : undefined;
    case 'height': {
      const height = attributes.height;
      if (height === undefined || !Number.isFinite(height)) return undefined;
      return HEIGHT_CLASSES.find((c) => height <= c.upTo)!.key;
    }
    case 'risk': {
      const state = attributes.id !== undefined ? context.riskOf?.(attributes.id) : undefined;
      return String(state ?? 'normal');
    }
  }
}

/** The legend entry a building falls in under a theme (UNKNOWN_ENTRY when its attribute is missing). */
export function themeEntry(theme: Theme, attributes: BuildingAttributes, context: ThemeContext = {}): LegendEntry | undefined {
  if (theme === 'none') return undefined;
  const key = themeKey(theme, attributes, context);
  return LEGENDS[theme].find((e) => e.key === key) ?? UNKNOWN_ENTRY;
}
