import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../scripts/chromium.ts';

/** Port of the e2e server; the production build and demo tiles, served by `scripts/start.ts`. */
export const E2E_PORT = Number(process.env.E2E_PORT ?? 4317);

// Debian Chromium, never a downloaded browser. SwiftShader WebGL runs at 1–5 fps, so tests wait
// on the app's ready signal, never on time or frame counts.
export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  outputDir: '../test-results',
  timeout: 240_000,
  expect: { timeout: 90_000 },
  workers: 1,
  retries: 0,
  reporter: [['list']],
  globalSetup: './global-setup.ts',
  use: {
    baseURL: `http://127.0.0.1:${E2E_PORT}`,
    viewport: { width: 1280, height: 720 },
    launchOptions: {
      executablePath: CHROMIUM_PATH,
      args: [...CHROMIUM_ARGS],
    },
  },
  webServer: {
    command: `node node_modules/tsx/dist/cli.mjs scripts/start.ts`,
    cwd: '..',
    // The demo server's monitoring API without simulated sensors, so picks land on tiles; the
    // monitoring specs run their own servers (and one full demo with the simulator).
    env: { PORT: String(E2E_PORT), HOST: '127.0.0.1', SIMULATOR: 'off', MONITORING_DATABASE: 'data/e2e-monitoring.sqlite' },
    url: `http://127.0.0.1:${E2E_PORT}/config.json`,
    timeout: 300_000,
    reuseExistingServer: !process.env.CI,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
