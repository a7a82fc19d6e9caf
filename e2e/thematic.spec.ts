/**
 * Thematic views and the 4D time slider: colour by stage with its legend, the city as of a year
 * before a building's completion, and an attribute filter with its count over the district. The
 * dates come from the lifecycle API for the buildings in view, the count from the asset API:
 * never every building's dates, never a response over 2 MB.
 */
import type { Page } from '@playwright/test';
import { generateDistrict } from '../src/demo/district.ts';
import { generateLifecycles } from '../src/demo/lifecycle.ts';
import { currentStage } from '../src/domain/lifecycle/lifecycle.ts';
import { countShown } from '../src/domain/thematic/appearance.ts';
import { parseFilter } from '../src/domain/thematic/filter.ts';
import { themeLegend, type BuildingAttributes } from '../src/domain/thematic/themes.ts';
import { demoBuildings, expect, expectCanvasRendered, test, viewAbove, waitForReady } from './fixtures.ts';

/** A demo building approved, permitted and accepted in different years, never demolished. */
function builtBuilding() {
  return generateLifecycles(generateDistrict()).find((record) => {
    const year = (stage: string) => Number(record.stages.find((s) => s.stage === stage)?.date.slice(0, 4));
    return year('project-approval') < year('construction-permit') && year('construction-permit') < year('completion-acceptance') && year('completion-acceptance') >= 1995 && !record.stages.some((s) => s.stage === 'demolition');
  })!;
}

/** What the page asks of the lifecycle API, and the responses it receives over 2 MB. */
function watchReads(page: Page): { dates: URL[]; wholeCity: string[]; oversized: string[] } {
  const seen = { dates: [] as URL[], wholeCity: [] as string[], oversized: [] as string[] };
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname.endsWith('/lifecycle/dates')) seen.dates.push(url);
    // The whole-city forms: every building's dates, the inspection overview without a bound.
    if (url.pathname.endsWith('/lifecycle/summary') || (url.pathname.endsWith('/lifecycle/inspections') && !url.searchParams.has('limit'))) seen.wholeCity.push(request.url());
  });
  page.on('response', (response) => {
    if (!/\.(js|wasm|css)(\?|$)/.test(response.url())) void response.body().then((body) => body.length > 2 * 1024 * 1024 && seen.oversized.push(`${response.url()} (${body.length} bytes)`)).catch(() => undefined);
  });
  return seen;
}

function appearance(page: Page, id: string) {
  return page.evaluate((buildingId) => window.__cimTwin?.engine()?.buildingAppearance(buildingId), id);
}

async function openAbove(page: Page, id: string): Promise<void> {
  await page.goto('/');
  const building = (await demoBuildings(page)).find((b) => b.id === id)!;
  // Straight above, not selected: the selection colour would hide the theme colour.
  await page.goto(`/?view=${viewAbove(building, 160)}`);
  await waitForReady(page);
  await expect.poll(() => appearance(page, id)).toMatchObject({ shown: true });
}

test('colour by stage: the legend appears and a building takes its stage colour', async ({ page }) => {
  const record = builtBuilding();
  const seen = watchReads(page);
  await openAbove(page, record.buildingId);
  await page.getByTestId('theme-select').selectOption('stage');
  const legend = page.getByTestId('theme-legend');
  await expect(legend).toHaveAttribute('data-theme', 'stage');
  for (const name of ['立项', '建设工程规划许可', '施工许可', '竣工验收', '运营', '改造', '拆除']) await expect(legend).toContainText(name);
  const stage = currentStage(record)!;
  const colour = themeLegend('stage').find((e) => e.key === stage)!.colour;
  await expect.poll(async () => (await appearance(page, record.buildingId))?.colour).toBe(colour);
  await expect(page).toHaveURL(/theme=stage/);
  await expectCanvasRendered(page, 0.2);
  // The stage came from the dates of the buildings in view.
  expect(seen.dates.length).toBeGreaterThan(0);
  expect(seen.wholeCity).toEqual([]);
});

test('the time slider: before its approval a building is gone, while it is being built it is a ghost, after completion it stands', async ({ page }) => {
  const record = builtBuilding();
  const year = (stage: string) => Number(record.stages.find((s) => s.stage === stage)!.date.slice(0, 4));
  const seen = watchReads(page);
  await openAbove(page, record.buildingId);
  await page.getByTestId('time-toggle').check();
  const slider = page.getByTestId('time-year');
  await slider.fill(String(year('project-approval') - 1));
  await expect(page.getByTestId('time-as-of')).toContainText(`${year('project-approval') - 1}-12-31`);
  await expect.poll(async () => (await appearance(page, record.buildingId))?.shown).toBe(false);
  // The end of the construction-permit year: permitted, not yet accepted.
  await slider.fill(String(year('construction-permit')));
  await expect
    .poll(async () => {
      const drawn = await appearance(page, record.buildingId);
      return drawn?.shown === true && drawn.alpha > 0 && drawn.alpha < 1;
    })
    .toBe(true);
  await slider.fill(String(year('completion-acceptance') + 1));
  await expect.poll(() => appearance(page, record.buildingId)).toMatchObject({ shown: true, alpha: 1 });
  await expect(page).toHaveURL(new RegExp(`asof=${year('completion-acceptance') + 1}-12-31`));
  // Play animates year by year; pause keeps the year reached.
  await page.getByTestId('time-play').click();
  await expect(page.getByTestId('time-as-of')).toContainText(`${year('completion-acceptance') + 3}-12-31`);
  await page.getByTestId('time-play').click();
  const reached = Number((await page.getByTestId('time-as-of').textContent())!.match(/(\d{4})-12-31/)![1]);
  await expect(page).toHaveURL(new RegExp(`asof=${reached}-12-31`));
  // The dates were asked for the view (a small box around the building), never for the city.
  expect(seen.dates.length).toBeGreaterThan(0);
  for (const url of seen.dates) {
    const [west, south, east, north] = url.searchParams.get('bbox')!.split(',').map(Number);
    expect(east! - west!, url.toString()).toBeLessThanOrEqual(0.5);
    expect(north! - south!, url.toString()).toBeLessThanOrEqual(0.5);
  }
  await expect(page.getByTestId('time-note')).toContainText('半透明');
  // Moving the view asks again, for the new view.
  const asked = seen.dates.length;
  await page.goto(page.url().replace(/view=[^&]+/, `view=${viewAbove((await demoBuildings(page)).find((b) => b.id !== record.buildingId)!, 400)}`));
  await waitForReady(page);
  await expect.poll(() => seen.dates.length).toBeGreaterThan(asked);
  expect(seen.wholeCity, 'whole-city lifecycle reads').toEqual([]);
  expect(seen.oversized, 'responses over 2 MB').toEqual([]);
});

test('an attribute filter shows only matching buildings and counts them over the whole district', async ({ page }) => {
  const record = builtBuilding();
  await openAbove(page, record.buildingId);
  const rows = await demoBuildings(page);
  const target = rows.find((b) => b.id === record.buildingId)!;
  const expected = rows.filter((b) => b.use === 'residential' && b.yearBuilt! < 2000 && b.floors! > 6).length;
  expect(expected).toBeGreaterThan(0);
  const counted = page.waitForRequest((request) => new URL(request.url()).searchParams.get('count') === 'filter');
  await page.getByTestId('filter-text').fill('use=residential;yearBuilt<2000;floors>6');
  // Counted by the asset API over the whole district, not over the loaded tiles.
  await expect(page.getByTestId('filter-count')).toHaveAttribute('data-shown', String(expected));
  await expect(page.getByTestId('filter-count')).toHaveAttribute('data-total', String(rows.length));
  expect(new URL((await counted).url()).pathname).toMatch(/\/api\/assets$/);
  await expect(page.getByTestId('filter-count')).toContainText(`显示 ${expected.toLocaleString('zh-CN')} / ${rows.length.toLocaleString('zh-CN')} 栋`);
  const matches = target.use === 'residential' && target.yearBuilt! < 2000 && target.floors! > 6;
  await expect.poll(async () => (await appearance(page, record.buildingId))?.shown).toBe(matches);
  // A clause builder row per condition; a bad expression says what is wrong and keeps the last filter.
  await expect(page.getByTestId('filter-clauses').locator('li')).toHaveCount(3);
  await page.getByTestId('filter-text').fill('use=residential;floors>many');
  await expect(page.getByTestId('filter-error')).toContainText('clause 2: floors needs a number');
  await expect(page.getByTestId('filter-count')).toHaveAttribute('data-shown', String(expected));
  // With a 4D date the count is on that date: the buildings not there yet or demolished are left
  // out, as the map hides them (the viewer's own rule over the demo's lifecycle records).
  await expect(page.getByTestId('filter-count-date')).toHaveCount(0);
  await page.getByTestId('time-toggle').check();
  const onDate = page.waitForRequest((request) => new URL(request.url()).searchParams.get('asOf') === '2005-12-31' && new URL(request.url()).searchParams.get('filter') !== '');
  await page.getByTestId('time-date').fill('2005-12-31');
  expect(new URL((await onDate).url()).searchParams.get('filter')).toBe('use=residential;yearBuilt<2000;floors>6');
  const stagesOf = new Map(generateLifecycles(generateDistrict()).map((r) => [r.buildingId, r.stages]));
  const onMap = (filter: string) => countShown({ theme: 'none', filter: parseFilter(filter), asOfDate: '2005-12-31', lifecycleDates: stagesOf }, rows as unknown as BuildingAttributes[]).shown;
  const expectedOnDate = onMap('use=residential;yearBuilt<2000;floors>6');
  expect(onMap('')).toBeLessThan(rows.length); // the date hides some of the district
  await expect(page.getByTestId('filter-count')).toHaveAttribute('data-shown', String(expectedOnDate));
  await expect(page.getByTestId('filter-count')).toHaveAttribute('data-total', String(onMap('')));
  await expect(page.getByTestId('filter-count-date')).toContainText('截至 2005-12-31');
});
