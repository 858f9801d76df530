// The policy page in headless chromium: the rules in force, a threshold edited through the form and published as the
// next version, a bad field named, a rule put in shadow mode showing its would-have-fired counts, history and
// rollback, hostile text shown as text, a viewer refused a change, and the layout at 390 px. Started by
// PolicyBrowserITCase, which runs the console on the real broker, registry and ClickHouse (one CRITICAL risk score of
// user:pat seeded in the last hour) and passes: ZT_CONSOLE_URL, ZT_ADMIN, ZT_ADMIN_PASSWORD, ZT_VIEWER,
// ZT_VIEWER_PASSWORD.
import assert from 'node:assert/strict';
import { launch, newPage, screenshot, signInToConsole, screenshotDir, test, after, run, DESKTOP, PHONE } from './lib.mjs';

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
const rule = 'ui-threshold-' + Date.now().toString(36); // a rule of its own: other tests may share policy.rules
let page;

async function signIn(p, [user, password]) {
  await signInToConsole(p, url, user, password);
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

test('a threshold rule added and then edited in the form is published as the next version', async () => {
  const before = await page.locator('#policy-version').textContent();
  await page.getByLabel('Rule id').fill(rule);
  await page.getByLabel('Kind').selectOption('THRESHOLD');
  await page.getByLabel('Description').fill('users at a high score must authenticate again');
  await page.getByLabel(/^Entity types/).fill('USER');
  await page.getByLabel('Minimum score (0–100)').fill('90');
  await page.getByLabel('Action', { exact: true }).selectOption('STEP_UP');
  await page.getByLabel('TTL (minutes)').fill('20');
  await page.getByRole('button', { name: 'Publish rule' }).click();
  await page.locator('#rule-result', { hasText: `published ${rule} v1` }).waitFor();
  await rowOf(page, rule).locator('.version', { hasText: 'v1' }).waitFor();
  await rowOf(page, rule).getByRole('button', { name: `Edit ${rule}` }).click();
  assert.equal(await page.getByLabel('Rule id').inputValue(), rule);
  assert.equal(await page.getByLabel('Minimum score (0–100)').inputValue(), '90');
  await page.getByLabel('Minimum score (0–100)').fill('80');
  await page.getByRole('button', { name: 'Publish rule' }).click();
  await page.locator('#rule-result', { hasText: `published ${rule} v2` }).waitFor();
  await rowOf(page, rule).locator('.version', { hasText: 'v2' }).waitFor();
  assert.match(await rowOf(page, rule).textContent(), /score ≥ 80/);
  await page.locator('#policy-version').filter({ hasNotText: before }).waitFor();
});

test('a bad field is refused, naming it', async () => {
  await page.getByLabel('Minimum score (0–100)').fill('150');
  await page.getByRole('button', { name: 'Publish rule' }).click();
  await page.locator('#rule-result', { hasText: 'minScore must be from 0 to 100' }).waitFor();
  await rowOf(page, rule).locator('.version', { hasText: 'v2' }).waitFor();
});

test('a rule put in shadow mode shows its would-have-fired count', async () => {
  await rowOf(page, rule).getByRole('button', { name: `Shadow ${rule}` }).click();
  await page.locator('#policy-note', { hasText: `${rule} is now SHADOW` }).waitFor();
  const counts = rowOf(page, rule).locator('.counts');
  await counts.filter({ hasText: /^1 \/ 1 \(1 \/ 1 entities\)/ }).waitFor(); // user:pat at 85
  assert.match(await rowOf(page, rule).locator('.mode').textContent(), /SHADOW/);
  await screenshot(page, 'console-policy-desktop');
});

test('the history lists every version and a rollback publishes the old content as a new version', async () => {
  await rowOf(page, rule).getByRole('button', { name: `History of ${rule}` }).click();
  await page.locator('#history li[data-version="1"]').waitFor();
  assert.equal(await page.locator('#history li').count(), 3);
  await page.locator('#changes li', { hasText: 'policy.edit: v1 → v2' }).waitFor();
  await page.locator('#changes li', { hasText: 'policy.mode: v2 → v3' }).waitFor();
  await page.getByRole('button', { name: 'Roll back to v1' }).click();
  await page.locator('#policy-note', { hasText: `${rule} rolled back to v1 as v4` }).waitFor();
  await rowOf(page, rule).locator('.version', { hasText: 'v4' }).waitFor();
  assert.match(await rowOf(page, rule).textContent(), /score ≥ 90/);
  assert.match(await rowOf(page, rule).locator('.mode').textContent(), /ENFORCE/);
});

test('hostile text in a rule is shown as text and runs nowhere', async () => {
  await page.getByLabel('Rule id').fill('it-hostile-' + Date.now().toString(36));
  await page.getByLabel('Kind').selectOption('OVERRIDE');
  await page.getByLabel('Description').fill(HOSTILE);
  await page.getByLabel('Minimum score (0–100)').fill('');
  await page.getByLabel(/^Entities/).fill('user:mallory');
  await page.getByLabel('Action', { exact: true }).selectOption('BLOCK');
  await page.getByRole('button', { name: 'Publish rule' }).click();
  const id = await page.getByLabel('Rule id').inputValue();
  await page.locator('#rule-result', { hasText: `published ${id} v1` }).waitFor();
  await rowOf(page, id).waitFor();
  assert.equal(await rowOf(page, id).locator('.meta').first().textContent(), HOSTILE);
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
