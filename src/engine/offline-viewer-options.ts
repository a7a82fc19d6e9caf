/**
 * The minimum a Cesium Viewer needs to run with no outside request: Natural Earth II imagery
 * and the ellipsoid from our own origin, and every ion/Bing-backed widget off. Shared by the
 * app and the benchmark's bare-CesiumJS baseline, so both start from the same offline setup.
 */
import { buildModuleUrl, EllipsoidTerrainProvider, ImageryLayer, TileMapServiceImageryProvider, type Viewer } from 'cesium';

export function offlineViewerOptions(): Viewer.ConstructorOptions {
  return {
    baseLayer: ImageryLayer.fromProviderAsync(TileMapServiceImageryProvider.fromUrl(buildModuleUrl('Assets/Textures/NaturalEarthII'))),
    terrainProvider: new EllipsoidTerrainProvider(),
    geocoder: false,
    baseLayerPicker: false,
    homeButton: false,
    sceneModePicker: false,
    navigationHelpButton: false,
    animation: false,
    timeline: false,
    fullscreenButton: false,
    infoBox: false,
    selectionIndicator: false,
  };
}
