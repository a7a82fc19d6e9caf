/** Text of the measuring tools (量测) and the swipe compare (卷帘), zh-CN first. */
import type { MeasureKind, SnapTarget } from '../../domain/measure.ts';
import { MEASURE_KIND_NAMES, SNAP_TARGET_NAMES } from '../../domain/measure.ts';
import type { Language } from '../../store/url-state.ts';
import type { SwipeMode } from '../../store/measure.ts';

const names = (language: Language) => ({
  tools: Object.fromEntries(Object.entries(MEASURE_KIND_NAMES).map(([k, v]) => [k, v[language]])) as Record<MeasureKind, string>,
  snaps: Object.fromEntries(Object.entries(SNAP_TARGET_NAMES).map(([k, v]) => [k, v[language]])) as Record<SnapTarget, string>,
});

const zh = {
  ...names('zh'),
  measure: '量测',
  clear: '清除',
  finish: '完成',
  results: '量测结果',
  hint: { horizontal: '单击起点和终点（两点的水平投影距离，椭球面测地线）', spatial: '单击起点和终点（两点间的直线距离）', height: '单击两点：第二点相对第一点的高差', area: '依次单击多边形顶点，右键或“完成”结束' } as Record<MeasureKind, string>,
  pointsSoFar: (n: number) => `已选 ${n} 点`,
  escToCancel: 'Esc 取消',
  snapsTo: '吸附到',
  horizontalArea: '水平投影面积',
  surfaceArea: '表面积',
  surfaceNote: '顶点不共面时按三角网计算表面积',
  swipe: '卷帘',
  swipeOff: '关闭',
  swipeModes: { dates: '两个日期（4D）', layers: '建筑 / 管线' } as Record<SwipeMode, string>,
  swipeLeft: '左',
  swipeRight: '右',
  swipeAsTiled: '现状',
  swipeDate: '右侧日期',
  swipeLoading: '正在加载对比图层…',
  swipeFailed: '对比图层加载失败',
  swipeHandle: '卷帘分割线（左右拖动）',
  buildings: '建筑',
  pipelines: '管线',
};

const en: typeof zh = {
  ...names('en'),
  measure: 'Measure',
  clear: 'Clear',
  finish: 'Finish',
  results: 'Measurements',
  hint: { horizontal: 'Click the start and the end (plan distance: the geodesic on the ellipsoid)', spatial: 'Click the start and the end (straight-line distance)', height: 'Click two points: the height of the second above the first', area: 'Click the corners in order; right-click or Finish to close' },
  pointsSoFar: (n: number) => `${n} point${n === 1 ? '' : 's'}`,
  escToCancel: 'Esc cancels',
  snapsTo: 'Snaps to',
  horizontalArea: 'Horizontal projected area',
  surfaceArea: 'Surface area',
  surfaceNote: 'Points not on one plane: surface area of the triangulated surface',
  swipe: 'Swipe',
  swipeOff: 'Off',
  swipeModes: { dates: 'Two dates (4D)', layers: 'Buildings / pipes' },
  swipeLeft: 'Left',
  swipeRight: 'Right',
  swipeAsTiled: 'As built',
  swipeDate: 'Right side date',
  swipeLoading: 'Loading the compare layer…',
  swipeFailed: 'The compare layer failed to load',
  swipeHandle: 'Swipe split line (drag left or right)',
  buildings: 'Buildings',
  pipelines: 'Pipes',
};

export type MeasureDictionary = typeof zh;

export const measureDictionaries: Record<Language, MeasureDictionary> = { zh, en };
