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
  // WebGL through SwiftShader, the page composited in software: what Chrome does by itself on a
  // desk with no GPU. Without it ANGLE runs the compositor through SwiftShader too, which added
  // about 100 ms to every frame (POST → colour on screen p50 at half resolution: 200 → 88 ms).
  '--disable-gpu-compositing',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
