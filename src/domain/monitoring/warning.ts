/**
 * China's four-colour warning scale (预警等级) and the state of a sensor reading against it.
 * Level I is the most serious. Pure; no engine, UI or Node imports.
 */

/** 1 = I 红 (particularly serious) … 4 = IV 蓝 (general). */
export type WarningLevel = 1 | 2 | 3 | 4;

/** A reading's state: normal, or a warning level. */
export type SensorState = 'normal' | WarningLevel;

export const WARNING_LEVELS: readonly WarningLevel[] = [1, 2, 3, 4];

export const WARNING_LEVEL_NAMES: Record<WarningLevel, { roman: string; zh: string; en: string }> = {
  1: { roman: 'I', zh: 'Ⅰ级 红色 特别严重', en: 'I red, particularly serious' },
  2: { roman: 'II', zh: 'Ⅱ级 橙色 严重', en: 'II orange, serious' },
  3: { roman: 'III', zh: 'Ⅲ级 黄色 较重', en: 'III yellow, relatively serious' },
  4: { roman: 'IV', zh: 'Ⅳ级 蓝色 一般', en: 'IV blue, general' },
};

/** Display colours of the four-colour scale, and of a normal reading. */
export const SENSOR_STATE_COLOURS: Record<'normal' | WarningLevel, string> = {
  normal: '#3ddc84',
  1: '#e8002d',
  2: '#ff7f00',
  3: '#ffd400',
  4: '#1e6fff',
};

/** The more serious of two states (level 1 beats level 4 beats normal). */
export function moreSerious(a: SensorState, b: SensorState): SensorState {
  if (a === 'normal') return b;
  if (b === 'normal') return a;
  return Math.min(a, b) as WarningLevel;
}

export function isWarningLevel(value: unknown): value is WarningLevel {
  return value === 1 || value === 2 || value === 3 || value === 4;
}
