'use strict';
// What every page of the console shares: making elements (text always as textContent, never as markup), times,
// links to entities, the signed-in session (GET /api/me; the CSRF token every change carries), calls to the API,
// signing out, and manual overrides (publish, lift). Loaded before each page's own script.
let csrf = null;

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function time(ms) {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

function entityHref(entity) {
  return '/entity.html?e=' + encodeURIComponent(entity);
}

function entityLink(entity) {
  const a = el('a', entity);
  a.href = entityHref(entity);
  return a;
}

/** "12 min 5 s" until ms. */
function timeLeft(ms) {
  const left = Math.max(0, Math.round((ms - Date.now()) / 1000));
  return Math.floor(left / 60) + ' min ' + (left % 60) + ' s';
}

/** The signed-in user ({user, role, csrf}), shown in the header; null (and off to sign in) without a session. */
async function session() {
  const r = await fetch('/api/me');
  if (r.status === 401) {
    location.assign('/login.html');
    return null;
  }
  const me = await r.json();
  csrf = me.csrf;
  document.getElementById('who').textContent = me.user + ' (' + me.role + ')';
  document.getElementById('sign-out').addEventListener('click', async () => {
    await fetch('/api/session', { method: 'DELETE', headers: { 'X-CSRF-Token': csrf } });
    location.assign('/login.html');
  });
  return me;
}

/** A JSON call to the API; a change carries the CSRF token. Resolves to the answer, or throws its error text. */
async function api(method, path, body) {
  const headers = { 'Content-Type': 'application/json' };
  if (method !== 'GET') headers['X-CSRF-Token'] = csrf;
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (r.status === 401) {
    location.assign('/login.html');
    throw new Error('signed out');
  }
  const answer = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(answer.error || 'refused (' + r.status + ')');
  return answer;
}

/** Publishes a manual override: {entity, action, ttlMinutes, reason}. */
function publishOverride(override) {
  return api('POST', '/api/overrides', override);
}

/** Lifts the override in force for an entity. */
function liftOverride(entity, reason) {
  return api('POST', '/api/overrides/lift', { entity, reason });
}

/** Runs a form's change and shows what became of it in its status element. */
async function submitting(out, change, done) {
  out.textContent = 'publishing…';
  out.className = '';
  try {
    const answer = await change();
    out.textContent = done(answer);
    out.className = 'ok';
    return answer;
  } catch (e) {
    out.textContent = e.message;
    out.className = 'bad';
    return null;
  }
}
