/** The demo's HTTP server lets other origins read it (tiles included) only from its one CORS allow-list (issue 20 §4). */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createStaticServer } from './static-server.ts';

describe('the static server and CORS', () => {
  let directory: string;
  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'cim-twin-static-'));
    mkdirSync(join(directory, 'dist'));
    mkdirSync(join(directory, 'tiles', 'demo'), { recursive: true });
    writeFileSync(join(directory, 'dist', 'index.html'), '<!doctype html><title>x</title>');
    writeFileSync(join(directory, 'tiles', 'demo', 'tileset.json'), '{"asset":{"version":"1.1"}}');
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  const serve = async (corsOrigins?: string[]) => {
    const app = await createStaticServer({ distDirectory: join(directory, 'dist'), tilesDirectory: join(directory, 'tiles'), corsOrigins });
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { app, url: `http://127.0.0.1:${(app.server.address() as { port: number }).port}` };
  };
  const allowOrigin = async (url: string, origin: string) => (await fetch(url, { headers: { Origin: origin } })).headers.get('access-control-allow-origin');

  test('by default, no other origin: not for the tiles either', async () => {
    const { app, url } = await serve();
    try {
      expect((await fetch(`${url}/tiles/demo/tileset.json`)).status).toBe(200);
      expect(await allowOrigin(`${url}/tiles/demo/tileset.json`, 'http://evil.example')).toBeNull();
      expect(await allowOrigin(`${url}/`, 'http://evil.example')).toBeNull();
    } finally {
      await app.close();
    }
  });

  test('a configured origin reads the tiles and the viewer; others do not', async () => {
    const { app, url } = await serve(['http://viewer.example']);
    try {
      expect(await allowOrigin(`${url}/tiles/demo/tileset.json`, 'http://viewer.example')).toBe('http://viewer.example');
      expect(await allowOrigin(`${url}/`, 'http://viewer.example')).toBe('http://viewer.example');
      expect(await allowOrigin(`${url}/tiles/demo/tileset.json`, 'http://evil.example')).toBeNull();
    } finally {
      await app.close();
    }
  });
});
