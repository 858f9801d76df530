// The console in headless chromium: signing in, the live view with each stage's lag, a risk-engine decision appearing
// in it and followed to its entity's anomaly and evidence, a manual override appearing in it, shown on its entity page
// and lifted there and from the live view, hostile text shown as text, a viewer refused a change, a change without the
// CSRF token refused, and the layout at 390 px. Started by ConsoleBrowserITCase, which runs the console on a real
// broker and ClickHouse and passes: ZT_CONSOLE_URL, ZT_ADMIN, ZT_ADMIN_PASSWORD, ZT_VIEWER, ZT_VIEWER_PASSWORD,
// ZT_ENGINE_DECISION (the id of the decision it publishes when this script prints "PUBLISH engine-decision") and
// ZT_EXPLANATION (the explanation of the seeded anomaly behind it).
import assert from 'node:assert/strict';
import { launch, newPage, screenshot, signInToConsole, test, after, run, DESKTOP, PHONE } from './lib.mjs';

const url = process.env.ZT_CONSOLE_URL;
const admin = [process.env.ZT_ADMIN, process.env.ZT_ADMIN_PASSWORD];
const viewer = [process.env.ZT_VIEWER, process.env.ZT_VIEWER_PASSWORD];
const engineDecision = process.env.ZT_ENGINE_DECISION;
const explanation = process.env.ZT_EXPLANATION;
if (!url || !admin[1] || !viewer[1] || !engineDecision || !explanation) {
  console.log('usage: ZT_CONSOLE_URL=… ZT_ADMIN=… ZT_ADMIN_PASSWORD=… ZT_VIEWER=… ZT_VIEWER_PASSWORD=… '
    + 'ZT_ENGINE_DECISION=… ZT_EXPLANATION=… node console.mjs (and a test that publishes the decision)');
  process.exit(2);
}
const HOSTILE = '<img src=x onerror=alert(1)><script>alert(2)</script>';
const browser = await launch();
after(() => browser.close());
const dialogs = [];
let page;
let overridden;

async function liveView(p) {
  await p.goto(url + '/');
  await p.locator('#live-status', { hasText: 'connected' }).waitFor();
}

async function signIn(p, [user, password]) {
  await signInToConsole(p, url, user, password);
  await p.locator('#live-status', { hasText: 'connected' }).waitFor();
}

test('without a session the live view sends the browser to sign in', async () => {
  page = await newPage(browser, DESKTOP);
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  await page.goto(url + '/');
  await page.waitForURL(url + '/login.html');
  await page.getByLabel('User name').fill(admin[0]);
  await page.getByLabel('Password').fill('not the password at all');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#error', { hasText: 'wrong user name or password' }).waitFor();
});

test('an admin signs in and the live view connects', async () => {
  await signIn(page, admin);
  assert.match(await page.locator('#who').textContent(), /\(admin\)/);
  await page.locator('#stat-events').filter({ hasNotText: '–' }).waitFor();
});

test("each stage's lag is shown, and a stage that is not running says so", async () => {
  await page.locator('#stages div[data-stage="risk engine"] dd', { hasText: '1 behind' }).waitFor();
  assert.match(await page.locator('#stages div[data-stage="ingest"] dd').textContent(), /^not running/);
});

test("an engine decision appears in the live view within 2 s, and its entity shows the anomaly's explanation and "
  + 'evidence', async () => {
  console.log('PUBLISH engine-decision');
  const t0 = Date.now();
  const row = page.locator(`#feed li.decision[data-id="${engineDecision}"]`);
  await row.waitFor({ timeout: 2000 });
  console.log(`  # the engine's decision in the feed ${Date.now() - t0} ms after asking for it to be published`);
  assert.equal(await row.getAttribute('data-issuer'), 'ENGINE');
  assert.equal(await row.locator('.action').textContent(), 'BLOCK');
  await page.locator('#in-force li[data-entity="user:alice"] .issuer', { hasText: 'engine' }).waitFor();
  await Promise.all([page.waitForURL(/\/entity\.html\?e=user%3Aalice$/), row.getByRole('link', { name: 'user:alice' }).click()]);
  await page.locator('body[data-loaded="true"]').waitFor();
  const anomaly = page.locator('#anomalies li.anomaly').first();
  assert.equal(await anomaly.locator('.explanation').textContent(), explanation);
  await anomaly.locator('a.evidence-link').first().click();
  await page.locator('#evidence tr.highlight[data-event="ev-1"]').waitFor();
  assert.equal(await page.locator('#override-state').textContent(), 'No manual override is in force.');
  await liveView(page);
});

test('a manual override appears in the live view within 2 s of being published', async () => {
  const entity = 'user:mallory-' + Date.now();
  overridden = entity;
  await page.getByLabel('Entity', { exact: true }).fill(entity);
  await page.getByLabel('Action').selectOption('BLOCK');
  await page.getByLabel('For (minutes)').fill('15');
  await page.getByLabel('Reason', { exact: true }).fill(HOSTILE);
  const t0 = Date.now();
  await page.getByRole('button', { name: 'Publish' }).click();
  await page.locator('#override-result', { hasText: 'published manual-' }).waitFor();
  const published = Date.now();
  const row = page.locator(`#feed li.decision[data-entity="${entity}"]`);
  await row.waitFor({ timeout: 2000 });
  console.log(`  # override: published ${published - t0} ms after the click, in the feed ${Date.now() - published} ms later`);
  assert.equal(await row.locator('.summary').textContent(), HOSTILE, 'the reason is shown as text');
  await page.locator(`#in-force li[data-entity="${entity}"] .countdown`, { hasText: 'expires in 1' }).waitFor();
  const listed = page.locator(`#overrides li[data-entity="${entity}"]`);
  await listed.waitFor();
  assert.equal(await listed.locator('.summary').textContent(), HOSTILE);
  assert.equal(await listed.getByRole('button', { name: 'Lift the override on ' + entity }).count(), 1);
  await screenshot(page, 'console-live-desktop');
});

test('the override is shown on its entity page and lifted there', async () => {
  const entity = overridden;
  await Promise.all([page.waitForURL(/\/entity\.html/),
    page.locator(`#overrides li[data-entity="${entity}"]`).getByRole('link', { name: entity }).click()]);
  await page.locator('#override-now[data-override]').waitFor();
  assert.match(await page.locator('#override-state').textContent(), /^BLOCK by ada via console: .* expires in 1\d min/);
  await page.getByLabel('Why lift it').fill('a false alarm');
  await page.getByRole('button', { name: 'Lift override' }).click();
  await page.locator('#override-result', { hasText: 'lifted manual-' }).waitFor();
  await page.locator('#override-state', { hasText: 'No manual override is in force.' }).waitFor();
  await liveView(page);
  await page.locator(`#feed li.decision[data-entity="${entity}"] .action`, { hasText: 'LIFT' }).waitFor();
  // the next snapshot (once a second) has neither
  await page.locator(`#overrides li[data-entity="${entity}"]`).waitFor({ state: 'detached', timeout: 3000 });
  await page.locator(`#in-force li[data-entity="${entity}"]`).waitFor({ state: 'detached', timeout: 3000 });
});

test('an override is lifted from the live view', async () => {
  const entity = 'device:lost-' + Date.now();
  await page.getByLabel('Entity', { exact: true }).fill(entity);
  await page.getByLabel('Action').selectOption('STEP_UP');
  await page.getByLabel('Reason', { exact: true }).fill('reported lost');
  await page.getByRole('button', { name: 'Publish' }).click();
  const listed = page.locator(`#overrides li[data-entity="${entity}"]`);
  await listed.waitFor();
  await listed.getByRole('button', { name: 'Lift the override on ' + entity }).click();
  assert.equal(await page.getByLabel('Entity to lift').inputValue(), entity);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'lift-reason');
  await page.keyboard.type('found again');
  await page.keyboard.press('Enter');
  await page.locator('#lift-result', { hasText: 'lifted manual-' }).waitFor();
  await listed.waitFor({ state: 'detached' });
  // one left in force, for the viewer
  await page.getByLabel('Entity', { exact: true }).fill('user:kept-' + Date.now());
  await page.getByLabel('Reason', { exact: true }).fill('kept for the viewer');
  await page.getByRole('button', { name: 'Publish' }).click();
  await page.locator('#overrides li .summary', { hasText: 'kept for the viewer' }).waitFor();
});

test('hostile text ran nowhere', async () => {
  await page.waitForTimeout(300);
  assert.deepEqual(dialogs, []);
  assert.equal(await page.locator('#feed img').count(), 0, 'no element was made from the text');
});

test('a change without the CSRF token is refused', async () => {
  const status = await page.evaluate(async () => (await fetch('/api/overrides', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ entity: 'user:x', action: 'BLOCK', ttlMinutes: 5, reason: 'no token' }),
  })).status);
  assert.equal(status, 403);
});

test('a viewer sees no override form and is refused a change', async () => {
  const v = await newPage(browser, DESKTOP);
  await signIn(v, viewer);
  assert.equal(await v.locator('#override-section').isHidden(), true);
  await v.locator('#overrides li .summary', { hasText: 'kept for the viewer' }).waitFor();
  assert.equal(await v.locator('#overrides button').count(), 0, 'no lift buttons for a viewer');
  const status = await v.evaluate(async () => {
    const me = await (await fetch('/api/me')).json();
    return (await fetch('/api/overrides', {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf },
      body: JSON.stringify({ entity: 'user:x', action: 'BLOCK', ttlMinutes: 5, reason: 'viewer' }),
    })).status;
  });
  assert.equal(status, 403);
  await v.close();
});

test('at 390 px the live view fits the screen', async () => {
  const phone = await newPage(browser, PHONE);
  await signIn(phone, admin);
  const width = await phone.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the page is ${width} px wide`);
  await screenshot(phone, 'console-live-phone');
  await phone.close();
});

test('signing out ends the session', async () => {
  await Promise.all([page.waitForURL(url + '/login.html'), page.getByRole('button', { name: 'Sign out' }).click()]);
  const status = await page.evaluate(async () => (await fetch('/api/me')).status);
  assert.equal(status, 401);
});

await run();
