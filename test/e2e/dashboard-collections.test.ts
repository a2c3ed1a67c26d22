import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { chromium, type Page } from 'playwright-core';
import type { CollectionsView } from '../../src/consumer/dashboard-collections-view.js';
import { CollectionSort } from '../../src/gen/vectoradmin/v1/analysis.js';
import {
  activityReported,
  startCollectionsFixture,
  type TenantGroup,
} from '../helpers/collections-fixture.js';

const SCREENSHOT = path.resolve(
  import.meta.dirname,
  '../../test-results/dashboard-collections.png',
);
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'];
const VIEWPORT = { width: 1240, height: 700 };

/** The page's rows as `tenant/table`, tenant headings as `# tenant`, in the order shown. */
function shownRows(page: Page): Promise<string[]> {
  return page.evaluate(
    "[...document.querySelectorAll('#collections tr')].map((r) => r.className === 'tenant' ? '# ' + r.dataset.tenant : r.dataset.tenant + '/' + r.dataset.table)",
  );
}

function rowsOf(groups: readonly TenantGroup[]): string[] {
  return groups.flatMap((g) => [
    `# ${g.tenant_id}`,
    ...g.collections.map((c) => `${g.tenant_id}/${(c as { table: string }).table}`),
  ]);
}

/** Runs `act` and resolves to the collections page's next answer, once the page drew it. */
async function nextLoad(page: Page, act: () => Promise<unknown>): Promise<CollectionsView> {
  const loads = Number(await page.getAttribute('body', 'data-loads'));
  const response = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/collections');
  await act();
  const view = (await (await response).json()) as CollectionsView;
  await page.waitForFunction(`Number(document.body.dataset.loads) > ${loads}`);
  return view;
}

test('dashboard collections - the page shows every tenant with its tables, sorts, pages and filters, in Chromium', async () => {
  await using fixture = await startCollectionsFixture('dashboard collections');
  const handle = await fixture.consumer();
  await activityReported(fixture);
  const [acme, beta] = fixture.tenants;
  const base = `http://127.0.0.1:${handle.dashboardPort}`;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
  try {
    const page = await browser.newPage({ viewport: VIEWPORT });
    // Reached from the operations dashboard.
    await page.goto(`${base}/`);
    const first = await nextLoad(page, () => page.click('#collections-link'));
    assert.equal(new URL(page.url()).pathname, '/collections');
    assert.ok(first.ok, JSON.stringify(first));
    const byTable = await fixture.expected({});
    assert.deepEqual(await shownRows(page), rowsOf(byTable.groups), 'by tenant, then table');
    assert.deepEqual(
      byTable.groups.map((g) => g.tenant_id),
      [acme, beta].sort(),
    );
    // The figures of a row: acme's big table.
    const big = page.locator(`#collections tr.row[data-tenant="${acme}"]`, { hasText: 'b_big' });
    const cells = await big.locator('td').allTextContents();
    assert.equal(cells[1], 'own');
    assert.equal(cells[2], '2000', 'points');
    assert.equal(cells[4], 'green');
    assert.equal(cells[5], '16');
    assert.equal(cells[6], 'cosine');
    assert.match(cells[7] ?? '', /^\d+(\.\d)? (B|KiB|MiB)$/, 'bytes on disk');
    assert.match(cells[9] ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/, 'created');
    assert.match(cells[10] ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/, 'last write');
    assert.ok(Number(cells[11]) > 0, `points/s ${cells[11]}`);
    const shared = await page
      .locator(`#collections tr.row[data-tenant="${beta}"]`, { hasText: 'c_shared' })
      .locator('td')
      .nth(1)
      .textContent();
    assert.equal(shared, 'shared (2 tenants, 12 points)');

    // Sorting by size: the largest table's tenant first; the URL keeps the choice.
    const bySize = await nextLoad(page, () => page.selectOption('#sort', 'size'));
    assert.match(page.url(), /\?sort=size$/);
    const expectedSize = await fixture.expected({ sort: CollectionSort.COLLECTION_SORT_SIZE });
    assert.ok(bySize.ok);
    assert.deepEqual(bySize.tenants, expectedSize.groups);
    assert.deepEqual(await shownRows(page), rowsOf(expectedSize.groups));
    assert.ok((await shownRows(page))[1]?.startsWith(`${acme}/t_b_big`), 'the largest table first');
    assert.notDeepEqual(rowsOf(expectedSize.groups), rowsOf(byTable.groups), 'the order changed');

    // By activity: what the service answered, drawn in its order.
    const byActivity = await nextLoad(page, () => page.selectOption('#sort', 'activity'));
    assert.ok(byActivity.ok);
    assert.deepEqual(byActivity.query, { sort: 'activity' });
    assert.deepEqual(await shownRows(page), rowsOf(byActivity.tenants));

    // Pages as the RPC pages them; Back returns to the previous page.
    await page.goto(`${base}/collections?sort=size&page_size=2`);
    await page.waitForFunction('Number(document.body.dataset.loads) === 1');
    const page1 = await fixture.expected({
      sort: CollectionSort.COLLECTION_SORT_SIZE,
      pageSize: 2,
    });
    assert.deepEqual(await shownRows(page), rowsOf(page1.groups));
    assert.notEqual(page1.nextPageToken, '');
    const second = await nextLoad(page, () => page.click('#next'));
    assert.match(page.url(), /page_token=/);
    const page2 = await fixture.expected({
      sort: CollectionSort.COLLECTION_SORT_SIZE,
      pageSize: 2,
      pageToken: page1.nextPageToken,
    });
    assert.ok(second.ok);
    assert.deepEqual(await shownRows(page), rowsOf(page2.groups));
    await nextLoad(page, () => page.goBack());
    assert.deepEqual(await shownRows(page), rowsOf(page1.groups), 'Back shows page 1 again');

    // One tenant, by clicking its name.
    await page.goto(`${base}/collections`);
    await page.waitForFunction('Number(document.body.dataset.loads) === 1');
    const onlyBeta = await nextLoad(page, () =>
      page.click(`#collections tr.tenant[data-tenant="${beta}"] a`),
    );
    assert.deepEqual(onlyBeta.query, { sort: 'table', tenant: beta });
    assert.deepEqual(
      await shownRows(page),
      rowsOf((await fixture.expected({ tenantId: beta })).groups),
    );
    assert.ok(await page.isHidden('#error'));
    await page.goto(`${base}/collections?sort=size`);
    await page.waitForFunction('Number(document.body.dataset.loads) === 1');
    await mkdir(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // Without the admin key: the page says what to set, instead of rows.
    const unkeyed = await fixture.consumer({ VECTORADMIN_ADMIN_KEY: '' });
    const bare = await browser.newPage({ viewport: VIEWPORT });
    await bare.goto(`http://127.0.0.1:${unkeyed.dashboardPort}/collections`);
    await bare.waitForFunction('Number(document.body.dataset.loads) === 1');
    assert.ok(await bare.isVisible('#error'));
    assert.equal(await bare.getAttribute('#error', 'data-status'), 'UNAUTHENTICATED');
    assert.match((await bare.textContent('#error')) ?? '', /set VECTORADMIN_ADMIN_KEY/);
    assert.equal(await bare.locator('#collections tr.row').count(), 0);
    assert.match((await bare.textContent('#status')) ?? '', /did not answer \(UNAUTHENTICATED\)/);
  } finally {
    await browser.close();
  }
});
