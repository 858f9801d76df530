// The policy page beside the real risk engine: an admin lowers a rule's threshold in the page, and the page shows the
// engine's next decision under the rule carrying the policy version it showed for the change. Started by
// PolicyRiskEngineITCase, which runs the engine (Flink mini-cluster) and the console, adds the rule (v1) and, when
// this script prints "PUBLISH attack <version>", sends a user's brute force to conn.events. Passes: ZT_CONSOLE_URL,
// ZT_ADMIN, ZT_ADMIN_PASSWORD, ZT_RULE, ZT_RUN (the attackers' user names start with <run>).
import assert from 'node:assert/strict';
import { launch, newPage, screenshot, signInToConsole, test, after, run, DESKTOP } from './lib.mjs';

const env = process.env;
const url = env.ZT_CONSOLE_URL;
const rule = env.ZT_RULE;
if (!url || !env.ZT_ADMIN_PASSWORD || !rule || !env.ZT_RUN) {
  console.log('usage: ZT_CONSOLE_URL=… ZT_ADMIN=… ZT_ADMIN_PASSWORD=… ZT_RULE=… ZT_RUN=… node policy-engine.mjs '
    + '(and a test that runs the engine and sends the attack)');
  process.exit(2);
}
const browser = await launch();
after(() => browser.close());

test("a threshold lowered in the page: the engine's next decision carries the version the page showed", async () => {
  const page = await newPage(browser, DESKTOP);
  await signInToConsole(page, url, env.ZT_ADMIN, env.ZT_ADMIN_PASSWORD);
  await page.goto(url + '/policy.html');
  const row = page.locator(`#rules tbody tr[data-rule="${rule}"]`);
  await row.locator('.version', { hasText: 'v1' }).waitFor();
  // every value the "latest decision's policy" field takes (another decision may replace it within a frame)
  await page.evaluate(() => {
    window.seenVersions = [];
    const field = document.getElementById('decision-version');
    new MutationObserver(() => window.seenVersions.push(field.textContent))
      .observe(field, { childList: true, characterData: true, subtree: true });
  });
  assert.match(await row.textContent(), /score ≥ 99/);
  const before = await page.locator('#policy-version').textContent();
  await row.getByRole('button', { name: `Edit ${rule}` }).click();
  await page.getByLabel('Minimum score (0–100)').fill('30');
  await page.getByRole('button', { name: 'Publish rule' }).click();
  await page.locator('#rule-result', { hasText: `published ${rule} v2` }).waitFor();
  await page.locator('#policy-version').filter({ hasNotText: before }).waitFor();
  const version = await page.locator('#policy-version').textContent();
  assert.match(version, /^v\d+-[0-9a-f]{8}$/);
  console.log('PUBLISH attack ' + version);
  const t0 = Date.now();
  const expected = `^${version} \\(BLOCK, user:${env.ZT_RUN}-u\\d\\)$`;
  await page.waitForFunction((re) => window.seenVersions.some((t) => new RegExp(re).test(t)), expected,
    { timeout: 150000 });
  console.log(`  # the page shows the engine's decision under ${version} ${Date.now() - t0} ms after asking for the attack`);
  await screenshot(page, 'console-policy-engine');
  await page.close();
});

await run();
