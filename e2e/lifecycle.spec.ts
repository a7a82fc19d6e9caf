/** Building lifecycle panels: the timeline of a demo building, and the empty state of one with no record. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDistrict } from '../src/demo/district.ts';
import { generateLifecycles } from '../src/demo/lifecycle.ts';
import { PARTY_ROLE_NAMES } from '../src/domain/lifecycle/lifecycle.ts';
import { randomPort, startMonitoringProcess } from '../src/server/sensorthings/testing/server-process.ts';
import { expect, test, waitForReady } from './fixtures.ts';

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

test('a building with no record shows the empty state', async ({ page }) => {
  const directory = mkdtempSync(join(tmpdir(), 'cim-twin-e2e-lifecycle-'));
  const port = randomPort();
  const server = await startMonitoringProcess(join(directory, 'empty.sqlite'), port, 'e2e-lifecycle');
  try {
    const record = renovatedBuilding();
    await page.goto(`/?select=${record.buildingId}&lifecycle=${encodeURIComponent(`http://127.0.0.1:${port}/api`)}`);
    await waitForReady(page);
    await expect(page.getByTestId('lifecycle-empty')).toBeVisible();
    await expect(page.getByTestId('lifecycle-empty')).toContainText('暂无建设档案');
  } finally {
    server.kill('SIGKILL');
    rmSync(directory, { recursive: true, force: true });
  }
});
