import { join } from 'node:path';
import { writeThirdPartyTilesets } from './third-party-tilesets.ts';

/** Third-party-style tilesets, served by the e2e server at /tiles/_e2e/<kind>/tileset.json. */
export default async function globalSetup(): Promise<void> {
  await writeThirdPartyTilesets(join(import.meta.dirname, '..', 'tiles', '_e2e'));
}
