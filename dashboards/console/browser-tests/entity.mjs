// The entity page in headless chromium: an analyst opens an entity and sees its anomaly's explanation and evidence
// event, its score chart with the decisions on it, its usual and recent behaviour and its decisions; hostile text
// stored in ClickHouse is shown as text; the prefix search; the layout at 390 px. Started by ConsoleEntityBrowserITCase,
// which seeds ClickHouse (EntityApiITCase.seed) and passes: ZT_CONSOLE_URL, ZT_USER, ZT_PASSWORD, ZT_ENTITY,
// ZT_EXPLANATION, ZT_HOSTILE_ENTITY, ZT_HOSTILE.
import assert from 'node:assert/strict';
import { launch, newPage, screenshot, signInToConsole, test, after, run, DESKTOP, PHONE } from './lib.mjs';

const env = process.env;
const url = env.ZT_CONSOLE_URL;
const user = [env.ZT_USER, env.ZT_PASSWORD];
const entity = env.ZT_ENTITY;
if (!url || !user[1] || !entity || !env.ZT_EXPLANATION || !env.ZT_HOSTILE_ENTITY || !env.ZT_HOSTILE) {
  console.log('usage: ZT_CONSOLE_URL=… ZT_USER=… ZT_PASSWORD=… ZT_ENTITY=… ZT_EXPLANATION=… ZT_HOSTILE_ENTITY=… '
    + 'ZT_HOSTILE=… node entity.mjs');
  process.exit(2);
}
const browser = await launch();
after(() => browser.close());
const dialogs = [];
let page;

async function signIn(p) {
  await signInToConsole(p, url, user[0], user[1]);
}

async function openEntity(p, e) {
  await p.goto(url + '/entity.html?e=' + encodeURIComponent(e));
  await p.locator('body[data-loaded="true"]').waitFor();
}

test('without a session the entity page sends the browser to sign in', async () => {
  page = await newPage(browser, DESKTOP);
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  await page.goto(url + '/entity.html?e=' + encodeURIComponent(entity));
  await page.waitForURL(url + '/login.html');
});

test("an analyst opens the entity and sees the anomaly's explanation and evidence", async () => {
  await signIn(page);
  const t0 = Date.now();
  await openEntity(page, entity);
  console.log(`  # entity page loaded in ${Date.now() - t0} ms`);
  assert.equal(await page.locator('#entity-title').textContent(), entity);
  const anomaly = page.locator('#anomalies li.anomaly').first();
  assert.equal(await anomaly.locator('.explanation').textContent(), env.ZT_EXPLANATION);
  assert.equal(await anomaly.locator('.detector').textContent(), 'impossible_travel');
  const links = anomaly.locator('a.evidence-link');
  assert.deepEqual(await links.allTextContents(), ['ev-1', 'ev-2']);
  // following the evidence link shows its raw conn_events row
  await links.nth(1).click();
  const row = page.locator('#evidence tr.highlight');
  await row.waitFor();
  assert.equal(await row.getAttribute('data-event'), 'ev-2');
  const cells = await row.locator('td').allTextContents();
  assert.ok(cells.includes('phone-x') && cells.includes('BR') && cells.includes('payments') &&
    cells.includes('203.0.113.9'), `the evidence row: ${cells}`);
  assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.dataset.event), 'ev-2');
  assert.equal(await page.locator('#evidence tbody tr').count(), 2);
});

test('the score chart draws the scores and a marker per decision', async () => {
  const chart = page.locator('#score-chart svg');
  assert.equal(await chart.locator('polyline.score-line').count(), 1);
  assert.equal(await chart.locator('circle.score-dot').count(), 3, 'the three scores of the window');
  assert.equal(await chart.locator('g.decision-marker').count(), 2);
  assert.equal(await chart.locator('g.decision-marker.mode-shadow').count(), 1);
  assert.match(await page.locator('#score-caption').textContent(), /highest 85\.0/);
  // a marker is reachable by keyboard and leads to its decision
  await chart.locator('g.decision-marker.mode-enforce').focus();
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.id), 'd-1');
});

test('usual and recent behaviour side by side, the new ones marked', async () => {
  const countries = page.locator('table.behaviour-table[data-dimension="country"] tbody tr');
  assert.deepEqual(await countries.locator('th').allTextContents(), ['NL', 'BR new']);
  assert.deepEqual(await countries.nth(1).locator('td').allTextContents(), ['0', '1']);
  const devices = page.locator('table.behaviour-table[data-dimension="device"] tbody tr th');
  assert.deepEqual(await devices.allTextContents(), ['laptop-a', 'phone-x new']);
  assert.equal(await page.locator('table.behaviour-table[data-dimension="hour"]').count(), 1);
});

test('every decision with its reasons, policy version, mode and where it was applied', async () => {
  const block = page.locator('#decisions tr[data-id="d-1"]');
  assert.equal(await block.locator('td[data-label="action"]').textContent(), 'BLOCK');
  assert.equal(await block.locator('td[data-label="mode"]').textContent(), 'ENFORCE');
  assert.equal(await block.locator('td[data-label="policy"]').textContent(), 'v7-abc');
  assert.equal(await block.locator('td[data-label="rule"]').textContent(), 'travel-block');
  assert.equal(await block.locator('.reasons .explanation').textContent(), env.ZT_EXPLANATION);
  const applied = await block.locator('.applied li').allTextContents();
  assert.equal(applied.length, 2);
  assert.match(applied[0], /^gw-1: APPLIED at .*, 2 sessions revoked$/);
  const shadow = page.locator('#decisions tr[data-id="d-2"]');
  assert.equal(await shadow.locator('td[data-label="mode"]').textContent(), 'SHADOW');
  assert.equal(await shadow.locator('td[data-label="applied"]').textContent(), 'not applied (shadow)');
  await screenshot(page, 'console-entity-desktop');
});

test('the prefix search finds entities and opens one by keyboard', async () => {
  await page.getByLabel('Find an entity').fill('user:al');
  const results = page.locator('#entity-results a');
  await results.first().waitFor();
  assert.deepEqual(await results.allTextContents(), ['user:alice', 'user:alicia']);
  await results.nth(1).focus();
  await Promise.all([page.waitForURL(/e=user%3Aalicia$/), page.keyboard.press('Enter')]);
  await page.locator('body[data-loaded="true"]').waitFor();
  assert.equal(await page.locator('#entity-title').textContent(), 'user:alicia');
  // the window can be changed
  await page.getByLabel('Window').selectOption('168');
  await page.locator('#entity-status', { hasText: 'last 168 h' }).waitFor();
});

test('a hostile entity name and explanation stored in ClickHouse show as text and run nowhere', async () => {
  await openEntity(page, env.ZT_HOSTILE_ENTITY);
  assert.equal(await page.locator('#entity-title').textContent(), env.ZT_HOSTILE_ENTITY);
  assert.equal(await page.locator('#anomalies .explanation').first().textContent(), env.ZT_HOSTILE);
  const userRow = page.locator('table.behaviour-table[data-dimension="user"] tbody th');
  assert.equal(await userRow.first().textContent(), env.ZT_HOSTILE + ' new');
  await page.locator('#evidence tbody tr').first().waitFor();
  // the search lists it as text too
  await page.getByLabel('Find an entity').fill('user:<');
  await page.locator('#entity-results a').first().waitFor();
  assert.equal(await page.locator('#entity-results a').first().textContent(), env.ZT_HOSTILE_ENTITY);
  await page.waitForTimeout(300);
  assert.deepEqual(dialogs, []);
  assert.equal(await page.locator('main img, main script').count(), 0, 'no element was made from the text');
  // the page at /entity/{entity} is the same page
  await page.goto(url + '/entity/' + encodeURIComponent(entity));
  await page.locator('body[data-loaded="true"]').waitFor();
  assert.equal(await page.locator('#entity-title').textContent(), entity);
});

test('at 390 px the entity page fits the screen', async () => {
  const phone = await newPage(browser, PHONE);
  phone.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  await signIn(phone);
  await openEntity(phone, entity);
  const width = await phone.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the page is ${width} px wide`);
  await phone.locator('#anomalies a.evidence-link').first().click();
  await phone.locator('#evidence tr.highlight').waitFor();
  assert.ok(await phone.evaluate(() => document.documentElement.scrollWidth) <= 390);
  await screenshot(phone, 'console-entity-phone');
  await phone.close();
});

await run();
