// The console in headless chromium: signing in, the live view, a manual override appearing in it, hostile text shown
// as text, a viewer refused a change, a change without the CSRF token refused, and the layout at 390 px. Started by
// ConsoleBrowserITCase, which runs the console on a real broker and passes: ZT_CONSOLE_URL, ZT_ADMIN,
// ZT_ADMIN_PASSWORD, ZT_VIEWER, ZT_VIEWER_PASSWORD.
import assert from 'node:assert/strict';
import { launch, newPage, screenshot, signInToConsole, test, after, run, DESKTOP, PHONE } from './lib.mjs';

const url = process.env.ZT_CONSOLE_URL;
const admin = [process.env.ZT_ADMIN, process.env.ZT_ADMIN_PASSWORD];
const viewer = [process.env.ZT_VIEWER, process.env.ZT_VIEWER_PASSWORD];
if (!url || !admin[1] || !viewer[1]) {
  console.log('usage: ZT_CONSOLE_URL=… ZT_ADMIN=… ZT_ADMIN_PASSWORD=… ZT_VIEWER=… ZT_VIEWER_PASSWORD=… node console.mjs');
  process.exit(2);
}
const HOSTILE = '<img src=x onerror=alert(1)><script>alert(2)</script>';
const browser = await launch();
after(() => browser.close());
const dialogs = [];
let page;

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

test('a manual override appears in the live view within 2 s of being published', async () => {
  const entity = 'user:mallory-' + Date.now();
  await page.getByLabel('Entity').fill(entity);
  await page.getByLabel('Action').selectOption('BLOCK');
  await page.getByLabel('For (minutes)').fill('15');
  await page.getByLabel('Reason').fill(HOSTILE);
  const t0 = Date.now();
  await page.getByRole('button', { name: 'Publish' }).click();
  await page.locator('#override-result', { hasText: 'published manual-' }).waitFor();
  const published = Date.now();
  const row = page.locator(`#feed li.decision[data-entity="${entity}"]`);
  await row.waitFor({ timeout: 2000 });
  console.log(`  # override: published ${published - t0} ms after the click, in the feed ${Date.now() - published} ms later`);
  assert.equal(await row.locator('.summary').textContent(), HOSTILE, 'the reason is shown as text');
  await page.locator(`#in-force li[data-entity="${entity}"] .countdown`, { hasText: 'expires in 1' }).waitFor();
  await screenshot(page, 'console-live-desktop');
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
