/**
 * Cesium loads its workers and assets from CESIUM_BASE_URL. Ours are copied into the build
 * (vite.config.ts) as cesium/ beside assets/, and served from our own origin. Resolved against
 * this module's URL, so every page of the build (the app, the benchmark baseline) finds them.
 * Import this module before 'cesium'.
 */
declare global {
  interface Window {
    CESIUM_BASE_URL: string;
  }
}
window.CESIUM_BASE_URL = new URL(/* @vite-ignore */ '../cesium/', import.meta.url).href;
export {};
