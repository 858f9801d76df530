// The policy page in headless chromium: the rules in force, a threshold edited through the form and published as the
// next version, a bad field named, a rule put in shadow mode showing its would-have-fired counts, history and
// rollback, hostile text shown as text, a viewer refused a change, and the layout at 390 px. Started by
// PolicyBrowserITCase, which runs the console on the real broker, registry and ClickHouse (one CRITICAL risk score of
// user:pat seeded in the last hour) and passes: ZT_CONSOLE_URL, ZT_ADMIN, ZT_ADMIN_PASSWORD, ZT_VIEWER,
// ZT_VIEWER_PASSWORD.
import assert from 'node:assert/strict';
import { launch, newPage, screenshot, screenshotDir, test, after, run, DESKTOP, PHONE } from './lib.mjs';

const url = process.env.ZT_CONSOLE_URL;
const admin = [process.env.ZT_ADMIN, process.env.ZT_ADMIN_PASSWORD];
const viewer = [process.env.ZT_VIEWER, process.env.ZT_VIEWER_PASSWORD];
if (!url || !admin[1] || !viewer[1]) {
  console.log('usage: ZT_CONSOLE_URL=… ZT_ADMIN=… ZT_ADMIN_PASSWORD=… ZT_VIEWER=… ZT_VIEWER_PASSWORD=… node policy.mjs');
  process.exit(2);
}
const HOSTILE = '<img src=x onerror=alert(1)><script>alert(2)</script>';
const browser = await launch();
after(() => browser.close());
const dialogs = [];
let page;

async function signIn(p, [user, password]) {
  await p.goto(url + '/login.html');
  await p.getByLabel('User name').fill(user);
  await p.getByLabel('Password').fill(password);
  await Promise.all([p.waitForURL(url + '/'), p.getByRole('button', { name: 'Sign in' }).click()]);
  await p.goto(url + '/policy.html');
  await p.locator('#rules tbody tr[data-rule="critical-block"]').waitFor();
  await p.locator('#live-status', { hasText: 'connected' }).waitFor();
}

const rowOf = (p, id) => p.locator(`#rules tbody tr[data-rule="${id}"]`);

test('an admin sees the rules in force and the policy version', async () => {
  page = await newPage(browser, DESKTOP);
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  await signIn(page, admin);
  assert.match(await page.locator('#policy-version').textContent(), /^v\d+-[0-9a-f]{8}$/);
  assert.match(await rowOf(page, 'critical-block').textContent(), /level ≥ CRITICAL/);
  assert.match(await rowOf(page, 'off-hours-shadow').locator('.mode').textContent(), /SHADOW/);
});

test('a threshold edited in the form is published as the next version', async () => {
  const before = await page.locator('#policy-version').textContent();
  await rowOf(page, 'high-step-up').getByRole('button', { name: 'Edit high-step-up' }).click();
  assert.equal(await page.getByLabel('Rule id').inputValue(), 'high-step-up');
  await page.getByLabel('Minimum score (0–100)').fill('55');
  await page.getByRole('button', { name: 'Publish rule' }).click();
  await page.locator('#rule-result', { hasText: 'published high-step-up v2' }).waitFor();
  await rowOf(page, 'high-step-up').locator('.version', { hasText: 'v2' }).waitFor();
  assert.match(await rowOf(page, 'high-step-up').textContent(), /score ≥ 55/);
  await page.locator('#policy-version').filter({ hasNotText: before }).waitFor();
});

test('a bad field is refused, naming it', async () => {
  await page.getByLabel('Minimum score (0–100)').fill('150');
  await page.getByRole('button', { name: 'Publish rule' }).click();
  await page.locator('#rule-result', { hasText: 'minScore must be from 0 to 100' }).waitFor();
  await rowOf(page, 'high-step-up').locator('.version', { hasText: 'v2' }).waitFor();
});

test('a rule put in shadow mode shows its would-have-fired count', async () => {
  await rowOf(page, 'critical-block').getByRole('button', { name: 'Shadow critical-block' }).click();
  await page.locator('#policy-note', { hasText: 'critical-block is now SHADOW' }).waitFor();
  const counts = rowOf(page, 'critical-block').locator('.counts');
  await counts.filter({ hasText: /^1 \/ 1 \(1 \/ 1 entities\)/ }).waitFor();
  assert.match(await rowOf(page, 'critical-block').locator('.mode').textContent(), /SHADOW/);
  await screenshot(page, 'console-policy-desktop');
  await rowOf(page, 'critical-block').getByRole('button', { name: 'Enforce critical-block' }).click();
  await page.locator('#policy-note', { hasText: 'critical-block is now ENFORCE' }).waitFor();
});

test('the history lists every version and a rollback publishes the old content as a new version', async () => {
  await rowOf(page, 'high-step-up').getByRole('button', { name: 'History of high-step-up' }).click();
  await page.locator('#history li[data-version="1"]').waitFor();
  assert.equal(await page.locator('#history li').count(), 2);
  await page.locator('#changes li', { hasText: 'policy.edit: v1 → v2' }).waitFor();
  await page.getByRole('button', { name: 'Roll back to v1' }).click();
  await page.locator('#policy-note', { hasText: 'high-step-up rolled back to v1 as v3' }).waitFor();
  await rowOf(page, 'high-step-up').locator('.version', { hasText: 'v3' }).waitFor();
  assert.doesNotMatch(await rowOf(page, 'high-step-up').textContent(), /score ≥/);
});

test('hostile text in a rule is shown as text and runs nowhere', async () => {
  await page.getByLabel('Rule id').fill('it-hostile');
  await page.getByLabel('Kind').selectOption('OVERRIDE');
  await page.getByLabel('Description').fill(HOSTILE);
  await page.getByLabel('Minimum score (0–100)').fill('');
  await page.getByLabel(/^Entities/).fill('user:mallory');
  await page.getByLabel('Action', { exact: true }).selectOption('BLOCK');
  await page.getByRole('button', { name: 'Publish rule' }).click();
  await page.locator('#rule-result', { hasText: 'published it-hostile v1' }).waitFor();
  await rowOf(page, 'it-hostile').waitFor();
  assert.equal(await rowOf(page, 'it-hostile').locator('.meta').first().textContent(), HOSTILE);
  await page.waitForTimeout(300);
  assert.deepEqual(dialogs, []);
  assert.equal(await page.locator('#rules img').count(), 0);
});

test('a viewer sees no edit form and is refused a change (403)', async () => {
  const v = await newPage(browser, DESKTOP);
  await signIn(v, viewer);
  assert.equal(await v.locator('#edit-section').isHidden(), true);
  assert.equal(await rowOf(v, 'critical-block').getByRole('button', { name: 'Shadow critical-block' }).count(), 0);
  const status = await v.evaluate(async () => {
    const me = await (await fetch('/api/me')).json();
    return (await fetch('/api/policy/rules/critical-block/mode', {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf },
      body: JSON.stringify({ mode: 'SHADOW' }),
    })).status;
  });
  assert.equal(status, 403);
  await v.close();
});

test('at 390 px the policy page fits the screen', async () => {
  const phone = await newPage(browser, PHONE);
  await signIn(phone, admin);
  const width = await phone.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the page is ${width} px wide`);
  await screenshot(phone, 'console-policy-phone');
  await phone.screenshot({ path: screenshotDir() + '/console-policy-phone-top.png' }); // the first screen only
  await phone.close();
});

await run();
