'use strict';
// The live view: who is signed in (GET /api/me), then the loop as Server-Sent Events from /api/live. Every value
// from the server is put into the page with textContent, never as markup.
let csrf = null;

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function entityLink(entity) {
  const a = el('a', entity);
  a.href = '/entity.html?e=' + encodeURIComponent(entity);
  return a;
}

function time(ms) {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

function item(u) {
  const li = el('li', undefined, u.kind);
  li.dataset.entity = u.entity || '';
  if (u.kind === 'decision') {
    li.dataset.id = u.id;
    li.append(el('span', u.mode === 'SHADOW' ? u.action + ' (shadow)' : u.action, 'action'), ' ', entityLink(u.entity),
      ' ', el('span', u.summary, 'summary'), ' ', el('span', 'policy ' + u.policyVersion + ' · ' + time(u.issuedAt), 'meta'));
  } else if (u.kind === 'anomaly') {
    li.append(el('span', u.detector, 'detector'), ' ', entityLink(u.entity), ' ',
      el('span', u.explanation, 'summary'), ' ', el('span', u.severity + ' · ' + time(u.eventTime), 'meta'));
  } else if (u.kind === 'applied') {
    li.append(el('span', 'applied', 'action'), ' ', entityLink(u.entity), ' ',
      el('span', 'by ' + u.gatewayId + ' (' + u.outcome + ')' + (u.loopLatencyMs !== undefined
        ? ', ' + u.loopLatencyMs + ' ms after the event' : ''), 'meta'));
  }
  return li;
}

function showStats(s) {
  document.getElementById('stat-events').textContent = s.eventsPerSecond;
  document.getElementById('stat-decisions').textContent = s.decisionsLastMinute;
  document.getElementById('stat-applied').textContent = s.appliedLastMinute;
  document.getElementById('stat-latency').textContent =
    s.loopP50Ms === undefined ? '–' : s.loopP50Ms + ' / ' + s.loopP99Ms + ' ms';
  const list = document.getElementById('in-force');
  list.replaceChildren(...(s.inForce || []).map(d => {
    const li = el('li', undefined, 'in-force');
    li.dataset.entity = d.entity;
    const left = Math.max(0, Math.round((d.expiresAt - Date.now()) / 1000));
    li.append(el('span', d.action, 'action'), ' ', entityLink(d.entity), ' ',
      el('span', 'expires in ' + Math.floor(left / 60) + ' min ' + (left % 60) + ' s', 'countdown'));
    li.querySelector('.countdown').dataset.expiresAt = d.expiresAt;
    return li;
  }));
}

setInterval(() => {
  for (const c of document.querySelectorAll('.countdown')) {
    const left = Math.max(0, Math.round((Number(c.dataset.expiresAt) - Date.now()) / 1000));
    c.textContent = 'expires in ' + Math.floor(left / 60) + ' min ' + (left % 60) + ' s';
  }
}, 1000);

function connect() {
  const status = document.getElementById('live-status');
  const source = new EventSource('/api/live');
  const feed = document.getElementById('feed');
  const add = (ev) => {
    feed.prepend(item(JSON.parse(ev.data)));
    while (feed.children.length > 200) feed.lastChild.remove();
  };
  source.onopen = () => { status.textContent = 'connected'; status.className = 'ok'; };
  source.onerror = () => { status.textContent = 'reconnecting…'; status.className = 'warn'; };
  for (const kind of ['decision', 'anomaly', 'applied']) source.addEventListener(kind, add);
  source.addEventListener('stats', (ev) => showStats(JSON.parse(ev.data)));
  source.addEventListener('error', (ev) => {
    if (ev.data) status.textContent = JSON.parse(ev.data).message;
  });
}

async function start() {
  const r = await fetch('/api/me');
  if (r.status === 401) {
    location.assign('/login.html');
    return;
  }
  const me = await r.json();
  csrf = me.csrf;
  document.getElementById('who').textContent = me.user + ' (' + me.role + ')';
  if (me.role === 'admin') document.getElementById('override-section').hidden = false;
  connect();
}

document.getElementById('sign-out').addEventListener('click', async () => {
  await fetch('/api/session', {method: 'DELETE', headers: {'X-CSRF-Token': csrf}});
  location.assign('/login.html');
});

document.getElementById('override-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const out = document.getElementById('override-result');
  const body = JSON.stringify({
    entity: document.getElementById('override-entity').value.trim(),
    action: document.getElementById('override-action').value,
    ttlMinutes: Number(document.getElementById('override-ttl').value),
    reason: document.getElementById('override-reason').value,
  });
  const r = await fetch('/api/overrides', {method: 'POST', body,
    headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf}});
  const answer = await r.json().catch(() => ({}));
  out.textContent = r.ok ? 'published ' + answer.decisionId : (answer.error || 'refused (' + r.status + ')');
});

start();
