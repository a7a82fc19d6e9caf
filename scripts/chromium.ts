/**
 * How the e2e tests, the benchmarks and the soak launch a browser: Debian's Chromium (never a
 * downloaded one), headless, WebGL through SwiftShader, and none of Chromium's own network
 * traffic (this machine's network is closed; the viewer itself is checked to make no outside request).
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS: readonly string[] = [
  '--headless=new',
  '--no-sandbox',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
