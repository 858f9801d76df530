'use strict';
// Signs in through POST /api/session; the session cookie is HttpOnly, so this page never sees it.
document.getElementById('sign-in-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const error = document.getElementById('error');
  error.textContent = '';
  const body = JSON.stringify({
    username: document.getElementById('username').value,
    password: document.getElementById('password').value,
  });
  try {
    const r = await fetch('/api/session', {method: 'POST', headers: {'Content-Type': 'application/json'}, body});
    if (r.ok) {
      location.assign('/');
      return;
    }
    const answer = await r.json().catch(() => ({}));
    error.textContent = answer.error || ('sign-in failed (' + r.status + ')');
  } catch (e) {
    error.textContent = 'the console cannot be reached: ' + e.message;
  }
});
