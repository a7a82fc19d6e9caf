/** Worker-thread entry for piscina: builds one tile's GLB. */
import { buildTileContent, type TileContentJob } from './tile-content.ts';

export default async function build(job: TileContentJob): Promise<Uint8Array> {
  return buildTileContent(job);
}
