/** Text of the thematic panel and the time slider, zh-CN first. */
import type { FilterAttribute } from '../../domain/thematic/filter.ts';
import type { Theme } from '../../domain/thematic/themes.ts';
import type { Language } from '../../store/url-state.ts';

const zh = {
  title: '专题图',
  theme: '着色',
  themes: { none: '原始颜色', stage: '建设阶段', age: '建成年代', use: '用途', height: '建筑高度', risk: '当前风险等级' } as Record<Theme, string>,
  filter: '属性筛选',
  addClause: '添加条件',
  removeClause: '删除条件',
  clearFilter: '清除',
  filterText: '筛选表达式',
  attributes: { use: '用途', stage: '建设阶段', yearBuilt: '建成年份', floors: '层数', height: '高度（米）' } as Record<FilterAttribute, string>,
  matches: (shown: number, total: number) => `显示 ${shown.toLocaleString('zh-CN')} / ${total.toLocaleString('zh-CN')} 栋`,
  counting: '正在统计…',
  time: '时空演变（4D）',
  timeToggle: '按日期显示城市',
  asOf: (date: string) => `截至 ${date}`,
  play: '播放',
  pause: '暂停',
  year: '年份',
  date: '日期',
  datesLoading: '正在读取建设档案日期…',
  datesFailed: '建设档案日期读取失败',
  noLifecycleApi: '未配置建设档案服务：仅按瓦片属性显示',
  datesTruncated: (limit: number) => `视野内建筑超过 ${limit.toLocaleString('zh-CN')} 栋：其余按已建成显示，请放大查看`,
  noAssetsApi: '未配置资产服务：无法统计全城数量',
  countFailed: '全城数量统计失败',
  countWithoutDate: '（全城按属性统计，未计入 4D 日期）',
  ghostNote: '半透明：已立项或在建（规划方案）',
};

const en: typeof zh = {
  title: 'Thematic view',
  theme: 'Colour by',
  themes: { none: 'Original colours', stage: 'Lifecycle stage', age: 'Year built', use: 'Use', height: 'Height', risk: 'Current risk level' },
  filter: 'Attribute filter',
  addClause: 'Add condition',
  removeClause: 'Remove condition',
  clearFilter: 'Clear',
  filterText: 'Filter expression',
  attributes: { use: 'Use', stage: 'Lifecycle stage', yearBuilt: 'Year built', floors: 'Floors', height: 'Height (m)' },
  matches: (shown, total) => `Showing ${shown.toLocaleString('en')} of ${total.toLocaleString('en')} buildings`,
  counting: 'Counting…',
  time: 'The city through time (4D)',
  timeToggle: 'Show the city as of a date',
  asOf: (date) => `As of ${date}`,
  play: 'Play',
  pause: 'Pause',
  year: 'Year',
  date: 'Date',
  datesLoading: 'Reading lifecycle dates…',
  datesFailed: 'Lifecycle dates could not be read',
  noLifecycleApi: 'No lifecycle API configured: tile attributes only',
  datesTruncated: (limit) => `More than ${limit.toLocaleString('en')} buildings in view: the rest are shown as built; zoom in`,
  noAssetsApi: 'No asset API configured: no city-wide count',
  countFailed: 'The city-wide count failed',
  countWithoutDate: '(city-wide, by attributes; the 4D date is not counted)',
  ghostNote: 'Translucent: approved or under construction (proposals)',
};

export const thematicDictionaries: Record<Language, typeof zh> = { zh, en };
