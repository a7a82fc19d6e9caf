/**
 * The city check-up (城市体检): a demo unit grid opened by its deep link (?grid=) shows its grid
 * panel; from there the check-up panel shows each indicator as the API computes it, a trend chart
 * by month, the assumed definitions marked, another level (the street) on demand, and a CSV export.
 */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { generateDistrict } from '../src/demo/district.ts';
import { generateGrids } from '../src/demo/grids.ts';

/** As the panel writes a value (src/domain/checkup formatIndicatorValue; that module imports JSON, which this loader cannot). */
const formatIndicatorValue = (value: number | null, unit: string) => (value === null ? '—' : unit === '处' ? String(Math.round(value)) : value.toFixed(1));
const INDICATOR_COUNT = 9;
import { expect, test, waitForReady } from './fixtures.ts';

interface ApiCheckup {
  code: string;
  month: string;
  computedAt: string;
  rows: number;
  indicators: { id: string; value: number | null; unit: string; assumed: boolean }[];
  facts: { buildingsInUse: number };
}

/** The API's figures for what the panel shows, read again (with the panel's refresh) if the job ran in between. */
async function panelMatchesApi(page: Page, code: string): Promise<ApiCheckup> {
  const panel = page.getByTestId('checkup-panel');
  await expect(panel).toHaveAttribute('data-code', code);
  await expect(panel).toHaveAttribute('data-loaded', 'true');
  for (let attempt = 0; ; attempt++) {
    const month = await panel.getAttribute('data-month');
    const response = await page.request.get(`/api/checkup?code=${code}&month=${month}`);
    expect(response.status()).toBe(200);
    const answer = (await response.json()) as ApiCheckup;
    if ((await panel.getAttribute('data-computed-at')) === answer.computedAt || attempt === 3) {
      for (const indicator of answer.indicators) {
        await expect(page.getByTestId(`checkup-value-${indicator.id}`)).toHaveText(new RegExp(`^${formatIndicatorValue(indicator.value, indicator.unit).replace('.', '\\.')}`));
      }
      return answer;
    }
    await page.getByTestId('checkup-refresh').click();
    await expect(panel).toHaveAttribute('data-loaded', 'true');
  }
}

test('the check-up panel of a demo grid: values as the API computes them, a monthly trend, the street level, CSV export; ?grid= opens the grid', async ({ page }) => {
  const demoUnits = generateGrids(generateDistrict()).filter((g) => g.code.length === 14).map((g) => g.code);
  // A demo unit grid the check-up holds facts for (buildings and pipes), in the middle of the district.
  // The job runs in the background from the server's start: wait for its first months.
  const units = async () => ((await (await page.request.get('/api/checkup/units?level=unit')).json()) as { units: { code: string }[] }).units.length;
  await expect.poll(units, { timeout: 60_000 }).toBeGreaterThan(10);
  const listed = (await (await page.request.get('/api/checkup/units?level=unit')).json()) as { units: { code: string }[] };
  const candidates = listed.units.map((u) => u.code).filter((c) => demoUnits.includes(c));
  expect(candidates.length).toBeGreaterThan(10);
  const code = candidates[Math.floor(candidates.length / 2)]!;
  // The job writes the current month last: once it answers, the year's months are all there.
  await expect.poll(async () => (await page.request.get(`/api/checkup?code=${code}`)).status(), { timeout: 60_000 }).toBe(200);

  // The deep link: the grid layer on, the grid's panel open.
  await page.goto(`/?grid=${code}`);
  await waitForReady(page);
  await expect(page.getByTestId('grid-panel')).toHaveAttribute('data-grid-code', code);
  await expect(page.getByTestId('grids-visible')).toBeChecked();
  expect(new URL(page.url()).searchParams.get('grid')).toBe(code);

  // From the grid panel to its check-up.
  await page.getByTestId('grid-checkup').click();
  const answer = await panelMatchesApi(page, code);
  expect(answer.rows).toBe(1);
  expect(answer.facts.buildingsInUse).toBeGreaterThan(0);
  await expect(page.locator('[data-testid^="checkup-assumed-"]')).toHaveCount(answer.indicators.filter((i) => i.assumed).length);
  expect(answer.indicators).toHaveLength(INDICATOR_COUNT);
  // The definition is one click away.
  await page.locator('[data-indicator="gas-pipe-over-30"] summary').click();
  await expect(page.locator('[data-indicator="gas-pipe-over-30"] dl')).toContainText('城市燃气管道老化更新改造完成率');

  // The trend: a month per computed month (the job reconstructs the last year at start), drawn on a canvas.
  const chart = page.getByTestId('checkup-trend-chart');
  await expect(chart).toHaveAttribute('data-months', '12');
  await expect(chart.locator('canvas')).toHaveCount(1);

  // The CSV: the header, and a row per month and indicator of this grid.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('checkup-export').click()]);
  const text = readFileSync((await download.path())!, 'utf8').replace(/^\uFEFF/, '');
  const lines = text.trim().split('\r\n');
  expect(lines[0]).toBe('月份 month,编码 code,名称 name,层级 level,指标 indicator,指标名称,indicator name,值 value,单位 unit,假定口径 assumed,国家体系对应 national counterpart,对应关系 relation');
  expect(lines).toHaveLength(1 + 12 * INDICATOR_COUNT);
  const row = lines.find((l) => l.startsWith(`${answer.month},${code},`) && l.includes(',building-inspection-overdue,'))!;
  const value = answer.indicators.find((i) => i.id === 'building-inspection-overdue')!.value;
  expect(row.split(',')[7]).toBe(value === null ? '' : String(Math.round(value * 1000) / 1000));

  // Up a level: the street the grid lies in, summed on the server.
  await page.getByTestId('checkup-level').selectOption('street');
  const street = await panelMatchesApi(page, code.slice(0, 9));
  expect(street.rows).toBeGreaterThan(1);
  expect(street.facts.buildingsInUse).toBeGreaterThan(answer.facts.buildingsInUse);
});
