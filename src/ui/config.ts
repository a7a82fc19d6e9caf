/** The viewer's config file (public/config.json), validated with zod; URLs resolved against it. */
import { z } from 'zod';
import type { LayerConfig } from '../store/index.ts';
import { parseTilesetParameter } from '../store/url-state.ts';

const localizedText = z.union([z.string(), z.object({ zh: z.string(), en: z.string() })]);

const layerSchema = z.object({
  id: z.string().min(1),
  name: localizedText,
  kind: z.enum(['buildings', 'pipelines', 'external']),
  url: z.string().min(1),
  flyTo: z.boolean().optional(),
  idProperty: z.string().optional(),
  detailOf: z.string().min(1).optional(),
});

const configSchema = z.object({
  title: localizedText.optional(),
  ground: z.object({ url: z.string() }).optional(),
  layers: z.array(layerSchema),
  clock: z.object({ iso8601: z.string() }).optional(),
  /** The monitoring API: a SensorThings 1.1 base URL (ours, or any other server's). */
  monitoring: z.object({ url: z.string().min(1) }).optional(),
  /** The building lifecycle API (…/api: /buildings/{id}/lifecycle). */
  lifecycle: z.object({ url: z.string().min(1) }).optional(),
  /**
   * The asset and analysis API (…/api: /assets search and spatial queries, /network analyses,
   * /impact rings). Without it the viewer still shows, picks and styles tiles; the features that
   * need the server say so.
   */
  assets: z.object({ url: z.string().min(1) }).optional(),
});

export type AppConfig = z.infer<typeof configSchema>;

export async function loadConfig(url: string): Promise<AppConfig> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const parsed = configSchema.safeParse(await response.json());
  if (!parsed.success) throw new Error(`${url}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const base = new URL(url, window.location.href);
  const resolve = (u: string) => new URL(u, base).href;
  const config = parsed.data;
  return {
    ...config,
    ground: config.ground ? { url: resolve(config.ground.url) } : undefined,
    monitoring: config.monitoring ? { url: resolve(config.monitoring.url) } : undefined,
    lifecycle: config.lifecycle ? { url: resolve(config.lifecycle.url) } : undefined,
    assets: config.assets ? { url: resolve(config.assets.url) } : undefined,
    layers: config.layers.map((l) => ({ ...l, url: resolve(l.url) })),
  };
}

/**
 * A layer for a `?tileset=<url>` parameter; `pipelines:<url>` makes it a pipeline layer (shown in
 * the underground view; its pipe panel and analyses come from the asset API, by feature ID).
 */
export function layerFromUrl(parameter: string, index: number, base = window.location.href): LayerConfig {
  const { kind, url } = parseTilesetParameter(parameter);
  const absolute = new URL(url, base).href;
  const name = absolute.split('/').slice(-2).join('/');
  const layer: LayerConfig = { id: `url-${index}`, name, kind, url: absolute };
  return layer;
}
