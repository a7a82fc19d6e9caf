/**
 * Data and links that once blanked the viewer for every operator (issue 20 §1): an asset ID with a
 * double quote, on an open incident, and `?select=a%22b` while incidents are open. IDs were spliced
 * into Cesium style expressions, and Cesium's error (an Error as its `message`) reached the
 * connection banner, which rendered it: React error #31, a blank page.
 */
import { DISTRICT_CENTRE } from '../src/demo/district.ts';
import { thingPayload } from '../src/server/sensorthings/testing/test-server.ts';
import { SENSOR_STATE_COLOURS } from '../src/domain/monitoring/warning.ts';
import { expect, expectCanvasRendered, openMonitoringLink, test, waitForReady } from './fixtures.ts';
import type { Page } from '@playwright/test';

const QUOTED_ID = 'manhole "A"';

/** The page is still there: the panels, the live banner, a drawn map, and no uncaught error. */
async function expectPageStands(page: Page, errors: string[]): Promise<void> {
  await expect(page.locator('.top-bar')).toBeVisible();
  await expect(page.getByTestId('connection-state')).toHaveAttribute('data-state', 'live');
  await expect(page.getByTestId('incident-row').first()).toContainText(QUOTED_ID);
  await expectCanvasRendered(page);
  expect(errors).toEqual([]);
}

test('an asset ID with a double quote on an open incident, and ?select=a%22b, leave the page standing', async ({ page, monitoringServer }) => {
  const { base, post } = monitoringServer;
  await post('Things', thingPayload(QUOTED_ID, 'methane', DISTRICT_CENTRE.lonDegrees, DISTRICT_CENTRE.latDegrees));
  await post('Datastreams(1)/Observations', { result: 55 }); // ≥ 50 %LEL: a level I incident on the asset
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));

  await openMonitoringLink(page, `/?monitoring=${encodeURIComponent(base)}`);
  await waitForReady(page);
  await expectPageStands(page, errors);
  // The tint is keyed by the exact ID.
  await expect.poll(() => page.evaluate((id) => window.__cimTwin!.engine()!.incidentTintOf(id), QUOTED_ID)).toBe(SENSOR_STATE_COLOURS[1]);
  // The incident's asset selected: the quoted ID in the selection style and in the URL.
  await page.getByTestId('incident-row').first().click();
  await page.getByTestId('incident-assets').getByRole('button', { name: QUOTED_ID }).click();
  await expect.poll(() => new URL(page.url()).searchParams.get('select')).toBe(QUOTED_ID);
  await expectPageStands(page, errors);

  // A link selecting an ID with a quote, while the incident is open.
  await openMonitoringLink(page, `/?monitoring=${encodeURIComponent(base)}&select=a%22b`);
  await waitForReady(page);
  await expectPageStands(page, errors);
  expect(new URL(page.url()).searchParams.get('select')).toBe('a"b');
  // A reading arriving over the stream while both are in place re-applies the style.
  await post('Datastreams(1)/Observations', { result: 60 });
  await expect(page.getByTestId('incident-row').first()).toContainText(QUOTED_ID);
  await expectPageStands(page, errors);
});
