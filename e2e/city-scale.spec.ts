import type { Page, Response } from '@playwright/test';
import { expect, test, waitForReady } from './fixtures.ts';

/**
 * Issue 16: the viewer never downloads the city. Whatever grows with the city (search, filter
 * counts, impact lists, lifecycle dates, the network analyses) comes from the server, bounded by
 * a page, a view or an ID; the tiles stream by level of detail. So, across the normal and the
 * underground view and the features that used whole-dataset files, no request names one of those
 * files and no data response is over 2 MB. The application's own code (scripts, the WebAssembly
 * of Cesium's workers) is the same for any city and is left out of the size bound.
 */
const WHOLE_DATASET_FILES = /\/(search-index|network)\.json(\?|$)|\/api\/lifecycle\/summary(\?|$)/;
const LIMIT_BYTES = 2 * 1024 * 1024;

interface Seen {
  wholeDataset: string[];
  oversized: string[];
  dataBytes: number;
}

function watch(page: Page): Seen {
  const seen: Seen = { wholeDataset: [], oversized: [], dataBytes: 0 };
  page.on('request', (request) => {
    const url = new URL(request.url());
    // The inspection overview is aggregates and the first rows of each list (bounded); its whole-list form took no limit.
    const wholeInspections = url.pathname.endsWith('/api/lifecycle/inspections') && !url.searchParams.has('limit');
    if (WHOLE_DATASET_FILES.test(url.pathname) || wholeInspections) seen.wholeDataset.push(request.url());
  });
  page.on('response', (response: Response) => {
    const type = response.request().resourceType();
    if (type === 'script' || type === 'stylesheet' || /\.(js|wasm|css)(\?|$)/.test(response.url())) return;
    void response
      .body()
      .then((body) => {
        seen.dataBytes += body.length;
        if (body.length > LIMIT_BYTES) seen.oversized.push(`${response.url()} (${body.length} bytes)`);
      })
      .catch(() => undefined); // a response without a body (redirect, aborted stream)
  });
  return seen;
}

test('across the normal and the underground view, search, a pipe and a building, the viewer fetches no whole-dataset file and no response over 2 MB', async ({ page }) => {
  const seen = watch(page);
  await page.goto('/');
  await waitForReady(page);
  // Search (the asset API) and go to a building.
  await page.getByTestId('search-input').fill('购物中心');
  await page.getByTestId('search-results').locator('li[data-kind="building"]').first().click();
  await expect(page.getByTestId('info-id')).not.toHaveText('');
  // The underground view, and a pipe's panel with its connections.
  await page.getByTestId('search-input').fill('440604-DL-00001');
  await page.getByTestId('search-results').locator('li[data-kind="pipe"]').first().click();
  await expect.poll(() => new URL(page.url()).searchParams.get('select')).toBe('440604-DL-00001');
  await page.goto(`${page.url()}&underground=1`);
  await waitForReady(page);
  await expect(page.getByTestId('info-id')).toHaveText('440604-DL-00001');
  await expect(page.getByTestId('pipe-connections')).toBeVisible();
  expect(seen.wholeDataset, 'whole-dataset files requested').toEqual([]);
  expect(seen.oversized, 'responses over 2 MB').toEqual([]);
  expect(seen.dataBytes).toBeGreaterThan(0);
});
