/** What the fault tests read back from a server: every observation's id and result, by keyset pages. */
import { getJson } from './harness.ts';

export interface StoredRow {
  id: number;
  result: unknown;
}

/** Every Observation (id, result), in id order, through `$filter=id gt …` pages of 5,000. */
export async function allObservations(base: string): Promise<StoredRow[]> {
  const rows: StoredRow[] = [];
  let after = 0;
  for (;;) {
    const page = await getJson<{ value: { '@iot.id': number; result: unknown }[] }>(base, `Observations?$select=id,result&$orderby=id&$top=5000&$filter=${encodeURIComponent(`id gt ${after}`)}`);
    for (const o of page.value) rows.push({ id: o['@iot.id'], result: o.result });
    if (page.value.length < 5000) return rows;
    after = page.value.at(-1)!['@iot.id'];
  }
}

/** `$count` of a collection. */
export async function countOf(base: string, set: string): Promise<number> {
  const page = await getJson<{ '@iot.count': number }>(base, `${set}?$count=true&$top=0`);
  return page['@iot.count'];
}
