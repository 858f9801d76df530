'use strict';
// The policy page: the rules in force (GET /api/policy), kept current over Server-Sent Events (/api/policy/live),
// the latest decision's policy version (/api/live), would-have-fired counts, an edit form, shadow/enforce toggles,
// history and rollback. Every value from the server is put into the page with textContent, never as markup.
let role = null;
let rules = [];
let shownHistory = null;

function changed(r) {
  return r.source === 'default' ? 'default policy' : r.updatedBy + ', ' + time(r.updatedAt);
}

function conditions(r) {
  const parts = [];
  if (r.kind === 'THRESHOLD') {
    if (r.minLevel) parts.push('level ≥ ' + r.minLevel);
    if (r.minScore !== null) parts.push('score ≥ ' + r.minScore);
  } else if (r.kind === 'DETECTOR') {
    parts.push('detector ' + r.detectors.join(', '));
  } else {
    parts.push(r.kind === 'ALLOW_LIST' ? 'allow-list ' : 'override ');
    parts[0] += r.entities.join(', ');
  }
  if (r.entityTypes.length) parts.push('on ' + r.entityTypes.join(', '));
  return parts.join('; ');
}

function cell(label, content, cls) {
  const td = el('td', undefined, cls);
  td.dataset.label = label;
  if (content instanceof Node) td.append(content); else td.textContent = content;
  return td;
}

function row(r) {
  const tr = el('tr');
  tr.dataset.rule = r.ruleId;
  const name = el('div');
  name.append(el('strong', r.ruleId), el('div', r.description, 'meta'));
  if (!r.enabled) name.append(el('div', 'disabled', 'warn'));
  tr.append(cell('Rule', name), cell('When', conditions(r)),
    cell('Action', r.action + (r.action === 'THROTTLE' && r.throttleRatePerSecond !== null
      ? ' to ' + r.throttleRatePerSecond + '/s' : '') + ' for ' + r.ttlMinutes + ' min', 'action'),
    cell('Mode', r.mode, r.mode === 'SHADOW' ? 'mode shadow' : 'mode'));
  const version = el('div');
  version.append(el('span', 'v' + r.version, 'version'), el('div', changed(r), 'meta'));
  tr.append(cell('Version', version));
  const counts = el('span', '–', 'counts');
  const countButton = el('button', 'Count');
  countButton.type = 'button';
  countButton.setAttribute('aria-label', 'Count would-have-fired for ' + r.ruleId);
  countButton.addEventListener('click', () => count(r.ruleId, counts));
  const fired = el('div');
  fired.append(counts, ' ', countButton);
  tr.append(cell('Would have fired (1 h / 24 h)', fired));
  const actions = el('div', undefined, 'row-actions');
  const history = el('button', 'History');
  history.type = 'button';
  history.setAttribute('aria-label', 'History of ' + r.ruleId);
  history.addEventListener('click', () => showHistory(r.ruleId));
  actions.append(history);
  if (role === 'admin') {
    const edit = el('button', 'Edit');
    edit.type = 'button';
    edit.setAttribute('aria-label', 'Edit ' + r.ruleId);
    edit.addEventListener('click', () => fill(r));
    const toggle = el('button', r.mode === 'SHADOW' ? 'Enforce' : 'Shadow', 'toggle');
    toggle.type = 'button';
    toggle.setAttribute('aria-label', (r.mode === 'SHADOW' ? 'Enforce ' : 'Shadow ') + r.ruleId);
    toggle.addEventListener('click', () => setMode(r, r.mode === 'SHADOW' ? 'ENFORCE' : 'SHADOW'));
    actions.append(edit, toggle);
  }
  tr.append(cell('', actions));
  if (r.mode === 'SHADOW') count(r.ruleId, counts);
  return tr;
}

async function count(id, target) {
  target.textContent = 'counting…';
  try {
    const [h, d] = await Promise.all([api('GET', '/api/policy/rules/' + encodeURIComponent(id) + '/would-fire?hours=1'),
      api('GET', '/api/policy/rules/' + encodeURIComponent(id) + '/would-fire?hours=24')]);
    target.textContent = h.scores + ' / ' + d.scores + ' (' + h.entities + ' / ' + d.entities + ' entities)'
      + (h.shadowDecisions || d.shadowDecisions ? '; shadow decisions ' + h.shadowDecisions + ' / ' + d.shadowDecisions : '');
    target.dataset.hour = h.scores;
    target.dataset.day = d.scores;
  } catch (e) {
    target.textContent = e.message;
  }
}

async function load() {
  const p = await api('GET', '/api/policy');
  rules = p.rules;
  document.getElementById('policy-version').textContent = p.policyVersion;
  document.querySelector('#rules tbody').replaceChildren(...rules.map(row));
  if (shownHistory) showHistory(shownHistory);
}

function list(text) {
  return text.split(',').map(s => s.trim()).filter(s => s.length > 0);
}

function value(id) {
  return document.getElementById(id).value.trim();
}

function number(id) {
  const v = value(id);
  return v === '' ? null : (isNaN(Number(v)) ? v : Number(v));
}

function fill(r) {
  const set = (id, v) => { document.getElementById(id).value = v === null || v === undefined ? '' : v; };
  set('f-ruleId', r.ruleId); set('f-kind', r.kind); set('f-description', r.description);
  set('f-entityTypes', r.entityTypes.join(', ')); set('f-minLevel', r.minLevel || '');
  set('f-minScore', r.minScore); set('f-detectors', r.detectors.join(', ')); set('f-entities', r.entities.join(', '));
  set('f-action', r.action); set('f-throttle', r.throttleRatePerSecond); set('f-ttl', r.ttlMinutes);
  set('f-release', r.releaseBelowScore); set('f-hold', r.minHoldMinutes); set('f-priority', r.priority);
  set('f-mode', r.mode);
  document.getElementById('f-enabled').checked = r.enabled;
  document.getElementById('rule-form').dataset.expectedVersion = r.version;
  document.getElementById('rule-result').textContent = 'editing ' + r.ruleId + ' v' + r.version;
  document.getElementById('f-ruleId').focus();
}

async function setMode(r, mode) {
  const note = document.getElementById('policy-note');
  try {
    const a = await api('POST', '/api/policy/rules/' + encodeURIComponent(r.ruleId) + '/mode', { mode });
    note.textContent = r.ruleId + ' is now ' + mode + ' (v' + a.rule.version + ', policy ' + a.policyVersion + ')';
    await load();
  } catch (e) {
    note.textContent = e.message;
  }
}

async function showHistory(id) {
  shownHistory = id;
  const h = await api('GET', '/api/policy/history/' + encodeURIComponent(id));
  const section = document.getElementById('history-section');
  section.hidden = false;
  document.getElementById('history-title').textContent = 'History of ' + id;
  const current = h.versions.length ? h.versions[0].version : 0;
  document.getElementById('history').replaceChildren(...h.versions.map(v => {
    const li = el('li');
    li.dataset.version = v.version;
    li.append(el('strong', 'v' + v.version), ' ', el('span', conditions(v) + ' → ' + v.action + ' for '
      + v.ttlMinutes + ' min, ' + v.mode + (v.enabled ? '' : ', disabled')), ' ',
      el('span', v.updatedAt ? v.updatedBy + ', ' + time(v.updatedAt) : 'default policy', 'meta'));
    if (role === 'admin' && v.version < current) {
      const b = el('button', 'Roll back to v' + v.version);
      b.type = 'button';
      b.addEventListener('click', async () => {
        const note = document.getElementById('policy-note');
        try {
          const a = await api('POST', '/api/policy/rules/' + encodeURIComponent(id) + '/rollback',
            { toVersion: v.version });
          note.textContent = id + ' rolled back to v' + v.version + ' as v' + a.rule.version;
          await load();
        } catch (e) {
          note.textContent = e.message;
        }
      });
      li.append(' ', b);
    }
    return li;
  }));
  document.getElementById('changes').replaceChildren(...h.changes.map(c => el('li', time(c.at) + ' ' + c.user
    + ' (' + c.role + ') ' + c.action + ': v' + (c.before ? c.before.version : '–') + ' → v' + c.after.version)));
}

document.getElementById('rule-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const out = document.getElementById('rule-result');
  const body = {
    ruleId: value('f-ruleId'), kind: value('f-kind'), description: value('f-description'),
    entityTypes: list(value('f-entityTypes')), minLevel: value('f-minLevel') || null, minScore: number('f-minScore'),
    detectors: list(value('f-detectors')), entities: list(value('f-entities')), action: value('f-action'),
    throttleRatePerSecond: number('f-throttle'), ttlMinutes: number('f-ttl'),
    releaseBelowScore: number('f-release'), minHoldMinutes: number('f-hold'), priority: number('f-priority'),
    mode: value('f-mode'), enabled: document.getElementById('f-enabled').checked,
  };
  const form = document.getElementById('rule-form');
  const existing = rules.find(r => r.ruleId === body.ruleId);
  if (existing && form.dataset.expectedVersion) body.expectedVersion = Number(form.dataset.expectedVersion);
  try {
    const a = await api('POST', '/api/policy/rules', body);
    out.textContent = 'published ' + a.rule.ruleId + ' v' + a.rule.version + ' (policy ' + a.policyVersion + ')';
    out.className = 'ok';
    form.dataset.expectedVersion = a.rule.version;
    await load();
  } catch (e) {
    out.textContent = e.message;
    out.className = 'bad';
  }
});

function connect() {
  const status = document.getElementById('live-status');
  const policy = new EventSource('/api/policy/live');
  policy.onopen = () => { status.textContent = 'connected'; status.className = 'ok'; };
  policy.onerror = () => { status.textContent = 'reconnecting…'; status.className = 'warn'; };
  policy.addEventListener('policy', (ev) => {
    const p = JSON.parse(ev.data);
    document.getElementById('policy-version').textContent = p.policyVersion;
    if (p.ruleId) load();
  });
  const live = new EventSource('/api/live');
  live.addEventListener('decision', (ev) => {
    const d = JSON.parse(ev.data);
    if (d.policyVersion === 'manual') return;
    document.getElementById('decision-version').textContent = d.policyVersion + ' (' + d.action
      + (d.mode === 'SHADOW' ? ', shadow' : '') + ', ' + d.entity + ')';
  });
}

async function start() {
  const me = await session();
  if (!me) return;
  role = me.role;
  if (role === 'admin') document.getElementById('edit-section').hidden = false;
  await load();
  connect();
}

start();
