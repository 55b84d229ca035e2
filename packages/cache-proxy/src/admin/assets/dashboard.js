// The admin page of pywatt-cache-server: polls /api/stats once a second and draws it with uPlot.
// The admin token lives in this tab's sessionStorage and is sent only as an Authorization header.

(() => {
  const TOKEN_KEY = 'pywatt-cache-admin-token';
  const OPERATOR_KEY = 'pywatt-cache-admin-operator';
  const POLL_MS = 1000;
  const KEEP_SAMPLES = 300;
  const CHART_HEIGHT = 200;
  const COLORS = [
    '#223',
    '#3b6fd8',
    '#d8703b',
    '#2f9e5a',
    '#a13bd8',
    '#c9a227',
    '#1a9fb3',
    '#d83b6f',
  ];
  const MIB = 1024 * 1024;
  const ERRORS_SHOWN = 12;

  const $ = (selector) => document.querySelector(selector);
  const state = { token: sessionStorage.getItem(TOKEN_KEY), samples: [], since: 0, charts: null };

  class Refused extends Error {}

  async function api(path, init = {}) {
    const response = await fetch(path, {
      ...init,
      cache: 'no-store',
      headers: { ...init.headers, authorization: `Bearer ${state.token}` },
    });
    if (response.status === 401 || response.status === 403) throw new Refused();
    const body = await response.json();
    if (!response.ok) throw new Error(body.error?.message ?? response.statusText);
    return body;
  }

  const fixed = (n, digits) => (n === null || n === undefined ? '–' : n.toFixed(digits));
  const rate = (n) => (n >= 100 ? String(Math.round(n)) : fixed(n, 1));
  const ms = (n) => (n === null ? '–' : n < 1 ? n.toFixed(3) : n.toFixed(2));
  const percent = (r) => (r === null ? '–' : `${(r * 100).toFixed(1)} %`);

  /** Each chart: its series labels and how one sample gives their values. */
  function chartSpecs(namespaces) {
    const perNs = (label, pick) =>
      namespaces.map((ns) => ({
        label: `${ns} ${label}`.trim(),
        pick: (s) => pick(s.namespaces[ns]),
      }));
    const hit = (f) => (f?.hitRatio === null || f === undefined ? null : f.hitRatio * 100);
    return {
      ops: [
        { label: 'all', pick: (s) => s.overall.opsPerSec },
        ...perNs('', (f) => f?.opsPerSec ?? 0),
      ],
      hit: [{ label: 'all', pick: (s) => hit(s.overall) }, ...perNs('', hit)],
      latency: [
        { label: 'all p50', pick: (s) => s.overall.p50Ms },
        { label: 'all p99', pick: (s) => s.overall.p99Ms },
        ...perNs('p99', (f) => f?.p99Ms ?? null),
      ],
      connections: [
        { label: 'all', pick: (s) => s.overall.connections },
        ...perNs('', (f) => f?.connections ?? 0),
      ],
      memory: [
        { label: 'rss', pick: (s) => s.memory.rssBytes / MIB },
        { label: 'heap used', pick: (s) => s.memory.heapUsedBytes / MIB },
        {
          label: 'store',
          pick: (s) => (s.memory.storeBytes === null ? null : s.memory.storeBytes / MIB),
        },
      ],
    };
  }

  function buildCharts(namespaces) {
    const charts = {};
    for (const [name, series] of Object.entries(chartSpecs(namespaces))) {
      const el = $(`[data-chart="${name}"] .plot`);
      const plot = new uPlot(
        {
          width: el.clientWidth,
          height: CHART_HEIGHT,
          scales: {
            x: { time: true },
            y: { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] },
          },
          legend: { live: false },
          axes: [{}, { size: 60 }],
          series: [
            {},
            ...series.map((s, i) => ({
              label: s.label,
              stroke: COLORS[i % COLORS.length],
              width: i === 0 ? 2 : 1.5,
            })),
          ],
        },
        [[], ...series.map(() => [])],
        el,
      );
      charts[name] = { plot, series, el };
    }
    window.addEventListener('resize', () => {
      for (const c of Object.values(charts))
        c.plot.setSize({ width: c.el.clientWidth, height: CHART_HEIGHT });
    });
    return charts;
  }

  function drawCharts() {
    const xs = state.samples.map((s) => s.t / 1000);
    for (const c of Object.values(state.charts))
      c.plot.setData([xs, ...c.series.map((s) => state.samples.map(s.pick))]);
    $('.charts').dataset.points = String(xs.length);
    const last = state.samples.at(-1);
    if (last === undefined) return;
    const o = last.overall;
    $('[data-now="ops"]').textContent = rate(o.opsPerSec);
    $('[data-now="hit"]').textContent = percent(o.hitRatio);
    $('[data-now="latency"]').textContent = `${ms(o.p50Ms)} / ${ms(o.p99Ms)}`;
    $('[data-now="connections"]').textContent = String(o.connections);
    $('[data-now="memory"]').textContent = `rss ${fixed(last.memory.rssBytes / MIB, 1)}`;
  }

  function fillTable(selector, rows) {
    const body = $(`${selector} tbody`);
    body.replaceChildren(
      ...rows.map((cells) => {
        const tr = document.createElement('tr');
        for (const cell of cells) {
          const td = document.createElement('td');
          if (cell instanceof Node) td.append(cell);
          else td.textContent = cell;
          tr.append(td);
        }
        return tr;
      }),
    );
    return body;
  }

  function clearButton(namespace) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'danger';
    button.textContent = 'Clear…';
    button.dataset.clear = namespace;
    button.addEventListener('click', () => askClear(namespace));
    return button;
  }

  function render(body) {
    $('#backend').textContent = `backend: ${body.backend}`;
    const last = state.samples.at(-1);
    const rows = body.namespaces.map((ns) => {
      const f = last?.namespaces[ns];
      return [
        ns,
        String(f?.connections ?? 0),
        rate(f?.opsPerSec ?? 0),
        percent(f?.hitRatio ?? null),
        ms(f?.p50Ms ?? null),
        ms(f?.p99Ms ?? null),
        rate(f?.errorsPerSec ?? 0),
        String(body.totals[ns]?.requests ?? 0),
        clearButton(ns),
      ];
    });
    const table = fillTable('#namespaces', rows);
    for (const [i, tr] of [...table.children].entries()) tr.dataset.namespace = body.namespaces[i];
    $('#hot-keys-off').hidden = body.hotKeys !== null;
    $('#hot-keys').hidden = body.hotKeys === null;
    fillTable(
      '#hot-keys',
      (body.hotKeys ?? []).map((h) => [h.namespace, h.key, String(h.estimate)]),
    );
    fillTable(
      '#errors',
      body.errors
        .slice(0, ERRORS_SHOWN)
        .map((e) => [
          new Date(e.t).toLocaleTimeString(),
          e.namespace ?? '',
          e.op ?? '',
          e.code,
          e.message,
        ]),
    );
    for (const td of document.querySelectorAll('#errors td:last-child')) td.className = 'message';
    drawCharts();
  }

  async function poll() {
    try {
      const body = await api(`/api/stats?since=${state.since}`);
      state.samples.push(...body.samples);
      if (state.samples.length > KEEP_SAMPLES)
        state.samples.splice(0, state.samples.length - KEEP_SAMPLES);
      state.since = state.samples.at(-1)?.t ?? state.since;
      state.charts ??= buildCharts(body.namespaces);
      render(body);
      $('#status').textContent = `updated ${new Date().toLocaleTimeString()}`;
    } catch (error) {
      if (error instanceof Refused) return signOut('The admin token was refused.');
      $('#status').textContent = `cannot reach the server: ${error.message}`;
    }
    state.timer = setTimeout(poll, POLL_MS);
  }

  function signOut(message = '') {
    clearTimeout(state.timer);
    sessionStorage.removeItem(TOKEN_KEY);
    state.token = null;
    $('#dashboard').hidden = true;
    $('#sign-out').hidden = true;
    $('#login').hidden = false;
    $('#login-error').textContent = message;
  }

  function signIn() {
    $('#login').hidden = true;
    $('#dashboard').hidden = false;
    $('#sign-out').hidden = false;
    poll();
  }

  function askClear(namespace) {
    const dialog = $('#confirm-clear');
    const input = $('#clear-confirm');
    $('#clear-name').textContent = namespace;
    input.value = '';
    $('#clear-go').disabled = true;
    input.oninput = () => {
      $('#clear-go').disabled = input.value !== namespace;
    };
    dialog.onclose = async () => {
      if (dialog.returnValue !== 'clear') return;
      try {
        const operator = sessionStorage.getItem(OPERATOR_KEY) || undefined;
        const body = JSON.stringify({ namespace, confirm: input.value, operator });
        const done = await api('/api/clear', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        $('#action').textContent =
          `cleared ${done.cleared} at ${new Date(done.at).toLocaleTimeString()}`;
      } catch (error) {
        if (error instanceof Refused) return signOut('The admin token was refused.');
        $('#action').textContent = `clear failed: ${error.message}`;
      }
    };
    dialog.returnValue = '';
    dialog.showModal();
  }

  $('#login').addEventListener('submit', (event) => {
    event.preventDefault();
    state.token = $('#token').value;
    sessionStorage.setItem(TOKEN_KEY, state.token);
    sessionStorage.setItem(OPERATOR_KEY, $('#operator').value.trim());
    $('#token').value = '';
    signIn();
  });
  $('#sign-out').addEventListener('click', () => signOut());
  if (state.token) signIn();
})();
