/**
 * Attribute names and values of pipeline survey data (管线普查/探测成果), mapped to our model.
 * Inputs use our own names (`diameterMillimetres`, `startDepthMetres`, …), the Chinese field names
 * of survey tables (管径, 起点埋深, …), or their customary pinyin initials (GJ, QDMS, …), which fit
 * a shapefile's 10-character DBF field names. A project with other names passes its own map
 * (`--fields map.json`), which is merged over this one.
 */
import { isPipelineType, PIPELINE_TYPE_NAMES, type PipelineType, type PointAssetKind } from '../../domain/pipelines.ts';

export interface PipeFieldMap {
  id: string[];
  pipelineType: string[];
  /** Point features: what the point is (检查井, 阀门, …). */
  kind: string[];
  /** Circular diameter, or a box section written "宽X高", millimetres. */
  diameter: string[];
  width: string[];
  height: string[];
  startDepth: string[];
  endDepth: string[];
  /** One depth for both ends. */
  depth: string[];
  startInvertElevation: string[];
  endInvertElevation: string[];
  fromNode: string[];
  toNode: string[];
  material: string[];
  pressureClass: string[];
  installYear: string[];
  owner: string[];
  status: string[];
  groundElevation: string[];
  /** Point features: depth of a manhole or well (井深). */
  wellDepth: string[];
  valveState: string[];
  buildingId: string[];
}

export const DEFAULT_PIPE_FIELDS: PipeFieldMap = {
  id: ['id', 'ID', '编号', '管线编号', '管点编号', '点号', '物探点号', 'GXBH', 'WTDH', 'BH', 'DH'],
  pipelineType: ['pipelineType', 'type', '管线类型', '管类', '类别', 'GXLX', 'GXLB', 'GL'],
  kind: ['kind', 'featureType', '附属物', '特征', '附属物名称', 'FSW', 'TZ'],
  diameter: ['diameterMillimetres', 'diameter', '管径', '断面尺寸', '规格', 'GJ', 'DMCC'],
  width: ['widthMillimetres', '宽', 'KD'],
  height: ['heightMillimetres', '高', 'GD'],
  startDepth: ['startDepthMetres', '起点埋深', 'QDMS'],
  endDepth: ['endDepthMetres', '终点埋深', 'ZDMS'],
  depth: ['depthMetres', '埋深', 'MS'],
  startInvertElevation: ['startInvertElevationMetres', '起点管底高程', 'QDGDGC'],
  endInvertElevation: ['endInvertElevationMetres', '终点管底高程', 'ZDGDGC'],
  fromNode: ['fromNodeId', '起点点号', '起点号', '起点', 'QDDH', 'QD'],
  toNode: ['toNodeId', '终点点号', '终点号', '终点', 'ZDDH', 'ZD'],
  material: ['material', '材质', 'CZ'],
  pressureClass: ['pressureClass', '压力', '压力等级', 'YL'],
  installYear: ['installYear', '埋设年代', '埋设年份', '建设年代', 'MSND', 'MSNF'],
  owner: ['owner', '权属单位', 'QSDW'],
  status: ['status', '状态', '使用状态', 'ZT'],
  groundElevation: ['groundElevationMetres', '地面高程', 'DMGC'],
  wellDepth: ['wellDepthMetres', '井深', 'JS'],
  valveState: ['valveState', '阀门状态', '开关状态', 'FMZT'],
  buildingId: ['buildingId', '建筑编号', '楼栋编号', 'JZBH'],
};

/** Type values: our names, the Chinese names, and CJJ 61 codes. */
const TYPE_VALUES: Record<string, PipelineType> = {
  给水: 'water', 供水: 'water', 上水: 'water', 中水: 'water', 再生水: 'water', JS: 'water', ZS: 'water',
  排水: 'drainage-storm', 雨水: 'drainage-storm', 雨污合流: 'drainage-sewage', 合流: 'drainage-sewage', 污水: 'drainage-sewage', PS: 'drainage-storm', YS: 'drainage-storm', WS: 'drainage-sewage', HL: 'drainage-sewage',
  燃气: 'gas', 天然气: 'gas', 煤气: 'gas', 液化气: 'gas', RQ: 'gas', TR: 'gas', MQ: 'gas', YH: 'gas',
  热力: 'heat', 供热: 'heat', 热水: 'heat', 蒸汽: 'heat', RL: 'heat', RS: 'heat', ZQ: 'heat',
  电力: 'power', 供电: 'power', 路灯: 'power', 交通信号: 'power', DL: 'power', LD: 'power', XH: 'power',
  通信: 'telecom', 电信: 'telecom', 通讯: 'telecom', 移动: 'telecom', 联通: 'telecom', 有线电视: 'telecom', TX: 'telecom', DX: 'telecom', YD: 'telecom', LT: 'telecom', DS: 'telecom',
  工业: 'industrial', GY: 'industrial',
  综合管廊: 'utility-tunnel', 管廊: 'utility-tunnel', GL: 'utility-tunnel', ZH: 'utility-tunnel',
  不明: 'unknown', 不明管线: 'unknown', BM: 'unknown',
};

export function pipelineTypeOf(value: unknown): PipelineType | undefined {
  if (typeof value !== 'string') return undefined;
  const v = value.trim();
  if (isPipelineType(v)) return v;
  const chinese = (Object.keys(PIPELINE_TYPE_NAMES) as PipelineType[]).find((t) => PIPELINE_TYPE_NAMES[t].zh === v);
  return chinese ?? TYPE_VALUES[v] ?? TYPE_VALUES[v.toUpperCase()];
}

/** Point kinds: our names and the survey's names for features and fittings (特征点/附属物). */
const KIND_VALUES: [RegExp, PointAssetKind][] = [
  [/^(manhole|检查井|窨井|雨水井|污水井|检修井|人孔|JCJ|YJ)$/i, 'manhole'],
  [/^(well|阀门井|手孔|电力井|通信井|工作井|井)$/i, 'well'],
  [/^(valve|阀门|阀|闸阀|蝶阀|FM)$/i, 'valve'],
  [/^(hydrant|消防栓|消火栓|XFS|XHS)$/i, 'hydrant'],
  [/^(service-connection|接户|接户点|进户|入户|出地|JH)$/i, 'service-connection'],
  [/^(tank|水箱|水塔|储罐)$/i, 'tank'],
  [/^(reservoir|水池|清水池|水源)$/i, 'reservoir'],
  [/^(pump|泵站|水泵|BZ)$/i, 'pump'],
  [/^(junction|三通|四通|多通|弯头|转折点|变径|直线点|预留口|接头|节点|变材|盖堵|SSD|ST|ZZD|BJ)$/i, 'junction'],
];

export function pointKindOf(value: unknown): PointAssetKind | undefined {
  if (value === undefined || value === null || value === '') return 'junction';
  const v = String(value).trim();
  return KIND_VALUES.find(([pattern]) => pattern.test(v))?.[1];
}

export type ParsedSection = { kind: 'circular'; diameterMillimetres: number } | { kind: 'box'; widthMillimetres: number; heightMillimetres: number };

/** "300", "DN300", "Φ300", "d300", 300 → circular; "400X300", "400×300", "400*300" → box (width × height). */
export function sectionOf(value: unknown): ParsedSection | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? { kind: 'circular', diameterMillimetres: value } : undefined;
  if (typeof value !== 'string') return undefined;
  const v = value.trim();
  const box = /^(\d+(?:\.\d+)?)\s*[xX×*]\s*(\d+(?:\.\d+)?)$/.exec(v);
  if (box) return { kind: 'box', widthMillimetres: Number(box[1]), heightMillimetres: Number(box[2]) };
  const circle = /^(?:DN|De|dn|de|d|D|Φ|φ|Ø)?\s*(\d+(?:\.\d+)?)\s*(?:mm)?$/.exec(v);
  if (circle) return { kind: 'circular', diameterMillimetres: Number(circle[1]) };
  return undefined;
}

/** The first present (non-empty) value among a field's names. */
export function fieldValue(properties: Record<string, unknown>, names: readonly string[]): unknown {
  for (const name of names) {
    const value = properties[name];
    if (value !== undefined && value !== null && !(typeof value === 'string' && value.trim() === '')) return value;
  }
  return undefined;
}

/** A number from a number or a numeric string; undefined when absent; NaN when present but not a number. */
export function numberValue(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const n = Number(value.trim());
    return Number.isFinite(n) ? n : NaN;
  }
  return NaN;
}

/** Merge a partial map (from a project's fields file) in front of the defaults. */
export function mergeFieldMap(overrides: Partial<Record<keyof PipeFieldMap, string | string[]>> | undefined): PipeFieldMap {
  const merged = { ...DEFAULT_PIPE_FIELDS };
  for (const [key, value] of Object.entries(overrides ?? {})) {
    if (!(key in merged)) throw new Error(`unknown field "${key}" in the fields map (known: ${Object.keys(merged).join(', ')})`);
    const names = Array.isArray(value) ? value : [value];
    merged[key as keyof PipeFieldMap] = [...names, ...merged[key as keyof PipeFieldMap]];
  }
  return merged;
}
