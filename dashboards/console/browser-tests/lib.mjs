// Helpers shared by the console's browser tests: Debian's chromium through playwright-core, desktop and phone
// pages, screenshots, and a small in-order test runner (no test framework).
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const openPages = new Set(); // the pages of newPage() not yet closed: run() screenshots them when a test fails

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

/** Milliseconds every page action and wait may take before it fails (ZT_BROWSER_TIMEOUT, default 5000). */
export const TIMEOUT = Number(process.env.ZT_BROWSER_TIMEOUT || 5000);

/** Headless chromium at $ZT_CHROMIUM, else Debian's /usr/bin/chromium. */
export function launch({ args = [], ...options } = {}) {
  return chromium.launch({
    executablePath: process.env.ZT_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', ...args],
    ...options,
  });
}

/** A page in a context of its own: newPage(browser) or newPage(browser, DESKTOP) for 1280x800, newPage(browser,
 *  PHONE) for a 390x844 touch phone. Closing the page closes its context. */
export async function newPage(browser, { width, height, isMobile = false, hasTouch = false, deviceScaleFactor = 1,
  ...contextOptions } = DESKTOP) {
  const context = await browser.newContext({
    viewport: { width, height }, isMobile, hasTouch, deviceScaleFactor, ...contextOptions,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  openPages.add(page);
  page.once('close', () => { openPages.delete(page); context.close().catch(() => {}); });
  return page;
}

/** The folder screenshots go to: $ZT_SCREENSHOTS, else dashboards/console/target/screenshots. */
export function screenshotDir() {
  return resolve(here, '..', process.env.ZT_SCREENSHOTS || 'target/screenshots');
}

/** Saves a full-page PNG as NAME.png in screenshotDir() and returns its path. */
export async function screenshot(page, name) {
  const dir = screenshotDir();
  mkdirSync(dir, { recursive: true });
  const path = resolve(dir, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Signs in to the console at URL through its sign-in form, as a person would, and waits for the live view. */
export async function signInToConsole(page, url, user, password) {
  await page.goto(url + '/login.html');
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForURL(url + '/'), page.getByRole('button', { name: 'Sign in' }).click()]);
}

const tests = [];
const afters = [];

/** Registers a test; tests run in the order registered. */
export function test(name, fn) { tests.push({ name, fn }); }

/** Registers clean-up (closing a browser, stopping a server) that run() calls after the last test. */
export function after(fn) { afters.push(fn); }

/** Runs the tests in order, prints TAP-like ok / not ok lines with timings and 'N passed, N failed' (a failed test's
 *  error, and a screenshot failed-TEST-N.png of each open page), runs the after() clean-ups, then ends the process: status 1 when any test failed or none ran. ZT_TEST_FILTER runs only the
 *  tests whose names contain it; ZT_FAIL_FAST stops at the first failure. */
export async function run() {
  const filter = process.env.ZT_TEST_FILTER || '';
  const chosen = tests.filter((t) => t.name.includes(filter));
  const started = Date.now();
  let passed = 0;
  let failed = 0;
  console.log(`1..${chosen.length}`);
  for (const [i, t] of chosen.entries()) {
    const t0 = Date.now();
    try {
      await t.fn();
      passed++;
      console.log(`ok ${i + 1} - ${t.name} (${Date.now() - t0} ms)`);
    } catch (e) {
      failed++;
      console.log(`not ok ${i + 1} - ${t.name} (${Date.now() - t0} ms)`);
      const text = String((e && e.stack) || e).replace(/\x1b\[[0-9;]*m/g, ''); // no terminal colours in logs
      console.log(text.split('\n').slice(0, 12).map((l) => `  # ${l}`).join('\n'));
      for (const [n, page] of [...openPages].entries()) {
        const shot = await screenshot(page, `failed-${i + 1}-${n + 1}`).catch(() => null);
        if (shot) console.log(`  # screenshot: ${shot}`);
      }
      if (process.env.ZT_FAIL_FAST) break;
    }
  }
  for (const fn of afters.reverse()) {
    try { await fn(); } catch (e) { console.log(`  # clean-up failed: ${(e && e.message) || e}`); }
  }
  console.log(`# ${Date.now() - started} ms`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 || chosen.length === 0 ? 1 : 0);
}
