/** Worker-thread entry for piscina: builds one city-model tile's GLB. */
import { buildCityTileContent, type CityTileContentJob } from './city-tile-content.ts';

export default async function build(job: CityTileContentJob): Promise<Uint8Array> {
  return buildCityTileContent(job);
}
