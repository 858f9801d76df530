// The console's load figures in headless chromium: page load and first live update on fresh pages, then whether one
// open live view keeps up with a stream of decisions. Started by ConsoleBench (./pipeline bench-console), which runs
// the console and passes ZT_CONSOLE_URL, ZT_BENCH_USER, ZT_BENCH_PASSWORD, ZT_BENCH_RATE, ZT_BENCH_SECONDS,
// ZT_BENCH_PAGES and ZT_BENCH_PREFIX (the decision ids of this run start with it; each ends with its publish time in
// ms). Once the page watches, it prints "watching"; ConsoleBench then publishes, and when done writes
// "published N FIRST_MS LAST_MS" to this script's standard input. The script prints a summary and one line
// "BENCH_JSON {...}".
import { createInterface } from 'node:readline';
import { launch, newPage, signInToConsole, DESKTOP } from './lib.mjs';

const env = process.env;
const url = env.ZT_CONSOLE_URL;
const user = env.ZT_BENCH_USER;
const password = env.ZT_BENCH_PASSWORD;
const rate = Number(env.ZT_BENCH_RATE || 1000);
const seconds = Number(env.ZT_BENCH_SECONDS || 20);
const pages = Number(env.ZT_BENCH_PAGES || 5);
const prefix = env.ZT_BENCH_PREFIX;
if (!url || !user || !password || !prefix) {
  console.log('usage: ZT_CONSOLE_URL=… ZT_BENCH_USER=… ZT_BENCH_PASSWORD=… ZT_BENCH_PREFIX=bench-RUN- '
    + '[ZT_BENCH_RATE=1000 ZT_BENCH_SECONDS=20 ZT_BENCH_PAGES=5] node bench.mjs (./pipeline bench-console runs it)');
  process.exit(2);
}

// Runs in every measured page before its own scripts: the moments (ms after navigation start) the first stats value
// is shown and the live status says connected.
function probe() {
  const b = window.__bench = {};
  const check = () => {
    const stat = document.getElementById('stat-events');
    if (b.firstStatsMs === undefined && stat && stat.textContent !== '–') b.firstStatsMs = performance.now();
    const status = document.getElementById('live-status');
    if (b.connectedMs === undefined && status && status.textContent === 'connected') b.connectedMs = performance.now();
    if (b.firstStatsMs !== undefined && b.connectedMs !== undefined) observer.disconnect();
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { subtree: true, childList: true, characterData: true });
}

// Counts the decisions of this run added to #feed (the page keeps at most 200 items, so additions, not children):
// the publish time from the id, the time the item was added, and the time of the next animation frame after it.
function watch(prefix) {
  const w = window.__watch = { pub: [], dom: [], frame: [], ids: new Set(), duplicates: 0, longTasks: 0 };
  let frameAsked = false;
  const stampFrame = () => {
    const t = Date.now();
    while (w.frame.length < w.pub.length) w.frame.push(t);
    frameAsked = false;
  };
  new MutationObserver((records) => {
    const now = Date.now();
    for (const r of records) {
      for (const n of r.addedNodes) {
        if (n.nodeType !== 1 || !n.classList.contains('decision')) continue;
        const id = n.dataset.id || '';
        if (!id.startsWith(prefix)) continue;
        if (w.ids.has(id)) { w.duplicates++; continue; }
        w.ids.add(id);
        w.pub.push(Number(id.slice(id.lastIndexOf('-') + 1)));
        w.dom.push(now);
      }
    }
    if (!frameAsked && w.frame.length < w.pub.length) { frameAsked = true; requestAnimationFrame(stampFrame); }
  }).observe(document.getElementById('feed'), { childList: true });
  try {
    new PerformanceObserver((list) => { w.longTasks += list.getEntries().length; })
      .observe({ type: 'longtask', buffered: false });
  } catch { /* no long-task timing in this browser */ }
}

const pct = (sorted, p) => (sorted.length ? sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] : null);
function lagStats(lags) {
  const s = Float64Array.from(lags).sort();
  return { n: s.length, p50: pct(s, 0.5), p99: pct(s, 0.99), max: s.length ? s[s.length - 1] : null };
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x) => Math.round(x * 10) / 10;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const lines = createInterface({ input: process.stdin });
const stdinLines = [];
let lineWaiter = null;
lines.on('line', (l) => { stdinLines.push(l); if (lineWaiter) lineWaiter(); });
async function nextLine(timeoutMs) {
  const until = Date.now() + timeoutMs;
  while (!stdinLines.length && Date.now() < until) {
    await new Promise((r) => { lineWaiter = r; setTimeout(r, 500); });
  }
  return stdinLines.shift() ?? null;
}

const browser = await launch();
let exitCode = 0;
try {
  // sign in once; every measured page starts as a fresh context holding only that session cookie
  const first = await newPage(browser, DESKTOP);
  await signInToConsole(first, url, user, password);
  await first.locator('#live-status', { hasText: 'connected' }).waitFor();
  const storageState = await first.context().storageState();
  await first.close();

  const loads = [];
  for (let i = 0; i < pages; i++) {
    const page = await newPage(browser, { ...DESKTOP, storageState });
    await page.addInitScript(probe);
    await page.goto(url + '/', { waitUntil: 'load' });
    await page.waitForFunction(() => window.__bench.firstStatsMs !== undefined && window.__bench.connectedMs !== undefined);
    const m = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      return { loadMs: nav.loadEventEnd, domContentLoadedMs: nav.domContentLoadedEventEnd, responseEndMs: nav.responseEnd,
        firstStatsMs: window.__bench.firstStatsMs, connectedMs: window.__bench.connectedMs };
    });
    for (const k of Object.keys(m)) m[k] = round(m[k]);
    loads.push(m);
    console.log(`page ${i + 1}: load ${m.loadMs} ms (DOMContentLoaded ${m.domContentLoadedMs}), connected ${m.connectedMs} ms, `
      + `first stats ${m.firstStatsMs} ms after navigation start`);
    await page.close();
  }

  const page = await newPage(browser, { ...DESKTOP, storageState });
  await page.goto(url + '/');
  await page.locator('#live-status', { hasText: 'connected' }).waitFor();
  await page.locator('#stat-events').filter({ hasNotText: '–' }).waitFor();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics
    .map((x) => [x.name, x.value]));
  await page.evaluate(watch, prefix);
  const before = await metrics();
  const watchStart = Date.now();
  console.log(`watching the live view for ${rate} decisions/s over ${seconds} s`);

  const done = await nextLine((seconds + 60) * 1000);
  if (!done || !done.startsWith('published ')) throw new Error(`no word from the publisher (got ${done})`);
  const [, n, firstMs, lastMs] = done.split(' ').map(Number);
  // wait for the page to render them all, or until nothing new arrives for 5 s (at most 60 s)
  let count = -1;
  let still = Date.now();
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    const c = await page.evaluate(() => window.__watch.pub.length);
    if (c !== count) { count = c; still = Date.now(); }
    if (c >= n || Date.now() - still > 5000) break;
    await sleep(250);
  }
  await sleep(100);
  const after = await metrics();
  const data = await page.evaluate(() => ({ pub: window.__watch.pub, dom: window.__watch.dom, frame: window.__watch.frame,
    duplicates: window.__watch.duplicates, longTasks: window.__watch.longTasks }));
  const wallMs = Date.now() - watchStart;
  await page.close();

  const lag = data.pub.map((p, i) => data.frame[i] - p);
  const domLag = data.pub.map((p, i) => data.dom[i] - p);
  const firstWindow = lag.filter((_, i) => data.pub[i] < firstMs + 5000);
  const lastWindow = lag.filter((_, i) => data.pub[i] > lastMs - 5000);
  const perSecond = [];
  for (const t of data.frame) {
    const s = Math.floor((t - firstMs) / 1000);
    if (s >= 0) { while (perSecond.length <= s) perSecond.push(0); perSecond[s]++; }
  }
  const d = (k) => round(((after[k] || 0) - (before[k] || 0)) * 1000);
  const seen = {
    published: n, rendered: data.pub.length, duplicates: data.duplicates, notRendered: Math.max(0, n - data.pub.length),
    lag: lagStats(lag), domLag: lagStats(domLag), lagFirst5s: lagStats(firstWindow), lagLast5s: lagStats(lastWindow),
    perSecond, longTasks: data.longTasks,
    renderer: { wallMs, taskMs: d('TaskDuration'), scriptMs: d('ScriptDuration'), layoutMs: d('LayoutDuration'),
      styleMs: d('RecalcStyleDuration') },
  };
  console.log(`published ${n}, rendered ${seen.rendered} (${seen.notRendered} not rendered, ${seen.duplicates} twice)`);
  console.log(`lag publish -> rendered (next frame): p50 ${seen.lag.p50} ms, p99 ${seen.lag.p99} ms, max ${seen.lag.max} ms; `
    + `into the DOM: p50 ${seen.domLag.p50}, p99 ${seen.domLag.p99} ms`);
  console.log(`first 5 s: p50 ${seen.lagFirst5s.p50} / p99 ${seen.lagFirst5s.p99} ms; last 5 s: p50 ${seen.lagLast5s.p50} `
    + `/ p99 ${seen.lagLast5s.p99} ms`);
  console.log(`rendered per second: ${perSecond.join(' ')}`);
  console.log(`page main thread: tasks ${seen.renderer.taskMs} ms of ${wallMs} ms (script ${seen.renderer.scriptMs}, `
    + `layout ${seen.renderer.layoutMs}, style ${seen.renderer.styleMs}); long tasks ${data.longTasks}`);
  console.log(`medians of ${loads.length} fresh pages: load ${median(loads.map((l) => l.loadMs))} ms, first stats `
    + `${median(loads.map((l) => l.firstStatsMs))} ms, connected ${median(loads.map((l) => l.connectedMs))} ms`);
  console.log('BENCH_JSON ' + JSON.stringify({ rate, seconds, loads, watch: seen }));
} catch (e) {
  console.log(`failed: ${String((e && e.stack) || e).split('\n').slice(0, 8).join('\n  ')}`);
  exitCode = 1;
} finally {
  lines.close();
  for (const context of browser.contexts()) await context.close().catch(() => {});
  await browser.close().catch(() => {});
}
process.exit(exitCode);
