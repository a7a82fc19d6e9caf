/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import { viteStaticCopy } from 'vite-plugin-static-copy';

const cesiumBuild = resolve(import.meta.dirname, 'node_modules/cesium/Build/Cesium').replaceAll('\\', '/');

// The app lives in src/ (index.html included); static files in public/; output in dist/.
// Cesium's workers and assets are copied to dist/cesium so the viewer needs no outside host.
export default defineConfig({
  root: 'src',
  publicDir: '../public',
  base: './',
  plugins: [
    react(),
    viteStaticCopy({
      targets: ['Workers', 'Assets', 'ThirdParty', 'Widgets'].map((folder) => ({ src: `${cesiumBuild}/${folder}`, dest: 'cesium' })),
    }),
  ],
  build: {
    outDir: '../dist',
    // The bare CesiumJS page is the baseline of `npm run bench`.
    rollupOptions: { input: { main: resolve(import.meta.dirname, 'src/index.html'), bench: resolve(import.meta.dirname, 'src/bench/bare-cesium.html') } },
    emptyOutDir: true,
    chunkSizeWarningLimit: 8000,
    sourcemap: false,
  },
  test: {
    root: '.',
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
