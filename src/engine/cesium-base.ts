/**
 * Cesium loads its workers and assets from CESIUM_BASE_URL. Ours are copied into the build
 * (vite.config.ts) and served from our own origin. Import this module before 'cesium'.
 */
declare global {
  interface Window {
    CESIUM_BASE_URL: string;
  }
}
window.CESIUM_BASE_URL = new URL(`${import.meta.env.BASE_URL}cesium/`, window.location.href).href;
export {};
