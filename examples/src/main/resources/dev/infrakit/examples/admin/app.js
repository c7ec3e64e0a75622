// The admin page of the demo service. It uses only the public HTTP API, with the bearer token from
// the login kept in sessionStorage (this tab only; never a cookie, so no CSRF exposure). Runs under
// the service's CSP unchanged: no inline script or style, and every piece of data reaches the page
// through textContent and DOM APIs, never as markup.
'use strict';

(function () {
  const SESSION_KEY = 'infrakit.admin.session';
  const LOGIN_PATH = '/api/v1/auth/login';
  const APP_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

  const $ = (id) => document.getElementById(id);
  let session = null; // {token, user, expiresAt}
  let sessionTimer = 0;
  let versionsApp = null; // the credential whose versions are shown
  let editorReturnFocus = null;
  let errorReturnFocus = null; // where Dismiss puts focus: what had it when the error was shown
  let fieldCounter = 0;

  class ApiError extends Error {
    constructor(status, title, detail) {
      super(title + (detail ? ': ' + detail : ''));
      this.status = status;
      this.title = title;
      this.detail = detail;
    }
  }

  // ------------------------------------------------------------------ DOM helpers

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    if (className) {
      node.className = className;
    }
    return node;
  }

  function timeCell(iso) {
    const td = el('td', null, 'nowrap');
    const parsed = iso ? new Date(iso) : null;
    const time = el('time', parsed && !Number.isNaN(parsed.getTime()) ? parsed.toLocaleString() : iso);
    if (iso) {
      time.dateTime = iso;
      time.title = iso;
    }
    td.append(time);
    return td;
  }

  // focusKey names the button across re-renders of its list ("rotate:billing-db"), so focus can be
  // put back on the new copy of the button the user pressed (see rebuildKeepingFocus).
  function button(text, label, focusKey, onClick) {
    const b = el('button', text);
    b.type = 'button';
    b.setAttribute('aria-label', label);
    b.dataset.focusKey = focusKey;
    b.addEventListener('click', () => run(b, () => onClick(b)));
    return b;
  }

  function byFocusKey(container, key) {
    return Array.from(container.querySelectorAll('[data-focus-key]')).find((e) => e.dataset.focusKey === key) || null;
  }

  // Replacing a list's rows drops the focused button with them, and the browser moves focus to
  // <body>. Note which control had focus, rebuild, then focus its new copy; if the row is gone, the
  // list's heading.
  function rebuildKeepingFocus(container, rows, fallback) {
    const active = document.activeElement;
    const key = active && container.contains(active) ? active.dataset.focusKey : undefined;
    container.replaceChildren(...rows);
    if (key !== undefined) {
      (byFocusKey(container, key) || fallback).focus();
    }
  }

  // The lists are tables; on a narrow screen CSS shows each row as a card, its cells stacked and
  // labelled with their column's header (data-label, drawn by CSS). A table whose parts are no
  // longer display: table can lose its table semantics in some browsers, so the roles are given
  // explicitly (the pattern from Adrian Roselli's "A Responsive Accessible Table").
  function tableSemantics(table) {
    const headers = Array.from(table.tHead.rows[0].cells).map((th) => th.textContent);
    table.setAttribute('role', 'table');
    for (const group of [table.tHead, ...table.tBodies]) {
      group.setAttribute('role', 'rowgroup');
    }
    for (const row of table.rows) {
      row.setAttribute('role', 'row');
      Array.from(row.cells).forEach((cell, i) => {
        if (cell.tagName === 'TH') {
          cell.setAttribute('role', cell.scope === 'row' ? 'rowheader' : 'columnheader');
        } else {
          cell.setAttribute('role', 'cell');
          cell.dataset.label = headers[i] || '';
        }
      });
    }
  }

  function visible(node) {
    return node && node !== document.body && document.contains(node) && node.getClientRects().length > 0;
  }

  // ------------------------------------------------------------------ messages

  function showError(error) {
    errorReturnFocus = visible(document.activeElement) ? document.activeElement : null;
    const title = error instanceof ApiError ? error.title : 'Error';
    const detail = error instanceof ApiError ? error.detail : String(error && error.message ? error.message : error);
    $('error-title').textContent = title + (detail ? ':' : '');
    $('error-detail').textContent = detail || '';
    $('error').hidden = false;
    $('status').textContent = '';
  }

  function clearError() {
    $('error').hidden = true;
    $('error-title').textContent = '';
    $('error-detail').textContent = '';
  }

  function say(message) {
    $('status').textContent = message;
  }

  function dismissError() {
    const target = visible(errorReturnFocus) ? errorReturnFocus : $('main');
    errorReturnFocus = null;
    clearError();
    target.focus();
  }

  // Runs one user action: clears the last error, marks the control busy while it runs, shows a
  // failure. Busy is aria-disabled, not disabled: a disabled button loses focus (the browser moves it
  // to <body>), an aria-disabled one keeps it and is announced as unavailable. A second press while
  // busy is ignored here. After a failure focus goes to fieldToFix when given; whenever the action
  // left focus nowhere (its view was hidden), to the sign-in form or the top of the page.
  async function run(control, action, fieldToFix) {
    if (control && control.getAttribute('aria-disabled') === 'true') {
      return;
    }
    clearError();
    if (control) {
      control.setAttribute('aria-disabled', 'true');
    }
    try {
      await action();
    } catch (e) {
      if (fieldToFix && visible(fieldToFix)) {
        fieldToFix.focus();
        fieldToFix.select();
      }
      showError(e);
    } finally {
      if (control) {
        control.removeAttribute('aria-disabled');
      }
      if (control && !visible(document.activeElement)) {
        (visible($('login-view')) ? $('login-username') : $('main')).focus();
      }
    }
  }

  // ------------------------------------------------------------------ API

  async function api(method, path, body) {
    const headers = { Accept: 'application/json, application/problem+json' };
    if (session && path !== LOGIN_PATH) {
      headers.Authorization = 'Bearer ' + session.token;
    }
    const init = { method, headers, credentials: 'omit', cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, 'Network error', 'The service could not be reached.');
    }
    const data = await readJson(response);
    if (!response.ok) {
      const title = data && typeof data.title === 'string' ? data.title : 'HTTP ' + response.status;
      const detail = data && typeof data.detail === 'string' ? data.detail : response.statusText;
      if (response.status === 401 && path !== LOGIN_PATH) {
        endSession();
        throw new ApiError(401, title, (detail ? detail + ' ' : '') + 'Please sign in again.');
      }
      throw new ApiError(response.status, title, detail);
    }
    return data;
  }

  async function readJson(response) {
    const type = response.headers.get('Content-Type') || '';
    if (response.status === 204 || !/json/i.test(type)) {
      return null;
    }
    try {
      return await response.json();
    } catch (e) {
      return null;
    }
  }

  const path = (app, suffix) => '/api/v1/credentials/' + encodeURIComponent(app) + (suffix || '');

  // ------------------------------------------------------------------ session

  function loadSession() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(SESSION_KEY));
      if (saved && typeof saved.token === 'string' && saved.expiresAt > Date.now()) {
        return saved;
      }
    } catch (e) {
      // An unreadable entry is dropped below.
    }
    sessionStorage.removeItem(SESSION_KEY);
    return null;
  }

  function startSession(saved) {
    session = saved;
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(saved));
    window.clearTimeout(sessionTimer);
    sessionTimer = window.setTimeout(() => {
      endSession();
      $('login-username').focus();
      showError(new ApiError(401, 'Signed out', 'Your session expired. Please sign in again.'));
    }, Math.max(0, saved.expiresAt - Date.now()));
    $('session-user').textContent = saved.user;
    $('session').hidden = false;
    $('login-view').hidden = true;
    $('app-view').hidden = false;
  }

  function endSession() {
    session = null;
    window.clearTimeout(sessionTimer);
    sessionStorage.removeItem(SESSION_KEY);
    $('session').hidden = true;
    $('session-user').textContent = '';
    $('app-view').hidden = true;
    $('editor').hidden = true;
    $('versions').hidden = true;
    versionsApp = null;
    for (const id of ['credentials-body', 'versions-body', 'audit-body', 'health-checks', 'editor-fields']) {
      $(id).replaceChildren();
    }
    $('login-view').hidden = false;
    $('login-password').value = '';
  }

  async function login(event) {
    event.preventDefault();
    const user = $('login-username').value.trim();
    const password = $('login-password').value;
    const submit = event.submitter || null;
    await run(submit, async () => {
      const data = await api('POST', LOGIN_PATH, { username: user, password });
      $('login-password').value = '';
      startSession({ token: data.accessToken, user, expiresAt: Date.now() + data.expiresIn * 1000 });
      say('Signed in as ' + user + '.');
      $('main').focus();
      await refreshAll();
    }, $('login-password'));
  }

  function logout() {
    endSession();
    clearError();
    say('Signed out.');
    $('login-username').focus();
  }

  // ------------------------------------------------------------------ credentials

  async function refreshCredentials() {
    const list = await api('GET', '/api/v1/credentials');
    const body = $('credentials-body');
    const rows = list.map((c) => {
      const tr = el('tr');
      tr.dataset.app = c.app;
      const name = el('th', c.app, 'ident');
      name.scope = 'row';
      const actions = el('div', null, 'actions');
      actions.append(
        button('Edit', 'Edit ' + c.app, 'edit:' + c.app, (b) => openEditor(c.app, b)),
        button('Rotate', 'Rotate ' + c.app, 'rotate:' + c.app, () => rotate(c.app)),
        button('Versions', 'Versions of ' + c.app, 'versions:' + c.app, () => showVersions(c.app)));
      const cell = el('td', null, 'actions-cell');
      cell.append(actions);
      tr.append(name, el('td', c.version, 'version'), timeCell(c.updatedAt), cell);
      return tr;
    });
    rebuildKeepingFocus(body, rows, $('credentials-title'));
    tableSemantics($('credentials-table'));
    $('credentials-empty').hidden = rows.length > 0;
  }

  async function rotate(app) {
    const result = await api('POST', path(app, '/rotate'));
    say('Rotated ' + result.app + ' to version ' + result.version + '.');
    await Promise.all([refreshCredentials(), refreshAudit(), versionsApp === app ? showVersions(app, false) : null]);
  }

  async function showVersions(app, moveFocus) {
    const data = await api('GET', path(app, '/versions'));
    versionsApp = app;
    $('versions-title').textContent = 'Versions of ' + data.app;
    const rows = data.versions.slice().reverse().map((v) => {
      const tr = el('tr');
      tr.dataset.version = v.version;
      const labels = el('td');
      for (const label of v.labels) {
        labels.append(el('span', label, 'label' + (label === 'CURRENT' ? ' current' : '')));
      }
      const state = v.destroyed ? 'destroyed' : v.deleted ? 'deleted' : 'active';
      tr.append(el('td', v.version), timeCell(v.createdAt), labels, el('td', state));
      return tr;
    });
    $('versions-body').replaceChildren(...rows);
    tableSemantics($('versions-table'));
    $('versions').hidden = false;
    if (moveFocus !== false) {
      $('versions-title').focus();
    }
  }

  function closeVersions() {
    const opener = versionsApp === null ? null : byFocusKey($('credentials-body'), 'versions:' + versionsApp);
    $('versions').hidden = true;
    versionsApp = null;
    (opener || $('credentials-title')).focus();
  }

  // ------------------------------------------------------------------ editor

  function addField(name, value) {
    const row = $('field-row').content.firstElementChild.cloneNode(true);
    const n = ++fieldCounter;
    const nameInput = row.querySelector('.field-name');
    const valueInput = row.querySelector('.field-value');
    nameInput.id = 'field-name-' + n;
    valueInput.id = 'field-value-' + n;
    row.querySelector('.field-name-label').htmlFor = nameInput.id;
    row.querySelector('.field-value-label').htmlFor = valueInput.id;
    nameInput.value = name || '';
    valueInput.value = value || '';
    valueInput.type = $('show-values').checked ? 'text' : 'password';
    const remove = row.querySelector('.remove-field');
    remove.setAttribute('aria-label', 'Remove field ' + (name || 'row'));
    nameInput.addEventListener('input', () => {
      remove.setAttribute('aria-label', 'Remove field ' + (nameInput.value || 'row'));
    });
    remove.addEventListener('click', () => {
      const next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      (next ? next.querySelector('.field-name') : $('add-field')).focus();
    });
    $('editor-fields').append(row);
    return nameInput;
  }

  async function openEditor(app, opener) {
    let fields = { '': '' };
    if (app) {
      const data = await api('GET', '/api/v2/credentials/' + encodeURIComponent(app));
      fields = data.secret;
    }
    editorReturnFocus = opener || null;
    $('editor-title').textContent = app ? 'Edit ' + app : 'New credential';
    $('editor-app').value = app || '';
    $('editor-app').readOnly = Boolean(app);
    $('editor-app').removeAttribute('aria-invalid');
    $('show-values').checked = false;
    $('editor-fields').replaceChildren();
    for (const [name, value] of Object.entries(fields)) {
      addField(name, value);
    }
    $('editor').hidden = false;
    (app ? $('editor-fields').querySelector('.field-value') : $('editor-app')).focus();
  }

  function closeEditor() {
    $('editor').hidden = true;
    $('editor-fields').replaceChildren(); // no secret values left in the page
    const target = editorReturnFocus && document.contains(editorReturnFocus) ? editorReturnFocus : $('new-credential');
    editorReturnFocus = null;
    target.focus();
  }

  function editorValues() {
    const appInput = $('editor-app');
    const app = appInput.value.trim();
    if (!APP_NAME.test(app)) {
      appInput.setAttribute('aria-invalid', 'true');
      appInput.focus();
      throw new ApiError(0, 'Invalid name', 'Use letters, digits, dot, dash and underscore (up to 100), starting with a letter or digit.');
    }
    appInput.removeAttribute('aria-invalid');
    const fields = {};
    for (const row of $('editor-fields').querySelectorAll('.field-row')) {
      const nameInput = row.querySelector('.field-name');
      const name = nameInput.value.trim();
      const value = row.querySelector('.field-value').value;
      if (!name && !value) {
        continue; // an empty row is ignored
      }
      if (!name || Object.prototype.hasOwnProperty.call(fields, name)) {
        nameInput.focus();
        throw new ApiError(0, 'Invalid field', name ? 'The field name "' + name + '" is used twice.' : 'Every field needs a name.');
      }
      fields[name] = value;
    }
    if (Object.keys(fields).length === 0) {
      throw new ApiError(0, 'No fields', 'A credential needs at least one field.');
    }
    return { app, fields };
  }

  async function save(event) {
    event.preventDefault();
    await run($('editor-save'), async () => {
      const { app, fields } = editorValues();
      const result = await api('PUT', path(app), fields);
      say('Saved ' + result.app + ' (version ' + result.version + ').');
      closeEditor();
      await Promise.all([refreshCredentials(), refreshAudit(), versionsApp === app ? showVersions(app, false) : null]);
    });
  }

  // ------------------------------------------------------------------ audit and health

  async function refreshAudit() {
    // A change is recorded twice: PENDING before it takes effect, then its outcome, which names the
    // PENDING event in details.pending_id. Show one row per action: its outcome, or the PENDING event
    // alone when no outcome was recorded (yet). An outcome is newer than its PENDING event, so a
    // PENDING event in the window has its outcome there too, if there is one.
    const data = await api('GET', '/api/v1/audit?limit=100');
    const followed = new Set(data.events.map((e) => e.details && e.details.pending_id).filter(Boolean));
    const shown = data.events.filter((e) => !(e.outcome === 'PENDING' && followed.has(e.id))).slice(0, 50);
    const rows = shown.map((e) => {
      const tr = el('tr');
      const actor = e.actor ? e.actor.id + (e.actor.kind ? ' (' + e.actor.kind.toLowerCase() + ')' : '') : '';
      const resource = e.resource ? e.resource.type + ' ' + e.resource.id : '';
      const outcome = e.outcome === 'PENDING' ? 'PENDING (no outcome recorded)' : e.outcome;
      tr.append(timeCell(e.time), el('td', e.type), el('td', actor), el('td', resource, 'ident'), el('td', outcome));
      return tr;
    });
    $('audit-body').replaceChildren(...rows);
    tableSemantics($('audit-table'));
  }

  async function refreshHealth() {
    // /health answers 503 with the same body when a check fails: read it either way.
    let response;
    try {
      response = await fetch('/health', { headers: { Accept: 'application/health+json' }, cache: 'no-store' });
    } catch (e) {
      throw new ApiError(0, 'Network error', 'The service could not be reached.');
    }
    const data = await readJson(response);
    if (!data || typeof data.status !== 'string') {
      throw new ApiError(response.status, 'Health', 'The health endpoint answered HTTP ' + response.status + '.');
    }
    const status = $('health-status');
    status.textContent = data.status;
    status.className = data.status;
    const items = [];
    for (const [name, results] of Object.entries(data.checks || {})) {
      for (const r of results) {
        const li = el('li');
        li.append(el('span', name + ': '), el('span', r.status, r.status));
        if (r.output) {
          li.append(el('span', ' (' + r.output + ')'));
        }
        items.push(li);
      }
    }
    $('health-checks').replaceChildren(...items);
  }

  async function refreshAll() {
    const results = await Promise.allSettled([refreshCredentials(), refreshAudit(), refreshHealth()]);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) {
      throw failed.reason;
    }
  }

  // ------------------------------------------------------------------ wiring

  function init() {
    $('login-form').addEventListener('submit', login);
    $('logout').addEventListener('click', logout);
    $('error-dismiss').addEventListener('click', dismissError);
    $('new-credential').addEventListener('click', (e) => run(e.currentTarget, () => openEditor(null, e.currentTarget)));
    $('refresh-credentials').addEventListener('click', (e) => run(e.currentTarget, refreshCredentials));
    $('refresh-audit').addEventListener('click', (e) => run(e.currentTarget, refreshAudit));
    $('refresh-health').addEventListener('click', (e) => run(e.currentTarget, refreshHealth));
    $('versions-close').addEventListener('click', closeVersions);
    $('editor-form').addEventListener('submit', save);
    $('editor-cancel').addEventListener('click', closeEditor);
    $('add-field').addEventListener('click', () => addField('', '').focus());
    $('show-values').addEventListener('change', (e) => {
      for (const input of $('editor-fields').querySelectorAll('.field-value')) {
        input.type = e.currentTarget.checked ? 'text' : 'password';
      }
    });
    for (const id of ['credentials-title', 'versions-title', 'editor-title']) {
      $(id).tabIndex = -1; // focus targets after an action, not tab stops
    }

    const saved = loadSession();
    if (saved) {
      startSession(saved);
      run(null, refreshAll);
    } else {
      endSession();
    }
    document.documentElement.dataset.ready = 'true';
  }

  init();
})();
