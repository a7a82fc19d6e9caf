/**
 * UI text in zh-CN (default) and English. Terms follow the field's usage (CJJ/T 315 CIM
 * platform, 城市运行管理服务). Property labels cover our tiles' attributes; unknown property IDs
 * (third-party tilesets) are shown as they are.
 */
import type { Language } from '../store/url-state.ts';

const zh = {
  appTitle: '城市信息模型 · 数字孪生',
  searchPlaceholder: '搜索建筑名称、地址或编号',
  searchNoResults: '无匹配结果',
  searchLoading: '正在加载索引…',
  layers: '图层',
  zoomTo: '定位',
  loadingTiles: (n: number) => `正在加载瓦片（${n}）`,
  viewComplete: '场景加载完成',
  starting: '正在初始化场景…',
  layerFailed: '图层加载失败',
  contentFailed: '部分瓦片加载失败',
  properties: '属性',
  noSelection: '点击建筑查看其属性',
  lookingUp: '正在读取属性…',
  close: '关闭',
  languageToggle: 'English',
  dismiss: '关闭提示',
  kind: { buildings: '建筑', pipelines: '管线', external: '外部图层' } as Record<string, string>,
  property: {
    id: '编号',
    name: '名称',
    address: '地址',
    use: '用途',
    height: '高度（米）',
    floors: '层数',
    yearBuilt: '建成年份',
    min_height: '底部高度（米）',
    heightSource: '高度来源',
  } as Record<string, string>,
  value: {
    residential: '住宅',
    commercial: '商业',
    office: '办公',
    public: '公共建筑',
    education: '教育',
    medical: '医疗卫生',
    industrial: '工业',
    mixed: '商住混合',
    other: '其他',
    floors: '按层数推算',
    default: '缺省值',
  } as Record<string, string>,
};

type Dictionary = typeof zh;

const en: Dictionary = {
  appTitle: 'City Information Model · Digital Twin',
  searchPlaceholder: 'Search building name, address or ID',
  searchNoResults: 'No matches',
  searchLoading: 'Loading index…',
  layers: 'Layers',
  zoomTo: 'Zoom to',
  loadingTiles: (n: number) => `Loading tiles (${n})`,
  viewComplete: 'View loaded',
  starting: 'Starting the scene…',
  layerFailed: 'Layer failed to load',
  contentFailed: 'Some tiles failed to load',
  properties: 'Properties',
  noSelection: 'Click a building to see its properties',
  lookingUp: 'Reading properties…',
  close: 'Close',
  languageToggle: '中文',
  dismiss: 'Dismiss',
  kind: { buildings: 'Buildings', pipelines: 'Pipelines', external: 'External layer' },
  property: {
    id: 'ID',
    name: 'Name',
    address: 'Address',
    use: 'Use',
    height: 'Height (m)',
    floors: 'Floors',
    yearBuilt: 'Year built',
    min_height: 'Base height (m)',
    heightSource: 'Height source',
  },
  value: {
    residential: 'Residential',
    commercial: 'Commercial',
    office: 'Office',
    public: 'Public',
    education: 'Education',
    medical: 'Medical',
    industrial: 'Industrial',
    mixed: 'Mixed use',
    other: 'Other',
    floors: 'From floors',
    default: 'Default',
  },
};

export const dictionaries: Record<Language, Dictionary> = { zh, en };
export type { Dictionary };

export function localized(text: { zh: string; en: string } | string, language: Language): string {
  return typeof text === 'string' ? text : text[language];
}

/** A property value for display: translated enumerations, rounded numbers, '—' for no data. */
export function formatValue(value: unknown, dictionary: Dictionary): string {
  if (value === undefined || value === null || value === '') return '—';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Math.round(value * 100) / 100);
  if (typeof value === 'string') return dictionary.value[value] ?? value;
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
