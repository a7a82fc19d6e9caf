/** The check-up panel's words (城市体检), in both languages. Indicator names and definitions are in src/domain/checkup/indicators.json. */
import type { CheckupLevel } from '../../server/checkup/checkup-store.ts';

export interface CheckupDictionary {
  title: string;
  open: string;
  level: string;
  levels: Record<CheckupLevel, string>;
  unit: string;
  month: string;
  indicator: string;
  value: string;
  assumed: string;
  assumedNote: string;
  definition: string;
  formula: string;
  source: string;
  national: string;
  relation: Record<'same' | 'proxy' | 'none', string>;
  trend: string;
  exportCsv: string;
  loading: string;
  failed: string;
  noData: string;
  snapshot: string;
  reconstructed: string;
  noSensorSnapshot: string;
  computedAt: string;
  refresh: string;
}

export const checkupDictionaries: Record<'zh' | 'en', CheckupDictionary> = {
  zh: {
    title: '城市体检',
    open: '城市体检',
    level: '层级',
    levels: { district: '区', street: '街道', community: '社区', unit: '单元网格' },
    unit: '单元',
    month: '月份',
    indicator: '指标',
    value: '值',
    assumed: '假定口径',
    assumedNote: '定义(阈值、基数或范围)为本平台假定,非国家发布口径',
    definition: '定义',
    formula: '计算方法',
    source: '数据来源',
    national: '国家体检指标',
    relation: { same: '口径相同', proxy: '代理指标', none: '无对应' },
    trend: '月度趋势',
    exportCsv: '导出 CSV',
    loading: '正在计算…',
    failed: '读取失败',
    noData: '该月尚无体检数据',
    snapshot: '当月快照',
    reconstructed: '由历史记录重算',
    noSensorSnapshot: '该月无设备在线快照(在线状态无法事后重算)',
    computedAt: '计算时间',
    refresh: '刷新',
  },
  en: {
    title: 'City check-up',
    open: 'City check-up',
    level: 'Level',
    levels: { district: 'District', street: 'Street', community: 'Community', unit: 'Unit grid' },
    unit: 'Area',
    month: 'Month',
    indicator: 'Indicator',
    value: 'Value',
    assumed: 'Assumed definition',
    assumedNote: 'The definition (threshold, base or scope) is this platform\'s, not a published one',
    definition: 'Definition',
    formula: 'Formula',
    source: 'Data source',
    national: 'National check-up indicator',
    relation: { same: 'same definition', proxy: 'proxy', none: 'no counterpart' },
    trend: 'Monthly trend',
    exportCsv: 'Export CSV',
    loading: 'Computing…',
    failed: 'Could not read',
    noData: 'No check-up for this month yet',
    snapshot: 'snapshot of the month',
    reconstructed: 'reconstructed from records',
    noSensorSnapshot: 'No sensor snapshot this month (online state cannot be recomputed afterwards)',
    computedAt: 'Computed',
    refresh: 'Refresh',
  },
};
