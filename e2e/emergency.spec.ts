/** Emergency tools: valve isolation (关阀分析) of a break on a demo water main, with a failed valve. */
import { generateDistrict } from '../src/demo/district.ts';
import { generateNetwork } from '../src/demo/network.ts';
import { isolateBreak } from '../src/domain/emergency/valve-isolation.ts';
import { expect, test, waitForReady } from './fixtures.ts';

/** A water main of the demo network whose break needs at least two valves, and whose first valve failing changes the set. */
function waterBreak() {
  const network = generateNetwork(generateDistrict());
  for (const segment of network.segments) {
    if (segment.type !== 'water' || segment.shape.kind !== 'circular' || segment.shape.diameterMillimetres < 200) continue;
    const first = isolateBreak(network, segment.id);
    if (first.valvesToClose.length < 2 || first.buildingsOutOfSupply.length === 0) continue;
    const failed = first.valvesToClose[0]!;
    const second = isolateBreak(network, segment.id, { inoperableValveIds: [failed] });
    if (second.valvesToClose.join() === first.valvesToClose.join()) continue;
    const [a, b] = [segment.path[0]!, segment.path.at(-1)!];
    return { segment, first, failed, second, lon: (a[0] + b[0]) / 2, lat: (a[1] + b[1]) / 2 };
  }
  throw new Error('no suitable water main in the demo network');
}

test('valve isolation on a water main break: the valves are listed and marked, and a failed valve gives the next set', async ({ page }) => {
  const target = waterBreak();
  await page.goto(`/?underground=1&select=${target.segment.id}&view=${target.lon},${target.lat},260,0,-89`);
  await waitForReady(page);
  await page.getByTestId('isolation-button').click();
  const valves = page.getByTestId('isolation-valves').locator('li');
  await expect(valves).toHaveCount(target.first.valvesToClose.length);
  expect(await valves.evaluateAll((items) => items.map((li) => li.getAttribute('data-valve')))).toEqual(target.first.valvesToClose);
  await expect(page.getByTestId('isolation-supply')).toHaveAttribute('data-buildings', String(target.first.buildingsOutOfSupply.length));
  // Marked in 3D: a marker on each valve, the lines of what loses supply.
  const drawn = () => page.evaluate(() => window.__cimTwin!.engine()!.analysisMarks());
  await expect.poll(drawn).toEqual({ points: target.first.valvesToClose.length + target.first.sourcesToShut.length, segments: target.first.segmentsOutOfSupply.length });

  await page.locator(`[data-valve="${target.failed}"]`).getByTestId('valve-inoperable').check();
  await expect(page.getByTestId('isolation-count')).toHaveAttribute('data-count', String(target.second.valvesToClose.length));
  const next = await valves.evaluateAll((items) => items.filter((li) => !li.dataset.failed).map((li) => li.getAttribute('data-valve')));
  expect(next).toEqual(target.second.valvesToClose);
  await expect(page.locator(`[data-valve="${target.failed}"]`)).toHaveAttribute('data-failed', 'true');
});
