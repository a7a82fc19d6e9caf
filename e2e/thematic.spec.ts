/**
 * Thematic views and the 4D time slider: colour by stage with its legend, the city as of a year
 * before a building's completion, and an attribute filter with its count over the district.
 */
import type { Page } from '@playwright/test';
import { generateDistrict } from '../src/demo/district.ts';
import { generateLifecycles } from '../src/demo/lifecycle.ts';
import { currentStage } from '../src/domain/lifecycle/lifecycle.ts';
import { themeLegend } from '../src/domain/thematic/themes.ts';
import { demoBuildings, expect, expectCanvasRendered, test, viewAbove, waitForReady } from './fixtures.ts';

/** A demo building approved, permitted and accepted in different years, never demolished. */
function builtBuilding() {
  return generateLifecycles(generateDistrict()).find((record) => {
    const year = (stage: string) => Number(record.stages.find((s) => s.stage === stage)?.date.slice(0, 4));
    return year('project-approval') < year('construction-permit') && year('construction-permit') < year('completion-acceptance') && year('completion-acceptance') >= 1995 && !record.stages.some((s) => s.stage === 'demolition');
  })!;
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
});

test('the time slider: before its approval a building is gone, while it is being built it is a ghost, after completion it stands', async ({ page }) => {
  const record = builtBuilding();
  const year = (stage: string) => Number(record.stages.find((s) => s.stage === stage)!.date.slice(0, 4));
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
});

test('an attribute filter shows only matching buildings and counts them over the whole district', async ({ page }) => {
  const record = builtBuilding();
  await openAbove(page, record.buildingId);
  const rows = await demoBuildings(page);
  const target = rows.find((b) => b.id === record.buildingId)!;
  const expected = rows.filter((b) => b.use === 'residential' && b.yearBuilt! < 2000 && b.floors! > 6).length;
  expect(expected).toBeGreaterThan(0);
  await page.getByTestId('filter-text').fill('use=residential;yearBuilt<2000;floors>6');
  await expect(page.getByTestId('filter-count')).toHaveAttribute('data-shown', String(expected));
  await expect(page.getByTestId('filter-count')).toHaveAttribute('data-total', String(rows.length));
  await expect(page.getByTestId('filter-count')).toContainText(`显示 ${expected.toLocaleString('zh-CN')} / ${rows.length.toLocaleString('zh-CN')} 栋`);
  const matches = target.use === 'residential' && target.yearBuilt! < 2000 && target.floors! > 6;
  await expect.poll(async () => (await appearance(page, record.buildingId))?.shown).toBe(matches);
  // A clause builder row per condition; a bad expression says what is wrong and keeps the last filter.
  await expect(page.getByTestId('filter-clauses').locator('li')).toHaveCount(3);
  await page.getByTestId('filter-text').fill('use=residential;floors>many');
  await expect(page.getByTestId('filter-error')).toContainText('clause 2: floors needs a number');
  await expect(page.getByTestId('filter-count')).toHaveAttribute('data-shown', String(expected));
});
