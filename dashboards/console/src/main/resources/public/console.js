'use strict';
// The live view: the loop as Server-Sent Events from /api/live (stats once a second, each stage's lag, what is in
// force, the manual overrides, a feed of anomalies, decisions and acks), and, for admins, publishing and lifting
// overrides. Every value from the server is put into the page with textContent, never as markup (common.js).
let isAdmin = false;

function item(u) {
  const li = el('li', undefined, u.kind);
  li.dataset.entity = u.entity || '';
  if (u.kind === 'decision') {
    li.dataset.id = u.id;
    li.dataset.issuer = u.issuer;
    if (u.lift || u.action === 'ALLOW') li.classList.add('allow');
    const action = u.lift ? 'LIFT' : u.mode === 'SHADOW' ? u.action + ' (shadow)' : u.action;
    li.append(el('span', action, 'action'), ' ', entityLink(u.entity), ' ', el('span', u.summary, 'summary'), ' ',
      el('span', (u.issuer === 'MANUAL' ? 'manual, ' + u.issuedBy : 'policy ' + u.policyVersion) + ' · '
        + time(u.issuedAt), 'meta'));
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

function countdown(expiresAt) {
  const c = el('span', 'expires in ' + timeLeft(expiresAt), 'countdown');
  c.dataset.expiresAt = expiresAt;
  return c;
}

/** Replaces a list's items only when the decisions in it changed, so buttons keep their focus between updates. */
function showList(list, decisions, make, none) {
  const ids = decisions.map((d) => d.id).join(' ');
  if (list.dataset.ids === ids) return;
  list.dataset.ids = ids;
  list.replaceChildren(...(decisions.length ? decisions.map(make) : [el('li', none, 'meta none')]));
}

function inForceItem(d) {
  const li = el('li', undefined, 'in-force');
  li.dataset.entity = d.entity;
  li.dataset.id = d.id;
  li.append(el('span', d.action, 'action'), ' ', entityLink(d.entity), ' ',
    el('span', d.issuer === 'MANUAL' ? 'manual' : 'engine', 'issuer'), ' ', countdown(d.expiresAt));
  return li;
}

function overrideItem(d) {
  const li = el('li', undefined, 'override');
  li.dataset.entity = d.entity;
  li.dataset.id = d.id;
  li.append(el('span', d.mode === 'SHADOW' ? d.action + ' (shadow)' : d.action, 'action'), ' ', entityLink(d.entity),
    ' ', el('span', d.summary, 'summary'), ' ', el('span', d.issuedBy, 'meta'), ' ', countdown(d.expiresAt));
  if (isAdmin) {
    const lift = el('button', 'Lift…', 'lift');
    lift.type = 'button';
    lift.setAttribute('aria-label', 'Lift the override on ' + d.entity);
    lift.addEventListener('click', () => {
      document.getElementById('lift-entity').value = d.entity;
      document.getElementById('lift-reason').focus();
    });
    li.append(' ', lift);
  }
  return li;
}

function showStages(stages) {
  const list = document.getElementById('stages');
  list.replaceChildren(...(stages || []).map((s) => {
    const div = el('div', undefined, s.error ? 'stage warn' : 'stage');
    div.dataset.stage = s.stage;
    const value = s.error || s.note || s.lag.toLocaleString('en') + ' behind';
    const dd = el('dd', value);
    if (s.group) dd.title = 'group ' + s.group + (s.topics ? ' on ' + s.topics.join(', ') : '');
    div.append(el('dt', s.stage), dd);
    return div;
  }));
}

function showStats(s) {
  document.getElementById('stat-events').textContent = s.eventsPerSecond;
  document.getElementById('stat-decisions').textContent = s.decisionsLastMinute;
  document.getElementById('stat-applied').textContent = s.appliedLastMinute;
  document.getElementById('stat-latency').textContent =
    s.loopP50Ms === undefined ? '–' : s.loopP50Ms + ' / ' + s.loopP99Ms + ' ms';
  showStages(s.stages);
  showList(document.getElementById('in-force'), s.inForce || [], inForceItem, 'Nothing is restricted.');
  showList(document.getElementById('overrides'), s.overrides || [], overrideItem, 'None.');
}

setInterval(() => {
  for (const c of document.querySelectorAll('.countdown')) {
    c.textContent = 'expires in ' + timeLeft(Number(c.dataset.expiresAt));
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
  const me = await session();
  if (!me) return;
  isAdmin = me.role === 'admin';
  if (isAdmin) document.getElementById('override-section').hidden = false;
  connect();
}

document.getElementById('override-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  submitting(document.getElementById('override-result'), () => publishOverride({
    entity: document.getElementById('override-entity').value.trim(),
    action: document.getElementById('override-action').value,
    ttlMinutes: Number(document.getElementById('override-ttl').value),
    reason: document.getElementById('override-reason').value,
  }), (answer) => 'published ' + answer.decisionId);
});

document.getElementById('lift-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  submitting(document.getElementById('lift-result'), () => liftOverride(
    document.getElementById('lift-entity').value.trim(), document.getElementById('lift-reason').value),
  (answer) => 'lifted ' + answer.map((l) => l.lifted).join(', '));
});

start();
