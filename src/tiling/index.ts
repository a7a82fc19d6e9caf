export { tileBuildings, type BuildingTilingOptions, type TilingReport } from './building-pipeline.ts';
export { openGeoJson } from './geojson-reader.ts';
export { TilingInputError } from './errors.ts';
export { toLonLat, fromLonLat, resolveCrs, UnknownCrsError } from './crs.ts';
