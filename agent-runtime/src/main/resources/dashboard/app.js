// PXE Reimage dashboard: a plain ES module, no dependencies, no build step. Every piece of data comes from
// /api/v1 with the token of this tab (sessionStorage); live updates come from GET /api/v1/live, read with fetch()
// because EventSource cannot send an Authorization header. Text always goes in through textContent (never HTML).

const TOKEN_KEY = 'pxe-reimage.token';
const BUSY = new Set(['leased', 'powering', 'netbooting', 'deploying', 'booting-os', 'releasing', 'cleaning']);
const ACTIONS = {
  'reimage': { label: 'Reimage', verb: 'Reimage', text: m => `Write a clean image to ${m}? Whatever is on its disk is lost.` },
  'release': { label: 'Release', verb: 'Release', text: m => `End the lease that holds ${m}? Its holder loses the machine; it is wiped and goes back to the pool.` },
  'power-cycle': { label: 'Power cycle', verb: 'Power cycle', text: m => `Power-cycle ${m} through its BMC? Anything running on it stops.` },
  'clear-quarantine': { label: 'Clear', verb: 'Clear quarantine of', text: m => `Clear ${m}? It is cleaned and becomes available for leases again.` },
};

const S = {
  token: null, who: null, live: null, liveOn: false,
  pool: new Map(),      // name -> pool machine (GET /pool), kept current by pool events
  plans: [],            // boot plans (GET /machines)
  jobs: new Map(),      // id -> job (GET /jobs, job events)
  leases: new Map(),    // id -> lease
  images: [], agents: [], election: null, sites: null,
  multicast: new Map(), // id -> session
  activity: [], audit: null,
  poolEvents: new Map(), // machine -> pool events (loaded by the machine page, then live)
  devEvents: new Map(),  // machine -> device events
  hasPool: true, hasMulticast: false,
};

// ---- small helpers -----------------------------------------------------------------------------------------------

const $ = (sel, root = document) => root.querySelector(sel);

/** h('td', {class: 'x', dataset: {machine: 'm1'}}, 'text', child): an element; strings become text nodes. */
function h(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k in e && typeof v !== 'string') e[k] = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function setText(e, text) {
  const t = text === null || text === undefined ? '' : String(text);
  if (e.textContent !== t) e.textContent = t;
}

function badge(state) {
  return h('span', { class: `badge s-${state || 'unknown'}` }, state || 'unknown');
}

function bytes(n) {
  if (n === null || n === undefined) return '';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i === 0 || n >= 100 ? 0 : 1)} ${u[i]}`;
}

function duration(ms) {
  if (ms === null || ms === undefined || ms < 0) return '';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor(s % 3600 / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor(s % 86400 / 3600)}h`;
}

const since = t => t ? duration(Date.now() - Date.parse(t)) : '';
const clock = t => t ? new Date(t).toLocaleTimeString() : '';
const stamp = t => t ? new Date(t).toLocaleString() : '';

function toast(message, bad) {
  const t = $('#toast');
  t.textContent = message;
  t.className = 'toast show' + (bad ? ' bad' : '');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.className = 'toast'; }, 5000);
}

// ---- API ---------------------------------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function api(path, options = {}) {
  const headers = { Authorization: `Bearer ${S.token}` };
  if (options.body) headers['Content-Type'] = 'application/json';
  const r = await fetch(`/api/v1${path}`, { ...options, headers, cache: 'no-store' });
  const text = await r.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = null; }
  if (r.status === 401 && S.who) {
    logout('The runtime refused the token: log in again.');
  }
  if (!r.ok) throw new ApiError(r.status, (body && body.error) || text || r.statusText);
  return body;
}

/** A list that may not exist on this runtime (no pool, no election, not an admin): null instead of an error. */
async function optional(path) {
  try {
    return await api(path);
  } catch (e) {
    if (e.status === 404 || e.status === 403 || e.status === 409) return null;
    throw e;
  }
}

// ---- login -------------------------------------------------------------------------------------------------------

async function login(token) {
  const r = await fetch('/api/v1/session', { headers: { Authorization: `Bearer ${token}` }, cache: 'no-store' });
  if (!r.ok) {
    let why = 'the runtime refused this token';
    try { why = (await r.json()).error || why; } catch { /* keep the default */ }
    throw new Error(r.status === 401 ? 'Wrong token: ' + why : why);
  }
  S.token = token;
  S.who = await r.json();
  sessionStorage.setItem(TOKEN_KEY, token);
  $('#login').hidden = true;
  $('#nav').hidden = false;
  $('#session').hidden = false;
  $('#view').hidden = false;
  setText($('#whoami'), `${S.who.name} (${S.who.role})`);
  await loadAll();
  connectLive();
  if (!location.hash || location.hash === '#') location.hash = '#/machines';
  render();
}

function logout(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  if (S.live) S.live.abort();
  S.token = null; S.who = null; S.live = null;
  for (const k of ['pool', 'jobs', 'leases', 'multicast', 'poolEvents', 'devEvents']) S[k].clear();
  Object.assign(S, { plans: [], images: [], agents: [], election: null, sites: null, activity: [], audit: null });
  const view = $('#view');
  view.replaceChildren();
  view.hidden = true;
  view.dataset.route = '';
  $('#nav').hidden = true;
  $('#session').hidden = true;
  $('#login').hidden = false;
  $('#login-token').value = '';
  setText($('#login-error'), message || '');
  $('#login-token').focus();
}

// ---- data --------------------------------------------------------------------------------------------------------

async function loadAll() {
  const [pool, plans, jobs, leases, images, agents, election, sites, multicast, activity, audit] = await Promise.all([
    optional('/pool'), optional('/machines'), optional('/jobs'), optional('/leases'), optional('/images'),
    optional('/agents'), optional('/election'), optional('/sites'), optional('/multicast'),
    optional('/activity?limit=500'), S.who.role === 'admin' ? optional('/audit?limit=200') : null,
  ]);
  S.hasPool = pool !== null;
  S.pool = new Map((pool || []).map(m => [m.name, m]));
  S.plans = plans || [];
  S.jobs = new Map((jobs || []).map(j => [j.id, j]));
  S.leases = new Map((leases || []).map(l => [l.id, l]));
  S.images = images || [];
  S.agents = agents || [];
  S.election = election;
  S.sites = sites;
  S.hasMulticast = multicast !== null;
  S.multicast = new Map((multicast || []).map(m => [m.id, m]));
  S.activity = activity || [];
  S.audit = audit;
}

/** Pool machines, then machines that only have a boot plan (a runtime without a pool still shows its machines). */
function machines() {
  const out = [...S.pool.values()].map(m => ({ ...m, pooled: true }));
  const known = new Set(out.map(m => m.name));
  for (const p of S.plans) {
    const name = p.name || p.mac;
    if (known.has(name)) continue;
    const job = latestJob(name);
    const state = job && (job.state === 'running' || job.state === 'queued')
      ? (job.type === 'deploy-image' && job.state === 'running' ? 'deploying' : job.state) : p.action;
    out.push({ name, mac: p.mac, state, labels: [], lease: null, message: job ? `${job.type} ${job.state}` : '',
      since: job ? (job.finished || job.started || job.created) : null, pooled: false });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
}

function latestJob(machine, which = () => true) {
  let best = null;
  for (const j of S.jobs.values()) {
    if (j.machine === machine && which(j) && (!best || Date.parse(j.created) > Date.parse(best.created))) best = j;
  }
  return best;
}

function leaseOf(m) {
  return m.lease ? S.leases.get(m.lease) : null;
}

const refresh = debounce(async () => {
  if (!S.token) return;
  const [pool, leases] = await Promise.all([optional('/pool'), optional('/leases')]);
  if (pool) S.pool = new Map(pool.map(m => [m.name, m]));
  if (leases) S.leases = new Map(leases.map(l => [l.id, l]));
  render();
}, 700);

const refreshAgents = debounce(async () => {
  const agents = await optional('/agents');
  if (agents) { S.agents = agents; render(); }
}, 300);

function debounce(f, ms) {
  let t = null;
  return (...a) => { clearTimeout(t); t = setTimeout(() => f(...a).catch(() => {}), ms); };
}

// ---- live stream -------------------------------------------------------------------------------------------------

async function connectLive() {
  let backoff = 1000;
  const controller = new AbortController();
  S.live = controller;
  let first = true;
  while (S.live === controller) {
    try {
      const r = await fetch('/api/v1/live', { headers: { Authorization: `Bearer ${S.token}`,
        Accept: 'text/event-stream' }, signal: controller.signal, cache: 'no-store' });
      if (r.status === 401) { logout('The runtime refused the token: log in again.'); return; }
      if (!r.ok || !r.body) throw new Error(`live stream: HTTP ${r.status}`);
      setConnection(true);
      if (!first) { await loadAll(); render(); } // what happened while we were away
      first = false;
      backoff = 1000;
      await readEvents(r.body.getReader(), dispatch);
    } catch (e) {
      if (controller.signal.aborted) return;
    }
    setConnection(false);
    await new Promise(res => setTimeout(res, backoff));
    backoff = Math.min(backoff * 2, 15000);
  }
}

/** Server-Sent Events framing: "event:" and "data:" lines, a blank line ends an event, ":" lines are comments. */
async function readEvents(reader, onEvent) {
  const decoder = new TextDecoder();
  let buffer = '', type = 'message', data = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl).replace(/\r$/, '');
      buffer = buffer.slice(nl + 1);
      if (line === '') {
        if (data.length) {
          try { onEvent(type, JSON.parse(data.join('\n'))); } catch { /* a malformed frame is skipped */ }
        }
        type = 'message'; data = [];
      } else if (line.startsWith('event:')) {
        type = line.slice(6).trim();
      } else if (line.startsWith('data:')) {
        data.push(line.slice(5).replace(/^ /, ''));
      }
    }
  }
}

function setConnection(on) {
  S.liveOn = on;
  const c = $('#connection');
  c.className = 'connection ' + (on ? 'live' : 'down');
  setText(c, on ? 'live' : 'reconnecting');
}

function dispatch(type, d) {
  if (type === 'pool') {
    const m = S.pool.get(d.machine);
    if (m && d.to) {
      m.state = d.to;
      m.since = d.time;
      if (d.to === 'available') m.lease = null;
      else if (d.lease) m.lease = d.lease;
    }
    if (m && d.message) m.message = d.message;
    if (S.poolEvents.has(d.machine)) S.poolEvents.get(d.machine).push(d);
    refresh();
  } else if (type === 'job') {
    S.jobs.set(d.id, { ...S.jobs.get(d.id), ...d });
  } else if (type === 'event') {
    if (S.devEvents.has(d.machine)) S.devEvents.get(d.machine).push(d);
    if (d.type === 'registered') refreshAgents(); // a new inventory
  } else if (type === 'activity') {
    S.activity.push(d);
    if (S.activity.length > 500) S.activity.splice(0, S.activity.length - 500);
  } else if (type === 'multicast') {
    S.multicast.set(d.id, d);
  }
  render();
}

// ---- routing and rendering ---------------------------------------------------------------------------------------

const VIEWS = { machines: viewMachines, machine: viewMachine, transfers: viewTransfers, images: viewImages,
  leases: viewLeases, peers: viewPeers, activity: viewActivity, audit: viewAudit };

let renderQueued = false;
function render() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => { renderQueued = false; draw(); });
}

function draw() {
  if (!S.who) return;
  const [, name = 'machines', arg] = location.hash.split('/').map(decodeURIComponent);
  const view = VIEWS[name] ? name : 'machines';
  for (const a of document.querySelectorAll('a[data-nav]')) {
    if (a.dataset.nav === (view === 'machine' ? 'machines' : view)) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const root = $('#view');
  const route = `${view}/${arg || ''}`;
  if (root.dataset.route !== route) {
    root.replaceChildren();
    root.dataset.route = route;
    document.title = `PXE Reimage: ${view === 'machine' ? arg : view}`;
  }
  VIEWS[view](root, arg);
}

/** Builds {@code root}'s content once (build returns it), then lets update refresh it in place. */
function once(root, build) {
  if (!root.firstChild) root.append(...[build()].flat());
}

/** Keeps one child of {@code parent} per item, keyed, in order: existing ones are updated, not replaced. */
function keyed(parent, items, key, create, update) {
  const old = new Map([...parent.children].filter(e => e.dataset.key).map(e => [e.dataset.key, e]));
  let prev = null;
  for (const item of items) {
    const k = String(key(item));
    let e = old.get(k);
    if (e) old.delete(k);
    else { e = create(item); e.dataset.key = k; }
    update(e, item);
    const next = prev ? prev.nextSibling : parent.firstChild;
    if (next !== e) parent.insertBefore(e, next);
    prev = e;
  }
  for (const e of old.values()) e.remove();
}

function table(headers, bodyId) {
  return h('div', { class: 'table-wrap' }, h('table', {},
    h('thead', {}, h('tr', {}, headers.map(x => h('th', { scope: 'col' }, x)))), h('tbody', { id: bodyId })));
}

function emptyRow(tbody, cols, text, show) {
  let e = tbody.querySelector('tr.empty-row');
  if (show && !e) tbody.append(h('tr', { class: 'empty-row' }, h('td', { class: 'empty', colspan: cols }, text)));
  if (!show && e) e.remove();
}

function actionButtons(m) {
  if (!S.who || S.who.role !== 'admin') return [];
  const lease = !!m.lease;
  const stuck = m.state === 'failed' || m.state === 'quarantined';
  return [
    ['reimage', !m.pooled || m.state === 'available' || stuck],
    ['release', lease],
    ['power-cycle', m.pooled],
    ['clear-quarantine', stuck],
  ].map(([action, enabled]) => h('button', { type: 'button', class: 'small quiet', disabled: !enabled,
    dataset: { action, machine: m.name }, title: ACTIONS[action].text(m.name),
    onclick: () => confirmAction(action, m.name) }, ACTIONS[action].label));
}

// ---- machines ----------------------------------------------------------------------------------------------------

function viewMachines(root) {
  once(root, () => [
    h('h1', {}, 'Machines'),
    h('p', { class: 'sub' }, 'Every machine this runtime boots, where it is in its life, and who holds it.'),
    h('div', { class: 'summary', id: 'summary' }),
    h('div', { class: 'toolbar' },
      h('label', { for: 'filter', class: 'muted' }, 'Filter'),
      h('input', { id: 'filter', type: 'search', placeholder: 'name, label or state', oninput: render })),
    table(['Machine', 'State', 'Labels', 'Lease', 'Last event', 'In state', S.who.role === 'admin' ? 'Actions' : ''],
      'machine-rows'),
  ]);
  const all = machines();
  const counts = new Map();
  for (const m of all) counts.set(m.state, (counts.get(m.state) || 0) + 1);
  keyed($('#summary', root), [['all', all.length], ...[...counts.entries()].sort()], ([s]) => s,
    () => h('div', { class: 'stat' }, h('b'), h('span')),
    (e, [s, n]) => { setText(e.firstChild, n); setText(e.lastChild, s === 'all' ? 'machines' : s); });
  const f = ($('#filter', root).value || '').trim().toLowerCase();
  const shown = all.filter(m => !f || [m.name, m.state, ...(m.labels || [])].some(x => (x || '').toLowerCase().includes(f)));
  const tbody = $('#machine-rows', root);
  keyed(tbody, shown, m => m.name, m => h('tr', { dataset: { machine: m.name } },
    h('td', { class: 'name' }, h('a', { href: `#/machine/${encodeURIComponent(m.name)}` }, m.name)),
    h('td', { class: 'state' }), h('td', { class: 'labels' }), h('td', { class: 'lease' }),
    h('td', { class: 'last-event' }), h('td', { class: 'since' }), h('td', { class: 'actions' })),
  (tr, m) => {
    if (tr.dataset.state !== m.state) {
      tr.dataset.state = m.state;
      tr.querySelector('td.state').replaceChildren(badge(m.state));
      tr.querySelector('td.actions').replaceChildren(...actionButtons(m));
    }
    const labels = (m.labels || []).join(' ');
    if (tr.querySelector('td.labels').dataset.v !== labels) {
      tr.querySelector('td.labels').dataset.v = labels;
      tr.querySelector('td.labels').replaceChildren(...(m.labels || []).map(l => h('span', { class: 'chip' }, l)));
    }
    const l = leaseOf(m);
    const leaseCell = tr.querySelector('td.lease');
    const leaseSig = `${m.lease}|${l ? l.client : ''}`;
    if (leaseCell.dataset.v !== leaseSig) {
      leaseCell.dataset.v = leaseSig;
      leaseCell.replaceChildren(...(m.lease ? [l ? l.client : '', h('small', {}, m.lease)] : []));
    }
    setText(tr.querySelector('td.last-event'), m.message || '');
    const s = tr.querySelector('td.since');
    setText(s, since(m.since));
    s.title = stamp(m.since);
    if (tr.dataset.lease !== String(m.lease)) {
      tr.dataset.lease = String(m.lease);
      tr.querySelector('td.actions').replaceChildren(...actionButtons(m));
    }
  });
  emptyRow(tbody, 7, all.length ? 'No machine matches the filter.' : 'This runtime has no machines configured.',
    shown.length === 0);
}

// ---- one machine -------------------------------------------------------------------------------------------------

function viewMachine(root, name) {
  const m = machines().find(x => x.name === name);
  if (!root.firstChild) {
    if (!m) { root.append(h('h1', {}, 'No such machine'), h('p', {}, h('a', { href: '#/machines' }, 'All machines'))); return; }
    root.append(h('section', { id: `machine-${name}`, class: 'machine' },
      h('p', {}, h('a', { href: '#/machines' }, '\u2190 All machines')),
      h('div', { class: 'toolbar' }, h('h1', {}, name), h('span', { class: 'state' }), h('span', { class: 'actions' })),
      h('p', { class: 'sub message' }),
      h('div', { class: 'grid2' },
        h('div', { class: 'card inventory' }, h('h2', {}, 'Inventory'), h('div', { class: 'body' }, 'Not reported yet: the deploy agent reports it when it registers.')),
        h('div', { class: 'card current' }, h('h2', {}, 'Current transfer'), h('div', { class: 'body' }))),
      h('div', { class: 'card timeline' }, h('h2', {}, 'Timeline'), h('div', { class: 'bar' }), h('ol')),
      h('div', { class: 'card' }, h('h2', {}, 'Live log'), h('div', { id: 'live-log', class: 'log', 'aria-live': 'polite' }))));
    loadMachineHistory(name);
  }
  if (!m) return;
  const sec = root.querySelector('section.machine');
  if (sec.dataset.state !== m.state || sec.dataset.lease !== String(m.lease)) {
    sec.dataset.state = m.state;
    sec.dataset.lease = String(m.lease);
    sec.querySelector('.state').replaceChildren(badge(m.state));
    sec.querySelector('.actions').replaceChildren(...actionButtons(m));
  }
  setText(sec.querySelector('.message'), [m.message, m.lease && !(m.message || '').includes(m.lease) ? `lease ${m.lease}` : null,
    (m.labels || []).join(', ')]
    .filter(Boolean).join(' \u00b7 '));
  drawInventory(sec.querySelector('.inventory .body'), m);
  drawCurrent(sec.querySelector('.current .body'), m);
  drawTimeline(sec.querySelector('.timeline'), S.poolEvents.get(name) || [], S.devEvents.get(name) || []);
  drawLog(sec.querySelector('#live-log'), S.devEvents.get(name) || []);
}

async function loadMachineHistory(name) {
  const n = encodeURIComponent(name);
  const [pe, de] = await Promise.all([S.hasPool ? optional(`/pool/events?machine=${n}&limit=1000`) : null,
    optional(`/events?machine=${n}`)]);
  S.poolEvents.set(name, pe || []);
  S.devEvents.set(name, de || []);
  render();
}

function drawInventory(body, m) {
  const agent = S.agents.find(a => a.machine === m.name || (m.mac && a.mac === m.mac));
  const inv = agent && agent.inventory;
  if (!inv || body.dataset.agent === agent.agentId) return;
  body.dataset.agent = agent.agentId;
  const kv = [
    ['System', [inv.system && inv.system.vendor, inv.system && inv.system.product].filter(Boolean).join(' ')],
    ['Firmware', inv.firmware], ['CPU', inv.cpu ? `${inv.cpu.count} \u00d7 ${inv.cpu.model}` : ''],
    ['Memory', bytes(inv.memoryBytes)],
    ['Disks', (inv.disks || []).map(d => `${d.path} ${bytes(d.sizeBytes)}${d.model ? ' ' + d.model : ''}`).join(', ')],
    ['NICs', (inv.nics || []).map(n => `${n.name} ${n.mac}${n.speedMbps > 0 ? ' ' + n.speedMbps + ' Mb/s' : ''}`).join(', ')],
    ['Agent', `${agent.agentId}, last seen ${clock(agent.lastSeen)}`],
  ];
  body.replaceChildren(h('dl', { class: 'kv' }, kv.filter(([, v]) => v).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])));
}

function drawCurrent(body, m) {
  const job = latestJob(m.name, j => j.type === 'deploy-image' || j.progress) || latestJob(m.name);
  if (!job) { setText(body, 'No job yet.'); return; }
  if (body.dataset.job !== job.id) { body.replaceChildren(transferRow(job)); body.dataset.job = job.id; }
  updateTransfer(body.firstChild, job);
}

/** Segments of time in each state: pool transitions, or for a machine without a pool its deploy phases. */
function drawTimeline(box, poolEvents, devEvents) {
  const steps = poolEvents.filter(e => e.to).map(e => ({ time: Date.parse(e.time), name: e.to, message: e.message }));
  if (!steps.length) {
    for (const e of devEvents) steps.push({ time: Date.parse(e.time), name: e.phase || e.type, message: e.message });
  }
  const key = steps.length + ':' + (steps.length ? steps[steps.length - 1].time : 0);
  const bar = box.querySelector('.bar');
  const list = box.querySelector('ol');
  const now = Date.now();
  if (!steps.length) { setText(list, 'No events yet.'); return; }
  const recent = steps.slice(-12);
  const total = Math.max(1, now - recent[0].time);
  if (box.dataset.key !== key) {
    box.dataset.key = key;
    bar.replaceChildren(...recent.map((s, i) => h('div', { class: `seg s-${s.name}`, title: s.name }, s.name)));
    list.replaceChildren(...recent.map(s => h('li', {}, h('span', { class: 'muted' }, clock(s.time)),
      h('span', {}, badge(s.name)), h('span', { class: 'dur' }), h('span', { class: 'muted' }, s.message || ''))));
  }
  recent.forEach((s, i) => {
    const end = i + 1 < recent.length ? recent[i + 1].time : now;
    const seg = bar.children[i];
    seg.style.flexGrow = String(Math.max(0.02, (end - s.time) / total));
    seg.textContent = `${s.name} ${duration(end - s.time)}`;
    setText(list.children[i].querySelector('.dur'), duration(end - s.time));
  });
}

function drawLog(box, events) {
  if (box.childElementCount === events.length) return;
  const stick = box.scrollTop + box.clientHeight >= box.scrollHeight - 20;
  for (const e of events.slice(box.childElementCount)) {
    box.append(h('div', {}, h('span', { class: 't' }, clock(e.time)), h('b', {}, e.phase || e.type || ''), ' ', e.message || ''));
  }
  if (stick) box.scrollTop = box.scrollHeight;
}

// ---- transfers ---------------------------------------------------------------------------------------------------

function transferRow(job) {
  return h('div', { class: 'card transfer', dataset: { transfer: job.id, machine: job.machine } },
    h('div', { class: 'who' }, h('b', {}, h('a', { href: `#/machine/${encodeURIComponent(job.machine)}` }, job.machine)),
      h('span', { class: 'muted detail' })),
    h('div', {}, h('progress', { max: 1, value: 0, 'aria-label': `${job.machine} progress` })),
    h('div', { class: 'nums' }, h('span', { class: 'state' }), ' ', h('span', { class: 'pct' }), h('br'),
      h('span', { class: 'rate' }), ' ', h('span', { class: 'eta' })));
}

function updateTransfer(e, job) {
  const p = job.progress;
  const bar = e.querySelector('progress');
  const max = p && p.totalBytes > 0 ? p.totalBytes : 1;
  const value = p ? Math.min(p.bytes, max) : (job.state === 'succeeded' ? 1 : 0);
  if (bar.max !== max) bar.max = max;
  if (bar.value !== value) bar.value = value;
  setText(e.querySelector('.detail'), `${job.type}${job.detail ? ': ' + job.detail : ''}`);
  if (e.dataset.state !== job.state) {
    e.dataset.state = job.state;
    e.querySelector('.state').replaceChildren(badge(job.state));
  }
  setText(e.querySelector('.pct'), p ? `${p.percent}% of ${bytes(p.totalBytes)}` : '');
  const running = job.state === 'running';
  setText(e.querySelector('.rate'), p && running ? `${bytes(p.bytesPerSecond)}/s` : job.finished ? `done ${clock(job.finished)}` : '');
  setText(e.querySelector('.eta'), p && running && p.etaSeconds >= 0 ? `ETA ${duration(p.etaSeconds * 1000)}` : '');
}

function viewTransfers(root) {
  once(root, () => [
    h('h1', {}, 'Transfers'),
    h('p', { class: 'sub' }, 'Images being written now (unicast deploy jobs) and multicast sessions with each receiver.'),
    h('h2', {}, 'Deploy jobs'), h('div', { class: 'transfers', id: 'unicast' }),
    h('h2', {}, 'Multicast sessions'), h('div', { class: 'transfers', id: 'sessions' }),
  ]);
  const recent = Date.now() - 30 * 60 * 1000;
  const order = { running: 0, queued: 1 };
  const jobs = [...S.jobs.values()]
    .filter(j => j.state === 'running' || j.state === 'queued' || Date.parse(j.finished || j.created) > recent)
    .filter(j => j.type === 'deploy-image' || j.progress)
    .sort((a, b) => (order[a.state] ?? 2) - (order[b.state] ?? 2) || Date.parse(b.created) - Date.parse(a.created));
  const box = $('#unicast', root);
  keyed(box, jobs, j => j.id, transferRow, updateTransfer);
  placeholder(box, jobs.length === 0, 'No image is being written. Deploy jobs of the last 30 minutes show here.');
  const sessions = [...S.multicast.values()].sort((a, b) => String(b.id).localeCompare(String(a.id)));
  const sbox = $('#sessions', root);
  keyed(sbox, sessions, s => s.id, s => h('div', { class: 'card session-box', dataset: { session: s.id } },
    h('div', { class: 'toolbar' }, h('b', {}, s.id), h('span', { class: 'state' }), h('span', { class: 'muted info' })),
    h('div', { class: 'receivers' })), (e, s) => {
    e.querySelector('.state').replaceChildren(badge(s.state));
    setText(e.querySelector('.info'), [s.image, s.controlGroup, s.imageBytes != null ? bytes(s.imageBytes) : null,
      s.mibPerSecond != null ? `${Number(s.mibPerSecond).toFixed(1)} MiB/s` : null,
      s.repairPackets != null ? `${s.repairPackets} repairs` : null, s.failure].filter(x => x != null).join(' \u00b7 '));
    keyed(e.querySelector('.receivers'), s.receivers || [], r => r.machine, r => h('div', { class: 'receiver', dataset: { receiver: r.machine } },
      h('span', {}, r.machine), h('progress', { max: 1, value: 0 }), h('span', { class: 'muted outcome' })), (re, r) => {
      const job = r.job ? S.jobs.get(r.job) : null;
      const p = job && job.progress;
      const bar = re.querySelector('progress');
      if (p && p.totalBytes > 0) { bar.max = p.totalBytes; bar.value = p.bytes; }
      else if (r.outcome === 'verified') { bar.max = 1; bar.value = 1; }
      setText(re.querySelector('.outcome'), r.outcome || (p ? `${p.percent}%` : 'waiting'));
    });
  });
  placeholder(sbox, sessions.length === 0, S.hasMulticast ? 'No multicast session yet.' : 'Multicast is not configured on this runtime.');
}

function placeholder(box, show, text) {
  let e = box.querySelector(':scope > p.empty');
  if (show && !e) box.append(h('p', { class: 'empty' }, text));
  if (!show && e) e.remove();
}

// ---- images, leases, peers, activity, audit ----------------------------------------------------------------------

function simpleTable(root, title, sub, headers, rows, empty) {
  once(root, () => [h('h1', {}, title), h('p', { class: 'sub' }, sub), table(headers, 'rows')]);
  const tbody = $('#rows', root);
  keyed(tbody, rows, r => r.key, () => h('tr'), (tr, r) => {
    const sig = JSON.stringify(r.cells.map(c => c instanceof Node ? c.textContent : c));
    if (tr.dataset.sig === sig) return;
    tr.dataset.sig = sig;
    tr.replaceChildren(...r.cells.map(c => h('td', {}, c)));
  });
  emptyRow(tbody, headers.length, empty, rows.length === 0);
}

function viewImages(root) {
  simpleTable(root, 'Images', 'The catalog: what can be written to machines.', ['Name', 'Size', 'SHA-256', 'Compression', 'Added'],
    S.images.map(i => ({ key: i.name, cells: [i.name, bytes(i.size ?? i.sizeBytes), h('span', { class: 'mono', title: i.sha256 }, (i.sha256 || '').slice(0, 16) + '\u2026'),
      i.compression || 'none', stamp(i.added || i.imported)] })), 'No image in the catalog: pxe-runtime image add NAME FILE');
}

function viewLeases(root) {
  const rows = [...S.leases.values()].sort((a, b) => Date.parse(b.created) - Date.parse(a.created)).map(l => ({ key: l.id,
    cells: [h('span', { class: 'mono' }, l.id), l.client, badge(l.state), l.machine || '', l.image, l.hostname || '',
      since(l.created) + ' ago', l.message || ''] }));
  simpleTable(root, 'Leases', 'Who holds which machine, and where each request stands.',
    ['Lease', 'Client', 'State', 'Machine', 'Image', 'Host name', 'Created', 'Message'], rows,
    S.hasPool ? 'No lease yet.' : 'This runtime has no pool (no machine with a bmc).');
}

function viewPeers(root) {
  once(root, () => [h('h1', {}, 'Peers'), h('p', { class: 'sub' }, 'Runtimes on this subnet elect one responder; sites share one inventory.'),
    h('div', { class: 'grid2' }, h('div', { class: 'card', id: 'election' }), h('div', { class: 'card', id: 'sites' }))]);
  const el = $('#election', root);
  const e = S.election;
  const eSig = JSON.stringify(e);
  if (el.dataset.sig !== eSig) {
    el.dataset.sig = eSig;
    el.replaceChildren(h('h2', {}, 'Election'), !e ? h('p', { class: 'muted' }, 'No election configured: this runtime answers alone.')
      : [h('dl', { class: 'kv' }, h('dt', {}, 'Subnet'), h('dd', {}, e.subnet), h('dt', {}, 'This runtime'), h('dd', {}, badge(e.role), ` for ${duration(e.roleForMillis)}`),
        h('dt', {}, 'Responder'), h('dd', {}, e.responder ? `${e.responder.id || ''} ${e.responder.address || ''}` : 'none')),
      h('h2', {}, 'Peers heard'), (e.peers || []).length === 0 ? h('p', { class: 'muted' }, 'No other runtime heard on this subnet.')
        : h('ul', {}, e.peers.map(p => h('li', {}, badge(p.alive === false ? 'unreachable' : p.role),
          ` ${p.id} ${p.address} weight ${p.weight}${p.busy ? ', busy' : ''}, heard ${duration(p.heardMillisAgo)} ago`)))]);
  }
  const st = $('#sites', root);
  const sSig = JSON.stringify(S.sites);
  if (st.dataset.sig !== sSig) {
    st.dataset.sig = sSig;
    st.replaceChildren(h('h2', {}, 'Sites'), !S.sites || !S.sites.length ? h('p', { class: 'muted' }, 'One site: no shared store.')
      : h('ul', {}, S.sites.map(s => h('li', {}, badge(s.unreachable ? 'unreachable' : 'live'), ` ${s.name}: ${s.machines} machines, heartbeat ${since(s.heartbeat)} ago`))));
  }
}

function viewActivity(root) {
  once(root, () => [h('h1', {}, 'Activity'), h('p', { class: 'sub' }, 'What the DHCP, TFTP and HTTP servers just did, newest first.'),
    h('div', { class: 'log', id: 'activity-log' })]);
  const box = $('#activity-log', root);
  const items = S.activity.slice(-300).reverse();
  keyed(box, items, a => `${a.time}|${a.kind}|${a.summary}`, a => h('div', {}, h('span', { class: 't' }, clock(a.time)),
    h('span', { class: `kind kind-${a.kind}` }, a.kind), ' ', a.machine ? h('b', {}, a.machine + ' ') : '', a.summary), () => {});
  placeholder(box, items.length === 0, 'Nothing yet: boots show here as they happen.');
}

function viewAudit(root) {
  if (S.who.role !== 'admin') { once(root, () => [h('h1', {}, 'Audit log'), h('p', {}, 'The audit log is for admin tokens.')]); return; }
  const rows = (S.audit || []).slice().reverse().map((a, i) => ({ key: `${a.time}|${i}`,
    cells: [stamp(a.time), a.who || 'unknown', a.action || `${a.method} ${a.path}`, a.target || '', String(a.status), a.detail || ''] }));
  simpleTable(root, 'Audit log', 'Every change made through the API or this dashboard, who made it, and what came of it.',
    ['Time', 'Who', 'Action', 'Target', 'Status', 'Detail'], rows, 'Nothing changed yet.');
}

// ---- admin actions -----------------------------------------------------------------------------------------------

function confirmAction(action, machine) {
  const d = $('#confirm-dialog');
  const input = $('#confirm-input');
  const ok = $('#confirm-ok');
  setText($('#confirm-title'), `${ACTIONS[action].verb} ${machine}`);
  setText($('#confirm-text'), ACTIONS[action].text(machine));
  input.value = '';
  ok.disabled = true;
  d.dataset.action = action;
  d.dataset.machine = machine;
  d.showModal();
  input.focus();
}

async function submitAction() {
  const d = $('#confirm-dialog');
  const { action, machine } = d.dataset;
  const confirm = $('#confirm-input').value;
  d.close();
  try {
    const r = await api('/actions', { method: 'POST', body: JSON.stringify({ action, machine, confirm }) });
    toast(`${ACTIONS[action].verb} ${machine}: ${r && (r.state || r.id) ? (r.state || r.id) : 'done'}`);
    refresh();
    if (S.who.role === 'admin') S.audit = await optional('/audit?limit=200');
    render();
  } catch (e) {
    toast(`${ACTIONS[action].verb} ${machine} failed: ${e.message}`, true);
  }
}

// ---- start -------------------------------------------------------------------------------------------------------

function start() {
  $('#login-form').addEventListener('submit', async ev => {
    ev.preventDefault();
    setText($('#login-error'), '');
    const button = $('#login-submit');
    button.disabled = true;
    try {
      await login($('#login-token').value.trim());
      $('#login-token').value = '';
    } catch (e) {
      setText($('#login-error'), e.message);
    } finally {
      button.disabled = false;
    }
  });
  $('#logout').addEventListener('click', () => logout(''));
  $('#confirm-input').addEventListener('input', () => {
    $('#confirm-ok').disabled = $('#confirm-input').value !== $('#confirm-dialog').dataset.machine;
  });
  $('#confirm-cancel').addEventListener('click', () => $('#confirm-dialog').close());
  $('#confirm-form').addEventListener('submit', ev => {
    ev.preventDefault();
    if ($('#confirm-input').value === $('#confirm-dialog').dataset.machine) submitAction();
  });
  window.addEventListener('hashchange', render);
  setInterval(() => { if (S.who) render(); }, 1000); // "in state for" and ETAs tick
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) login(saved).catch(e => logout(e.message));
  else $('#login-token').focus();
}

start();
