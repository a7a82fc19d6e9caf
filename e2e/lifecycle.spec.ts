/** Building lifecycle panels: the timeline of a demo building, and the empty state of one with no record. */
import { generateDistrict } from '../src/demo/district.ts';
import { generateLifecycles } from '../src/demo/lifecycle.ts';
import { PARTY_ROLE_NAMES } from '../src/domain/lifecycle/lifecycle.ts';
import { INCIDENT_STATUS_NAMES, INCIDENT_TYPE_NAMES } from '../src/domain/monitoring/incidents.ts';
import { thingPayload } from '../src/server/sensorthings/testing/test-server.ts';
import { demoBuildings, expect, openMonitoringLink, test, waitForReady } from './fixtures.ts';

/** A renovated demo building: its record has every kind of entry. */
function renovatedBuilding() {
  return generateLifecycles(generateDistrict()).find((r) => r.stages.some((s) => s.stage === 'renovation') && r.inspections.length > 0)!;
}

test('selecting a building shows its lifecycle timeline with the stages and the responsible parties', async ({ page }) => {
  const record = renovatedBuilding();
  await page.goto(`/?select=${record.buildingId}`);
  await waitForReady(page);
  const stages = page.getByTestId('lifecycle-stages').locator('li');
  await expect(stages).toHaveCount(record.stages.length);
  expect(await stages.evaluateAll((items) => items.map((li) => li.getAttribute('data-stage')))).toEqual(record.stages.map((s) => s.stage));
  await expect(page.getByTestId('lifecycle-stages')).toContainText('竣工验收');
  await expect(page.getByTestId('lifecycle-stages')).toContainText(record.stages.find((s) => s.stage === 'construction-permit')!.documentNumber!);
  for (const party of record.parties) {
    await expect(page.getByTestId('lifecycle-parties')).toContainText(PARTY_ROLE_NAMES[party.role].zh);
    await expect(page.getByTestId('lifecycle-parties')).toContainText(party.creditCode);
  }
});

test('a building with no record shows the empty state', async ({ page, monitoringServer }) => {
  const { api } = monitoringServer;
  const record = renovatedBuilding();
  await page.goto(`/?select=${record.buildingId}&lifecycle=${encodeURIComponent(api)}`);
  await waitForReady(page);
  await expect(page.getByTestId('lifecycle-empty')).toBeVisible();
  await expect(page.getByTestId('lifecycle-empty')).toContainText('暂无建设档案');
});

test("a building's panel lists the sensors on it and its incident history from the monitoring API", async ({ page, monitoringServer }) => {
  const { base, post } = monitoringServer;
  const record = renovatedBuilding();
  await page.goto('/');
  const building = (await demoBuildings(page)).find((b) => b.id === record.buildingId)!;
  await post('Things', thingPayload(record.buildingId, 'building-tilt', building.lon, building.lat, 'building'));
  // Over the level-III bound: an incident on the building, then handled to the end.
  await post('Datastreams(1)/Observations', { result: 3.4 });
  for (const action of ['acknowledge', 'dispatch', 'resolve']) await post('Incidents(1)/Actions', { action, by: '值班员 王工' });
  await post('Datastreams(1)/Observations', { result: 1.1 });

  await openMonitoringLink(page, `/?select=${record.buildingId}&monitoring=${encodeURIComponent(base)}`);
  await waitForReady(page);
  const sensors = page.getByTestId('building-sensors');
  await expect(sensors).toContainText(`building-tilt ${record.buildingId}`);
  await expect(sensors).toContainText('本楼');
  await expect(sensors).toContainText('1.1');
  // Resolved, so no longer in the live list: it comes from the API's history of the building.
  const history = page.getByTestId('building-incidents');
  await expect(history.locator('li')).toHaveCount(1);
  await expect(history).toContainText(INCIDENT_TYPE_NAMES['building-tilt'].zh);
  await expect(history).toContainText(INCIDENT_STATUS_NAMES.resolved.zh);
});
