'use strict';
// The entity page: one entity's risk score over time with its decisions, its anomalies and their evidence events,
// its usual behaviour beside the recent one, and every decision with its reasons and where it was applied
// (GET /api/entity, /api/events, /api/entities). Every value from the server is put into the page with textContent
// or setAttribute, never as markup.
const SVG = 'http://www.w3.org/2000/svg';
let isAdmin = false;

function svg(tag, attrs) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  return e;
}

/** The entity of this page: ?e=user:alice, or /entity/user:alice. */
function currentEntity() {
  const q = new URLSearchParams(location.search).get('e');
  if (q) return q;
  const m = location.pathname.match(/^\/entity\/(.+)$/);
  if (m) {
    try { return decodeURIComponent(m[1]); } catch (e) { return m[1]; }
  }
  return '';
}

function status(text, cls) {
  const s = document.getElementById('entity-status');
  s.textContent = text;
  s.className = cls || '';
}

// ---- the score chart

const W = 720, H = 220, PAD = { l: 34, r: 10, t: 10, b: 26 };

function drawChart(data) {
  const fig = document.getElementById('score-chart');
  for (const old of fig.querySelectorAll('svg')) old.remove();
  const x = (t) => PAD.l + (Math.max(data.from, Math.min(data.to, t)) - data.from) / (data.to - data.from)
    * (W - PAD.l - PAD.r);
  const y = (s) => PAD.t + (1 - Math.max(0, Math.min(100, s)) / 100) * (H - PAD.t - PAD.b);
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': 'score-caption',
    preserveAspectRatio: 'none', class: 'score-svg' });
  for (const s of [0, 25, 50, 75, 100]) {
    chart.append(svg('line', { x1: PAD.l, x2: W - PAD.r, y1: y(s), y2: y(s), class: 'grid' }));
    const label = svg('text', { x: PAD.l - 4, y: y(s) + 4, class: 'axis', 'text-anchor': 'end' });
    label.textContent = String(s);
    chart.append(label);
  }
  for (const [t, anchor] of [[data.from, 'start'], [data.to, 'end']]) {
    const label = svg('text', { x: x(t), y: H - 6, class: 'axis', 'text-anchor': anchor });
    label.textContent = time(t).slice(5, 16);
    chart.append(label);
  }
  // the score holds until the next one: a step line
  const pts = [];
  data.scores.forEach((p, i) => {
    if (i > 0) pts.push([x(p.time), y(data.scores[i - 1].score)]);
    pts.push([x(p.time), y(p.score)]);
  });
  if (data.scores.length) pts.push([x(data.to), y(data.scores[data.scores.length - 1].score)]);
  if (pts.length) {
    chart.append(svg('polyline', { points: pts.map((p) => p.join(',')).join(' '), class: 'score-line' }));
  }
  for (const p of data.scores.filter((s) => !s.beforeWindow)) {
    const dot = svg('circle', { cx: x(p.time), cy: y(p.score), r: 3, class: 'score-dot level-' + p.level });
    const title = svg('title');
    title.textContent = `${p.score.toFixed(1)} (${p.level}) at ${time(p.time)}`;
    dot.append(title);
    chart.append(dot);
  }
  for (const d of data.decisions) {
    const mx = x(d.issuedAt);
    const g = svg('g', { class: 'decision-marker mode-' + d.mode.toLowerCase() + ' action-' + d.action.toLowerCase(),
      tabindex: 0, role: 'link', 'aria-label': `${d.action} ${d.mode} at ${time(d.issuedAt)}` });
    g.dataset.id = d.id;
    g.append(svg('line', { x1: mx, x2: mx, y1: PAD.t, y2: H - PAD.b }));
    g.append(svg('path', { d: `M${mx - 6},${PAD.t} L${mx + 6},${PAD.t} L${mx},${PAD.t + 9} Z` }));
    const title = svg('title');
    title.textContent = `${d.action}${d.mode === 'SHADOW' ? ' (shadow)' : ''} at ${time(d.issuedAt)}: ${d.summary}`;
    g.append(title);
    const go = () => showDecision(d.id);
    g.addEventListener('click', go);
    g.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); go(); } });
    chart.append(g);
  }
  fig.prepend(chart);
  const max = data.scores.reduce((m, s) => Math.max(m, s.score), 0);
  const last = data.scores.length ? data.scores[data.scores.length - 1] : null;
  document.getElementById('score-caption').textContent = data.scores.length
    ? `${data.scores.length} scores from ${time(data.from)} to ${time(data.to)}; highest ${max.toFixed(1)}, now `
      + `${last.score.toFixed(1)} (${last.level}); ${data.decisions.length} decisions marked ▼`
    : `no risk score in this window; ${data.decisions.length} decisions marked ▼`;
}

function showDecision(id) {
  const row = document.querySelector(`#decisions tr[data-id="${CSS.escape(id)}"]`);
  if (row) {
    row.scrollIntoView({ block: 'center' });
    row.focus();
  }
}

// ---- evidence

const evidenceRows = new Map();

function evidenceLink(id) {
  const a = el('a', id, 'evidence-link');
  a.href = '#ev-' + encodeURIComponent(id);
  a.dataset.event = id;
  a.addEventListener('click', (ev) => {
    ev.preventDefault();
    for (const r of document.querySelectorAll('#evidence tr.highlight')) r.classList.remove('highlight');
    const row = evidenceRows.get(id);
    const note = document.getElementById('evidence-status');
    if (row) {
      row.classList.add('highlight');
      row.scrollIntoView({ block: 'center' });
      row.focus();
      note.textContent = 'Event ' + id + ':';
    } else {
      note.textContent = 'Event ' + id + ' is not in conn_events (expired, or not written yet).';
    }
  });
  return a;
}

async function loadEvidence(ids) {
  const body = document.querySelector('#evidence tbody');
  body.replaceChildren();
  evidenceRows.clear();
  const wanted = [...new Set(ids)].slice(0, 50);
  if (!wanted.length) {
    document.getElementById('evidence-status').textContent = 'No evidence events in this window.';
    return;
  }
  const r = await fetch('/api/events?ids=' + encodeURIComponent(wanted.join(',')));
  if (!r.ok) {
    document.getElementById('evidence-status').textContent = 'Evidence events could not be read ('
      + ((await r.json().catch(() => ({}))).error || r.status) + ')';
    return;
  }
  for (const ev of await r.json()) {
    const tr = el('tr');
    tr.id = 'ev-' + ev.event_id;
    tr.tabIndex = -1;
    tr.dataset.event = ev.event_id;
    const request = [ev.http_method, ev.dst_host + (ev.dst_port ? ':' + ev.dst_port : ''), ev.http_path]
      .filter(Boolean).join(' ');
    const outcome = [ev.auth_outcome, ev.http_status ? 'HTTP ' + ev.http_status : '', ev.reject_reason,
      ev.auth_failure_reason, ev.decision_action].filter(Boolean).join(' · ');
    for (const [text, label] of [[ev.event_id, 'event'], [time(ev.event_time_ms), 'time'], [ev.phase, 'phase'],
      [ev.user, 'user'], [ev.device_id, 'device'], [ev.src_ip, 'from'], [ev.src_country, 'country'],
      [ev.dst_service, 'service'], [request, 'request'], [ev.bytes_in + ' / ' + ev.bytes_out, 'bytes in / out'],
      [outcome, 'outcome']]) {
      const td = el('td', text);
      td.dataset.label = label;
      tr.append(td);
    }
    evidenceRows.set(ev.event_id, tr);
    body.append(tr);
  }
  document.getElementById('evidence-status').textContent = evidenceRows.size + ' of ' + wanted.length
    + ' evidence events found in conn_events.';
}

// ---- anomalies, behaviour, decisions

function showAnomalies(list) {
  const ul = document.getElementById('anomalies');
  ul.replaceChildren(...list.map((a) => {
    const li = el('li', undefined, 'anomaly');
    li.dataset.id = a.id;
    const head = el('div', undefined, 'anomaly-head');
    head.append(el('span', a.detector, 'detector'), ' ', el('span', a.severity, 'severity sev-' + a.severity),
      ' ', el('span', 'score ' + a.score.toFixed(1) + ' · ' + time(a.eventTime), 'meta'));
    const facts = [];
    if (a.observed !== null) facts.push('observed ' + a.observed);
    if (a.baseline !== null) facts.push('baseline ' + a.baseline);
    for (const [k, v] of Object.entries(a.attributes || {})) facts.push(k + ' ' + v);
    li.append(head, el('p', a.explanation, 'explanation'));
    if (facts.length) li.append(el('p', facts.join(' · '), 'meta'));
    const ev = el('p', a.evidenceEventIds.length ? 'Evidence: ' : 'No evidence events.', 'evidence');
    a.evidenceEventIds.forEach((id, i) => ev.append(i ? ', ' : '', evidenceLink(id)));
    li.append(ev);
    return li;
  }));
  if (!list.length) ul.append(el('li', 'No anomaly in this window.', 'meta'));
}

const DIMENSION_TITLES = { country: 'Countries', device: 'Devices', service: 'Services', user: 'Users',
  hour: 'Hours of day (UTC)' };

function showBehaviour(b, data) {
  document.getElementById('behaviour-caption').textContent = `Usual: ${b.usualEvents} events from `
    + `${time(data.baselineFrom)} to ${time(data.from)}. Recent: ${b.recentEvents} events in the window.`;
  const box = document.getElementById('behaviour');
  box.replaceChildren();
  for (const [dim, title] of Object.entries(DIMENSION_TITLES)) {
    let rows = b.dimensions[dim] || [];
    if (dim === 'hour') rows = [...rows].sort((p, q) => Number(p.value) - Number(q.value));
    if (!rows.length) continue;
    const table = el('table', undefined, 'behaviour-table');
    table.dataset.dimension = dim;
    table.append(el('caption', title));
    const head = el('tr');
    head.append(el('th', dim === 'hour' ? 'hour' : dim), el('th', 'usual'), el('th', 'recent'));
    for (const th of head.children) th.scope = 'col';
    table.append(el('thead'));
    table.tHead.append(head);
    const body = el('tbody');
    for (const r of rows) {
      const tr = el('tr', undefined, r.new ? 'new' : '');
      const name = el('th', dim === 'hour' ? String(r.value).padStart(2, '0') + ':00' : r.value);
      name.scope = 'row';
      if (r.new) name.append(' ', el('span', 'new', 'badge'));
      tr.append(name, el('td', String(r.usual)), el('td', String(r.recent)));
      body.append(tr);
    }
    table.append(body);
    box.append(table);
  }
  if (!box.children.length) box.append(el('p', 'No events of this entity in conn_events for these 8 days.', 'meta'));
}

function showDecisions(list) {
  const body = document.querySelector('#decisions tbody');
  body.replaceChildren(...list.map((d) => {
    const tr = el('tr', undefined, 'decision mode-' + d.mode.toLowerCase());
    tr.dataset.id = d.id;
    tr.tabIndex = -1;
    const issued = el('td');
    issued.append(el('span', time(d.issuedAt)), el('br'), el('span', d.id + ' · by ' + (d.issuedBy || d.issuer)
      + ' · expires ' + time(d.expiresAt), 'meta'));
    const reasons = el('td');
    const ul = el('ul', undefined, 'reasons');
    for (const r of d.reasons) {
      const li = el('li');
      li.append(el('span', r.detector, 'detector'), ' ', el('span', '+' + r.contribution.toFixed(1), 'meta'), ' ',
        el('span', r.explanation, 'explanation'));
      if (r.evidenceEventIds.length) {
        li.append(' ', el('span', 'evidence:', 'meta'), ' ');
        r.evidenceEventIds.forEach((id, i) => li.append(i ? ', ' : '', evidenceLink(id)));
      }
      ul.append(li);
    }
    reasons.append(el('p', d.summary, 'summary'), ul);
    const applied = el('td');
    if (d.applied.length) {
      const al = el('ul', undefined, 'applied');
      for (const a of d.applied) {
        al.append(el('li', `${a.gatewayId}: ${a.outcome} at ${time(a.appliedAt)}`
          + (a.sessionsRevoked ? `, ${a.sessionsRevoked} sessions revoked` : '') + (a.detail ? ' (' + a.detail + ')' : '')));
      }
      applied.append(al);
    } else {
      applied.append(el('span', d.mode === 'SHADOW' ? 'not applied (shadow)' : 'no gateway ack', 'meta'));
    }
    const values = [['issued', issued], ['action', el('td', d.action, 'action')], ['mode', el('td', d.mode)],
      ['policy', el('td', d.policyVersion)], ['rule', el('td', d.rule)], ['reasons', reasons],
      ['applied', applied]];
    for (const [label, td] of values) {
      td.dataset.label = label;
      if (td.childNodes.length > 1) { // one box per cell, so that the phone layout puts it beside its label
        const box = el('div');
        box.append(...td.childNodes);
        td.append(box);
      }
      tr.append(td);
    }
    return tr;
  }));
  if (!list.length) {
    const tr = el('tr');
    const td = el('td', 'No decision in this window.', 'meta');
    td.colSpan = 7;
    tr.append(td);
    body.append(tr);
  }
}

// ---- loading and search

async function load() {
  const entity = currentEntity();
  document.getElementById('entity-prefix').value = entity;
  if (!entity) {
    document.getElementById('entity-title').textContent = 'Entity';
    status('Search for an entity by the start of its key: user:, device:, ip: or service:.');
    return;
  }
  document.getElementById('entity-title').textContent = entity;
  document.title = entity + ' · zero-trust console';
  const hours = document.getElementById('entity-hours').value;
  status('loading…');
  const r = await fetch('/api/entity?e=' + encodeURIComponent(entity) + '&hours=' + encodeURIComponent(hours));
  if (r.status === 401) {
    location.assign('/login.html');
    return;
  }
  const data = await r.json().catch(() => ({}));
  if (!r.ok) {
    status(data.error || 'the entity could not be read (' + r.status + ')', 'warn');
    return;
  }
  status(`${data.type.toLowerCase()} · ${data.anomalies.length} anomalies · ${data.decisions.length} decisions`
    + ` · last ${data.hours} h`, 'ok');
  drawChart(data);
  showAnomalies(data.anomalies);
  showBehaviour(data.behaviour, data);
  showDecisions(data.decisions);
  const ids = [];
  for (const a of data.anomalies) ids.push(...a.evidenceEventIds);
  for (const d of data.decisions) for (const reason of d.reasons) ids.push(...reason.evidenceEventIds);
  await loadEvidence(ids);
  document.body.dataset.loaded = 'true';
}

let searchTimer = null;

async function search(prefix) {
  const results = document.getElementById('entity-results');
  const options = document.getElementById('entity-matches');
  if (prefix.length < 2) {
    results.replaceChildren();
    options.replaceChildren();
    return;
  }
  const r = await fetch('/api/entities?prefix=' + encodeURIComponent(prefix));
  const found = r.ok ? await r.json() : [];
  options.replaceChildren(...found.map((e) => { const o = el('option'); o.value = e; return o; }));
  results.replaceChildren(...found.map((e) => {
    const li = el('li');
    const a = el('a', e);
    a.href = entityHref(e);
    li.append(a);
    return li;
  }));
}

// ---- the manual override in force, lifting it, publishing one (admins)

let overrideTimer = null;

/** Shows the entity's overrides in force (an enforced one, a shadow one); returns them. */
async function loadOverride() {
  const entity = currentEntity();
  const section = document.getElementById('override-now');
  section.hidden = !entity;
  if (!entity) return [];
  const list = await api('GET', '/api/overrides?entity=' + encodeURIComponent(entity)).catch(() => []);
  const state = document.getElementById('override-state');
  clearInterval(overrideTimer);
  if (list.length) {
    section.dataset.override = list.map((o) => o.id).join(' ');
    const show = () => {
      state.textContent = list.map((o) => (o.mode === 'SHADOW' ? o.action + ' (shadow)' : o.action) + ' by '
        + o.issuedBy + ': ' + o.summary + ' · expires in ' + timeLeft(o.expiresAt)).join('; ');
    };
    show();
    overrideTimer = setInterval(show, 1000);
  } else {
    delete section.dataset.override;
    state.textContent = 'No manual override is in force.';
  }
  document.getElementById('entity-lift-form').hidden = !isAdmin || !list.length;
  document.getElementById('entity-override-form').hidden = !isAdmin;
  return list;
}

/** After a change: reads the override again until the console's feed has read the change back (up to 5 s). */
async function awaitOverride(test) {
  for (let i = 0; i < 25; i++) {
    if (test(await loadOverride())) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

document.getElementById('entity-lift-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const answer = await submitting(document.getElementById('override-result'),
    () => liftOverride(currentEntity(), document.getElementById('entity-lift-reason').value),
    (a) => 'lifted ' + a.map((l) => l.lifted).join(', '));
  if (answer) await awaitOverride((list) => list.every((o) => !answer.some((l) => l.lifted === o.id)));
});

document.getElementById('entity-override-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const answer = await submitting(document.getElementById('override-result'), () => publishOverride({
    entity: currentEntity(),
    action: document.getElementById('entity-override-action').value,
    ttlMinutes: Number(document.getElementById('entity-override-ttl').value),
    reason: document.getElementById('entity-override-reason').value,
  }), (a) => 'published ' + a.decisionId);
  if (answer) await awaitOverride((list) => list.some((o) => o.id === answer.decisionId));
});

async function start() {
  const me = await session();
  if (!me) return;
  isAdmin = me.role === 'admin';
  const hours = new URLSearchParams(location.search).get('hours');
  if (hours && [...document.getElementById('entity-hours').options].some((o) => o.value === hours)) {
    document.getElementById('entity-hours').value = hours;
  }
  await loadOverride();
  await load();
}

document.getElementById('entity-prefix').addEventListener('input', (ev) => {
  clearTimeout(searchTimer);
  const prefix = ev.target.value.trim();
  searchTimer = setTimeout(() => search(prefix), 200);
});

document.getElementById('entity-search').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const value = document.getElementById('entity-prefix').value.trim();
  if (/^(user|device|ip|service):.+/.test(value)) {
    location.assign(entityHref(value));
  } else {
    search(value);
  }
});

document.getElementById('entity-hours').addEventListener('change', () => load());

start();
