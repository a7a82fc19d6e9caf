/**
 * UI text of the layer tools (placing a tileset with no georeference) and of the attribute panel's
 * raw values and layer metadata, zh-CN and English.
 */
import type { Language } from '../../store/url-state.ts';

const zh = {
  noGeoreference: '该三维瓦片集没有地理定位',
  noGeoreferenceDetail: '其坐标位于以地心为原点的局部坐标系中，放置后才能看到。',
  placedAt: (lon: string, lat: string, height: string) => `已放置于 经度 ${lon}°、纬度 ${lat}°、高度 ${height} 米`,
  placeAtViewCentre: '放在视图中心',
  longitude: '经度（°）',
  latitude: '纬度（°）',
  height: '高度（米）',
  place: '放置',
  placementInvalid: '请输入有效的经度（−180～180）、纬度（−90～90）和高度（米）',
  layerSection: '图层',
  metadataLevels: { tileset: '三维瓦片集元数据', group: '分组元数据', tile: '瓦片元数据', subtree: '子树元数据', content: '内容元数据' } as Record<string, string>,
  noLayerMetadata: '该图层没有三维瓦片集元数据（3D Tiles 1.1）',
  emptyString: '（空字符串）',
  noData: '无数据',
  storedAs: (id: string, type: string) => `字段 ${id}${type ? `，类型 ${type}` : ''}`,
};

type LayerDictionary = typeof zh;

const en: LayerDictionary = {
  noGeoreference: 'This tileset has no geographic placement',
  noGeoreferenceDetail: 'Its coordinates are in a local frame at the centre of the Earth: place it to see it.',
  placedAt: (lon: string, lat: string, height: string) => `Placed at longitude ${lon}°, latitude ${lat}°, height ${height} m`,
  placeAtViewCentre: 'Place at the view centre',
  longitude: 'Longitude (°)',
  latitude: 'Latitude (°)',
  height: 'Height (m)',
  place: 'Place',
  placementInvalid: 'Enter a valid longitude (−180 to 180), latitude (−90 to 90) and height (m)',
  layerSection: 'Layer',
  metadataLevels: { tileset: 'Tileset metadata', group: 'Group metadata', tile: 'Tile metadata', subtree: 'Subtree metadata', content: 'Content metadata' },
  noLayerMetadata: 'This layer has no 3D Tiles 1.1 metadata',
  emptyString: '(empty string)',
  noData: 'no data',
  storedAs: (id: string, type: string) => `field ${id}${type ? `, type ${type}` : ''}`,
};

export const layerDictionaries: Record<Language, LayerDictionary> = { zh, en };
export type { LayerDictionary };
