/** @mapbox/shp-write ships no types; this is the low-level writer the test fixtures use. */
declare module '@mapbox/shp-write/src/write.js' {
  type Files = { shp: DataView; shx: DataView; dbf: DataView; prj: string };
  export default function write(rows: Record<string, unknown>[], geometryType: 'POINT' | 'POLYLINE' | 'POLYGON', geometries: unknown[], callback: (error: unknown, files: Files) => void): void;
}
