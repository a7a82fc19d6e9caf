/** The grid views' words (网格), in both languages. */
import type { GridLayerLevel } from '../../domain/grids/grids.ts';

export interface GridDictionary {
  layer: string;
  grid: string;
  code: string;
  name: string;
  level: string;
  levels: Record<GridLayerLevel, string>;
  parent: string;
  workers: string;
  noWorkers: string;
  cases: string;
  openCases: string;
  overdueCases: string;
  buildings: string;
  residents: string;
  residentsNote: string;
  sensors: string;
  sensorsInAlarm: string;
  openIncidents: string;
  inspectionsDue: string;
  inspectionsNote: (years: number) => string;
  unavailable: string;
  truncated: string;
  loading: string;
  refresh: string;
  failed: string;
}

export const gridDictionaries: Record<'zh' | 'en', GridDictionary> = {
  zh: {
    layer: '网格',
    grid: '网格',
    code: '网格编码',
    name: '名称',
    level: '层级',
    levels: { street: '街道', community: '社区', unit: '单元网格' },
    parent: '上级',
    workers: '网格员',
    noWorkers: '未配备',
    cases: '案卷',
    openCases: '在办案卷',
    overdueCases: '超期案卷',
    buildings: '建筑',
    residents: '估算人口',
    residentsNote: '按建筑面积与用途密度估算',
    sensors: '监测设备',
    sensorsInAlarm: '报警设备',
    openIncidents: '未结监测事件',
    inspectionsDue: '应检未检建筑',
    inspectionsNote: (years) => `超过 ${years} 年未做定期检查`,
    unavailable: '无数据源',
    truncated: '（范围过大，仅计前一部分）',
    loading: '读取中…',
    refresh: '刷新',
    failed: '读取失败',
  },
  en: {
    layer: 'Grids',
    grid: 'Grid',
    code: 'Grid code',
    name: 'Name',
    level: 'Level',
    levels: { street: 'Street', community: 'Community', unit: 'Unit grid' },
    parent: 'Within',
    workers: 'Grid workers',
    noWorkers: 'none assigned',
    cases: 'Cases',
    openCases: 'Open cases',
    overdueCases: 'Overdue cases',
    buildings: 'Buildings',
    residents: 'Estimated residents',
    residentsNote: 'floor area × density of the use',
    sensors: 'Sensors',
    sensorsInAlarm: 'Sensors in alarm',
    openIncidents: 'Open incidents',
    inspectionsDue: 'Inspections overdue',
    inspectionsNote: (years) => `buildings not inspected for over ${years} years`,
    unavailable: 'no source',
    truncated: ' (area too large: counted in part)',
    loading: 'Loading…',
    refresh: 'Refresh',
    failed: 'Could not read',
  },
};
