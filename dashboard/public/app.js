// seamflow dashboard: plain ES module, no build step. Charts: Chart.js (UMD, served from node_modules).
const TOKEN_KEY = 'seamflow-api-token';
const $ = (sel) => document.querySelector(sel);
const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
};

// ---------- formatting ----------
const pct = (x) => (typeof x === 'number' ? `${(x * 100).toFixed(2)}%` : '–');
const int = (x) => (typeof x === 'number' ? Math.round(x).toLocaleString('en-US') : '–');
const mflops = (x) => (typeof x === 'number' ? `${(x / 1e6).toFixed(2)} MFLOPs` : '–');
const dur = (s) => {
  if (typeof s !== 'number' || !Number.isFinite(s)) return '–';
  if (s < 60) return `${s.toFixed(1)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
};
const ms = (x) => (typeof x === 'number' ? `${x.toFixed(2)} ms` : '–');
const when = (iso) => (iso ? new Date(iso).toLocaleString() : '–');
const badge = (status) => el('span', { class: `badge ${status}` }, status);

// ---------- API with the bearer token ----------
class ApiError extends Error {
  constructor(status, body) {
    super(body?.error ?? `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}
const token = () => sessionStorage.getItem(TOKEN_KEY) ?? '';
const authHeaders = () => (token() ? { authorization: `Bearer ${token()}` } : {});
let health;

async function api(path, { method = 'GET', body } = {}) {
  const res = await fetch(path, {
    method,
    headers: { ...authHeaders(), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let data;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = { error: text };
  }
  if (res.status === 401) showTokenForm('The API needs a token: enter SEAMFLOW_API_TOKEN above.');
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

/** Server-sent events over fetch (EventSource cannot send the Authorization header). */
async function sse(path, onEvent, signal) {
  const res = await fetch(path, { headers: { ...authHeaders(), accept: 'text/event-stream' }, signal });
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => undefined));
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value;
    let i;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      let event = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length) onEvent(event, JSON.parse(data.join('\n')));
    }
  }
}

function flash(message, ok = false) {
  const f = $('#flash');
  if (!message) {
    f.hidden = true;
    return;
  }
  f.textContent = message;
  f.className = ok ? 'flash ok' : 'flash';
  f.hidden = false;
}

function showTokenForm(message) {
  $('#token-form').hidden = false;
  $('#token-clear').hidden = true;
  if (message) flash(message);
}

const NAV = [['/', 'Runs'], ['/new', 'New run'], ['/compare', 'Compare'], ['/zoos', 'Zoos'], ['/schedules', 'Schedules']];

/** The header every page shares: brand, navigation, token form (one definition instead of one per page). */
function renderHeader() {
  $('#site-header').replaceChildren(
    el('a', { class: 'brand', href: '/' }, 'seamflow'),
    el('nav', {}, ...NAV.map(([href, label]) => el('a', { href }, label))),
    el('form', { id: 'token-form', hidden: '' }, el('input', { id: 'token-input', type: 'password', placeholder: 'API token', autocomplete: 'off' }), el('button', {}, 'Use token')),
    el('button', { id: 'token-clear', hidden: '' }, 'Forget token'),
  );
}

async function setupToken() {
  renderHeader();
  health = await fetch('/api/health').then((r) => r.json());
  const form = $('#token-form');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('#token-input').value.trim());
    location.reload();
  });
  $('#token-clear').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    location.reload();
  });
  if (health.auth && !token()) showTokenForm('Enter the API token (SEAMFLOW_API_TOKEN) to use the dashboard; it is kept for this tab only.');
  else if (health.auth) $('#token-clear').hidden = false;
}

// ---------- charts ----------
const charts = new Map();
const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#be185d', '#4d7c0f'];
function chart(id, config) {
  const old = charts.get(id);
  if (old) {
    old.data = config.data;
    old.update('none');
    return old;
  }
  const c = new window.Chart($(`#${id}`), { ...config, options: { responsive: true, maintainAspectRatio: false, animation: false, ...config.options } });
  charts.set(id, c);
  return c;
}
// Tooltips of charts whose values are fractions: "label: 12.3%".
const pctTooltip = () => ({ tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label}: ${pct(ctx.raw)}` } } });
const titled = (text, extra = {}) => ({ ...extra, plugins: { title: { display: true, text }, ...(extra.plugins ?? {}) } });

// ---------- runs page ----------
async function runsPage() {
  const selected = new Set();
  const button = $('#compare-selected');
  button.addEventListener('click', () => (location.href = `/compare?ids=${[...selected].map(encodeURIComponent).join(',')}`));
  async function refresh() {
    const { runs } = await api('/api/runs?limit=100');
    const tbody = $('#runs-table tbody');
    tbody.replaceChildren(
      ...runs.map((r) => {
        const s = r.summary;
        const box = el('input', { type: 'checkbox', checked: selected.has(r.id), disabled: !s, title: s ? 'select to compare' : 'only completed runs compare' });
        box.addEventListener('change', () => {
          box.checked ? selected.add(r.id) : selected.delete(r.id);
          button.disabled = selected.size < 2;
        });
        const seconds = r.seconds ?? (Date.now() - Date.parse(r.startedAt)) / 1000;
        return el(
          'tr',
          { 'data-run': r.id },
          el('td', {}, box),
          el('td', {}, el('a', { href: `/run?id=${encodeURIComponent(r.id)}` }, r.id)),
          el('td', {}, badge(r.status)),
          el('td', {}, when(r.startedAt)),
          el('td', { class: 'num' }, dur(seconds)),
          el('td', {}, s?.target ? `${s.target.mode} [${s.target.classes.join(', ')}]` : '–'),
          el('td', { class: 'num' }, pct(s?.originalAccuracy)),
          el('td', { class: 'num' }, pct(s?.reengineeredAccuracy)),
          el('td', { class: 'num' }, pct(s?.wrr)),
          el('td', { class: 'num' }, int(s?.compactParams)),
        );
      }),
    );
    $('#runs-empty').hidden = runs.length > 0;
    $('#runs-updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
  }
  await refresh();
  setInterval(() => refresh().catch((e) => flash(e.message)), 5000);
}

// ---------- new run page ----------
async function newRunPage() {
  const form = $('#run-form');
  const picker = $('#model-picker');
  const { zoo, models } = await api('/api/models');
  const group = (label, list) =>
    list.length === 0
      ? undefined
      : el('optgroup', { label }, ...list.map((m) => el('option', { value: String(models.indexOf(m)), 'data-model': m.model }, m.source === 'zoo' ? `${m.name} · ${m.data}` : `${m.name} · ${m.model}${m.size ? ` (${int(m.size)} B)` : ''}`)));
  picker.append(...[group(zoo ? `zoo ${zoo.name}` : 'zoo', models.filter((m) => m.source === 'zoo')), group('artifact store (models/)', models.filter((m) => m.source === 'store'))].filter(Boolean));
  picker.disabled = models.length === 0;
  if (models.length === 0) picker.options[0].textContent = 'no models in the zoo or the store yet: type a model folder below';
  picker.addEventListener('change', () => {
    const m = models[Number(picker.value)];
    if (!m || picker.value === '') return;
    form.elements.model.value = m.model;
    if (m.data) form.elements.data.value = m.data;
    // The zoo's first target for this model, as a starting point.
    const t = zoo?.targets.find((x) => (m.targets ?? []).includes(x.name));
    if (t && !form.elements.classes.value) {
      form.elements.classes.value = t.classes.join(',');
      form.elements.mode.value = t.mode;
    }
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    for (const i of form.querySelectorAll('.invalid')) i.classList.remove('invalid');
    const body = {};
    for (const [k, v] of new FormData(form)) {
      const value = String(v).trim();
      if (value === '') continue;
      // "defects.epochs" -> body.defects.epochs (likewise finetune.*): the API's nested object, and its error names the same field.
      const [outer, inner] = k.split('.');
      if (inner) (body[outer] ??= {})[inner] = value;
      else body[k] = value;
    }
    try {
      $('#start-run').disabled = true;
      const { id } = await api('/api/runs', { method: 'POST', body });
      location.href = `/run?id=${encodeURIComponent(id)}`;
    } catch (err) {
      $('#start-run').disabled = false;
      const field = err.body?.field;
      if (field) form.querySelector(`[name="${CSS.escape(field)}"]`)?.classList.add('invalid');
      flash(err.message);
    }
  });
}

// ---------- run page ----------
const STAGE_COLORS = { done: '#16a34a', running: '#2563eb', failed: '#dc2626', pending: '#d1d5db' };

async function runPage() {
  const id = new URLSearchParams(location.search).get('id');
  if (!id) return flash('no run id in the address (?id=...)');
  $('#run-id').textContent = id;
  document.title = `seamflow · ${id}`;
  const cfg = await api('/api/config');
  if (cfg.temporalUiUrl) {
    const a = $('#temporal-link');
    a.href = `${cfg.temporalUiUrl}/namespaces/${encodeURIComponent(cfg.namespace)}/workflows/${encodeURIComponent(id)}`;
    a.hidden = false;
  }
  $('#cancel-run').addEventListener('click', async () => {
    try {
      await api(`/api/runs/${encodeURIComponent(id)}/cancel`, { method: 'POST' });
      flash('cancellation requested: the search saves a checkpoint, then the run stops', true);
    } catch (err) {
      flash(err.message);
    }
  });
  $('#resume-run').addEventListener('click', async () => {
    try {
      const r = await api(`/api/runs/${encodeURIComponent(id)}/resume`, { method: 'POST' });
      location.href = `/run?id=${encodeURIComponent(r.id)}`;
    } catch (err) {
      flash(err.message);
    }
  });
  const live = { x: [], loss: [], wrr: [], accuracy: [] };
  let reportShown = false;

  function render(d) {
    document.body.dataset.runStatus = d.status;
    $('#run-status').replaceChildren(badge(d.status));
    $('#cancel-run').hidden = d.status !== 'running';
    $('#resume-run').hidden = d.closed === false || d.status === 'completed';
    if (d.spec) {
      const s = d.spec;
      $('#run-spec').textContent = `${s.data} · ${s.target.mode} [${s.target.classes.join(', ')}] · ${s.settings.granularity} masks, ${s.settings.head} head, alpha ${s.settings.alpha}, ${s.settings.epochs} epochs, batch ${s.settings.batchSize}${s.finetune ? ` · fine-tuning: ${s.finetune.epochs} epochs${s.finetune.distill ? `, distilled (weight ${s.finetune.distill})` : ''}${s.finetune.freshNegatives ? ', fresh negatives' : ''}` : ''}${s.defects ? ` · defect evaluation: ${s.defects.attack}, ${s.defects.epochs} epochs` : ''}`;
    }
    const stages = d.progress?.stages ?? [];
    $('#stages').replaceChildren(
      ...stages.map((s) => {
        const secs = s.startedAt ? ((s.finishedAt ? Date.parse(s.finishedAt) : Date.now()) - Date.parse(s.startedAt)) / 1000 : undefined;
        return el('li', { 'data-stage': s.stage }, `${s.stage} `, badge(s.status), s.cached ? ' cached' : '', secs !== undefined ? ` ${dur(secs)}` : '');
      }),
    );
    const t0 = Date.parse(d.startedAt);
    chart('timeline-chart', {
      type: 'bar',
      data: {
        labels: stages.map((s) => s.stage),
        datasets: [
          {
            label: 'seconds since the run started',
            data: stages.map((s) => (s.startedAt ? [(Date.parse(s.startedAt) - t0) / 1000, ((s.finishedAt ? Date.parse(s.finishedAt) : Date.now()) - t0) / 1000] : null)),
            backgroundColor: stages.map((s) => STAGE_COLORS[s.status] ?? '#9ca3af'),
          },
        ],
      },
      options: { indexAxis: 'y', plugins: { legend: { display: false } }, scales: { y: { ticks: { autoSkip: false } }, x: { title: { display: true, text: 'seconds since start' } } } },
    });
    if (d.search) {
      const h = d.search;
      $('#live-section').hidden = false;
      $('#search-bar').style.width = `${(h.fraction * 100).toFixed(1)}%`;
      $('#search-text').textContent = `epoch ${h.epoch + 1}/${h.epochs}, step ${h.step}/${h.steps} · loss ${h.loss.toFixed(4)} · accuracy ${pct(h.accuracy)} · WRR ${pct(h.wrr)}${h.etaSeconds !== undefined ? ` · about ${dur(h.etaSeconds)} left` : ''}`;
      const x = +(h.epoch + h.step / Math.max(1, h.steps)).toFixed(3);
      if (live.x.at(-1) !== x) {
        live.x.push(x);
        live.loss.push(h.loss);
        live.wrr.push(h.wrr);
        live.accuracy.push(h.accuracy);
      }
      chart('live-chart', {
        type: 'line',
        data: {
          labels: live.x,
          datasets: [
            { label: 'loss', data: live.loss, borderColor: COLORS[1], yAxisID: 'y' },
            { label: 'train accuracy', data: live.accuracy, borderColor: COLORS[0], yAxisID: 'y1' },
            { label: 'WRR', data: live.wrr, borderColor: COLORS[2], yAxisID: 'y1' },
          ],
        },
        options: titled('live (heartbeats)', { scales: { x: { title: { display: true, text: 'epoch' } }, y: { position: 'left' }, y1: { position: 'right', min: 0, max: 1 } } }),
      });
    } else if (d.closed) {
      $('#live-section').hidden = true;
    }
    showFinetuneLive(d.finetune);
    showDefectsLive(d.defects);
    if (d.progress?.error || (d.closed && d.status !== 'completed')) {
      $('#error-section').hidden = false;
      $('#run-error').textContent = d.progress?.error ?? `the run ${d.status}`;
    }
    if (d.status === 'completed' && !reportShown) {
      reportShown = true;
      showReport(id).catch((err) => flash(err.message));
    }
  }

  const first = await api(`/api/runs/${encodeURIComponent(id)}`).catch((err) => {
    flash(err.status === 404 ? `no run "${id}"` : err.message);
  });
  if (!first) return;
  render(first);
  if (!first.closed) {
    const follow = async () => {
      try {
        await sse(`/api/runs/${encodeURIComponent(id)}/events`, (event, data) => {
          if (event === 'progress') render(data);
          if (event === 'error') flash(data.error);
        });
      } catch (err) {
        flash(`live updates stopped: ${err.message}; retrying`);
        setTimeout(follow, 3000);
      }
    };
    follow();
  }
}

/** The finetuneModel heartbeat (run detail `finetune`, present while the stage runs): epoch, step, validation accuracy, ETA. */
function showFinetuneLive(h) {
  $('#finetune-live-section').hidden = !h;
  if (!h) return;
  $('#finetune-bar').style.width = `${(h.fraction * 100).toFixed(1)}%`;
  $('#finetune-live-text').textContent = [
    `epoch ${h.epoch + 1}/${h.epochs}${h.total > 0 ? `, step ${h.done}/${h.total}` : ''}`,
    h.loss === null || h.loss === undefined ? undefined : `loss ${h.loss.toFixed(4)} · train accuracy ${pct(h.accuracy)}`,
    h.valAccuracy !== undefined ? `validation ${pct(h.valAccuracy)}${h.startValAccuracy !== undefined ? ` (search's model ${pct(h.startValAccuracy)})` : ''}` : undefined,
    h.etaSeconds !== undefined ? `about ${dur(h.etaSeconds)} left` : undefined,
  ].filter(Boolean).join(' · ');
  document.body.dataset.finetuneStep = String(h.done);
}

const DEFECT_PHASES = { load: 'loading', reuse: 'reuse', finetune: 'fine-tuning', head: 'SeaM 1/3: new head', search: 'SeaM 2/3: mask search', retrain: 'SeaM 3/3: fine-tuning', evaluate: 'scoring', attack: 'attack' };

/** The evaluateDefects heartbeat (run detail `defects`, present while the stage runs): student, phase, bar, ETA of the phase. */
function showDefectsLive(h) {
  $('#defects-live-section').hidden = !h;
  if (!h) return;
  const n = h.method === 'standard' ? 1 : 2;
  // A phase without countable steps shows an empty bar and no count.
  $('#defects-bar').style.width = `${((h.fraction ?? 0) * 100).toFixed(1)}%`;
  $('#defects-live-text').textContent = [
    `${h.method === 'seam' ? 'SeaM' : 'standard'} reuse (student ${n} of 2) · ${DEFECT_PHASES[h.phase] ?? h.phase}${h.fraction !== undefined ? ` ${h.done}/${h.total}` : ''}`,
    h.note,
    h.etaSeconds !== undefined ? `about ${dur(h.etaSeconds)} left in this phase` : undefined,
  ].filter(Boolean).join(' · ');
  document.body.dataset.defectsPhase = `${h.method}/${h.phase}`;
}

async function showReport(id) {
  const r = await api(`/api/runs/${encodeURIComponent(id)}/report`);
  const history = r.search?.history ?? [];
  const epochs = history.map((h) => h.epoch + 1);
  $('#curves-section').hidden = history.length === 0;
  const line = (label, data, color, extra = {}) => ({ label, data, borderColor: color, backgroundColor: color, tension: 0.2, ...extra });
  chart('loss-chart', { type: 'line', data: { labels: epochs, datasets: [line('train loss', history.map((h) => h.trainLoss), COLORS[1])] }, options: titled('loss per epoch', { scales: { x: { title: { display: true, text: 'epoch' } } } }) });
  chart('accuracy-chart', {
    type: 'line',
    data: { labels: epochs, datasets: [line('train accuracy', history.map((h) => h.trainAccuracy), COLORS[0]), line('validation accuracy', history.map((h) => h.valAccuracy), COLORS[3])] },
    options: titled('accuracy per epoch', { scales: { x: { title: { display: true, text: 'epoch' } }, y: { min: 0, max: 1 } } }),
  });
  chart('wrr-chart', { type: 'line', data: { labels: epochs, datasets: [line('WRR (weights kept)', history.map((h) => h.wrr), COLORS[2])] }, options: titled('weight retention rate per epoch', { scales: { x: { title: { display: true, text: 'epoch' } }, y: { min: 0, max: 1 } } }) });

  const o = r.original;
  const e = r.reengineered;
  const c = r.export?.compact;
  $('#results-section').hidden = false;
  const row = (name, a, b, cc) => el('tr', {}, el('th', {}, name), el('td', { class: 'num' }, a), el('td', { class: 'num' }, b), el('td', { class: 'num' }, cc));
  $('#results-table tbody').replaceChildren(
    row('accuracy (target problem)', `${pct(o.accuracyRestricted)} restricted · ${pct(o.accuracy)}`, pct(e.accuracy), r.finetune ? `${pct(r.finetune.accuracy)} (fine-tuned)` : 'same as re-engineered'),
    row('weights kept (WRR)', '100%', pct(e.wrr), '–'),
    row('parameters', int(o.params), int(e.params), int(c?.params)),
    row('FLOPs', mflops(o.flops), mflops(e.flops), mflops(c?.flops)),
    row('model file', '–', '–', c?.fileBytes ? `${int(c.fileBytes)} B (${int(c.gzipBytes)} B gzip)` : '–'),
  );
  const bars = (cid, title, labels, values, fmt) =>
    chart(cid, {
      type: 'bar',
      data: { labels, datasets: [{ label: title, data: values, backgroundColor: [COLORS[5], COLORS[0], COLORS[2], COLORS[3]] }] },
      options: titled(title, { plugins: { legend: { display: false }, tooltip: { callbacks: { label: (ctx) => fmt(ctx.raw) } } } }),
    });
  bars('accuracy-bars', 'accuracy', ['original (restricted)', 're-engineered'], [o.accuracyRestricted ?? o.accuracy, e.accuracy], pct);
  bars('params-bars', 'parameters', ['original', 're-engineered (masked)', 'compact'], [o.params, e.params, c?.params ?? null], int);
  bars('flops-bars', 'FLOPs', ['original', 're-engineered (masked)', 'compact'], [o.flops, e.flops, c?.flops ?? null], mflops);
  const m = r.export?.masked;
  if (c?.fileBytes || m?.fileBytes) {
    $('#size-box').hidden = false;
    chart('size-bars', {
      type: 'bar',
      data: {
        labels: ['masked export', 'compact export'],
        datasets: [
          { label: 'file bytes', data: [m?.fileBytes ?? null, c?.fileBytes ?? null], backgroundColor: COLORS[0] },
          { label: 'gzip bytes', data: [m?.gzipBytes ?? null, c?.gzipBytes ?? null], backgroundColor: COLORS[2] },
        ],
      },
      options: titled('model file size (bytes)'),
    });
  }
  const lat = latencySeries(r);
  if (lat.length) {
    $('#latency-box').hidden = false;
    const sizes = [...new Set(lat.flatMap((s) => s.results.map((x) => x.batchSize)))].sort((a, b) => a - b);
    chart('latency-bars', {
      type: 'bar',
      data: {
        labels: sizes.map((b) => `batch ${b}`),
        datasets: lat.map((s, i) => ({ label: s.label, data: sizes.map((b) => s.results.find((x) => x.batchSize === b)?.medianMs ?? null), backgroundColor: [COLORS[5], COLORS[0], COLORS[2], COLORS[3]][i % 4] })),
      },
      options: titled(`inference latency, median ms${r.latency?.backend ? ` (${r.latency.backend})` : ''}`, { plugins: { tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label}: ${ms(ctx.raw)}` } } } }),
    });
    $('#results-table tbody').append(
      ...sizes.map((b) => {
        const at = (label) => ms(lat.find((s) => s.label === label)?.results.find((x) => x.batchSize === b)?.medianMs);
        return row(`latency, batch ${b}`, at('original'), at(lat.some((s) => s.label === 're-engineered') ? 're-engineered' : 'masked'), at('compact'));
      }),
    );
  }
  document.body.dataset.latencyShown = String(lat.length > 0);
  if (r.finetune) showFinetune(r.finetune);
  if (r.defects) showDefects(r.defects);

  const { artifacts } = await api(`/api/runs/${encodeURIComponent(id)}/artifacts`);
  $('#artifacts').replaceChildren(
    ...artifacts.map((a) =>
      el('li', {}, el('a', { href: '#', onclick: (ev) => (ev.preventDefault(), download(id, a.name)) }, a.name), a.size !== undefined ? ` (${int(a.size)} B)` : ''),
    ),
  );
  document.body.dataset.reportShown = 'true';
}

/** The report's finetune section: the search's model next to the fine-tuned one that was exported. */
function showFinetune(f) {
  $('#finetune-section').hidden = false;
  $('#finetune-text').textContent =
    f.selectedEpoch < 0
      ? `${f.settings.epochs} epoch(s) of fine-tuning (lr ${f.settings.lr}) did not beat the search's model on validation: it was kept.`
      : `${f.settings.epochs} epoch(s) of fine-tuning (lr ${f.settings.lr}), epoch ${f.selectedEpoch + 1} kept: ${f.gain >= 0 ? '+' : ''}${(f.gain * 100).toFixed(2)} points of test accuracy. The masked and compact exports are this model.`;
  const row = (name, a, b) => el('tr', {}, el('th', {}, name), el('td', { class: 'num' }, a), el('td', { class: 'num' }, b));
  $('#finetune-table tbody').replaceChildren(row('validation accuracy', pct(f.startValAccuracy), pct(f.valAccuracy)), row('test accuracy', pct(f.searchAccuracy), pct(f.accuracy)));
  document.body.dataset.finetuneShown = 'true';
}

/** The report's defects section: standard vs seam reuse, accuracy and DIR/ASR side by side. */
function showDefects(d) {
  $('#defects-section').hidden = false;
  const value = (x) => (typeof x === 'number' ? `${x.toFixed(2)}%` : '–');
  const what = d.measure === 'DIR' ? 'DIR (adversarial inputs that fool the student)' : 'ASR (triggered inputs classified as the target)';
  $('#defects-text').textContent =
    d.reduction === null || d.reduction === undefined
      ? `${d.attack} attack: standard reuse inherited no defects.`
      : `${d.attack} attack: SeaM reuse inherits ${d.reduction.toFixed(1)}% fewer defects than standard fine-tuning (lower ${d.measure} is better).`;
  const row = (name, a, b) => el('tr', {}, el('th', {}, name), el('td', { class: 'num' }, a), el('td', { class: 'num' }, b));
  $('#defects-table tbody').replaceChildren(
    row('accuracy (student, target problem)', pct(d.standard.accuracy), pct(d.seam.accuracy)),
    row(what, value(d.standard.value), value(d.seam.value)),
    row('weights kept (WRR)', '100%', pct(d.seam.wrr)),
  );
  chart('defects-bars', {
    type: 'bar',
    data: {
      labels: ['accuracy', d.measure],
      datasets: [
        { label: 'standard reuse', data: [d.standard.accuracy * 100, d.standard.value], backgroundColor: COLORS[5] },
        { label: 'SeaM reuse', data: [d.seam.accuracy * 100, d.seam.value], backgroundColor: COLORS[0] },
      ],
    },
    options: titled(`defect inheritance (${d.attack}), percent`, { scales: { y: { min: 0, max: 100 } }, plugins: { tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label}: ${value(ctx.raw)}` } } } }),
  });
  document.body.dataset.defectsShown = 'true';
}

/** Latency measurements in a report: `reengineer --direct --latency` (report.latency) or an export report (export.models.*.latency, export.*.latency). */
function latencySeries(r) {
  const out = [];
  const add = (label, results) => {
    if (Array.isArray(results) && results.length && !out.some((s) => s.label === label)) out.push({ label, results: results.filter((x) => typeof x?.medianMs === 'number') });
  };
  add('original', r.latency?.original);
  add('re-engineered', r.latency?.reengineered);
  for (const k of ['original', 'masked', 'compact']) add(k, r.export?.models?.[k]?.latency ?? r.export?.[k]?.latency);
  return out.filter((s) => s.results.length);
}

async function download(id, name) {
  const res = await fetch(`/api/runs/${encodeURIComponent(id)}/artifacts/${encodeURIComponent(name)}`, { headers: authHeaders() });
  if (!res.ok) return flash(`download failed: HTTP ${res.status}`);
  const url = URL.createObjectURL(await res.blob());
  const a = el('a', { href: url, download: `${id}-${name}` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// ---------- compare page ----------
async function comparePage() {
  const params = new URLSearchParams(location.search);
  const ids = (params.get('ids') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  $('#compare-ids').value = ids.join(',');
  $('#compare-form').addEventListener('submit', (e) => {
    e.preventDefault();
    location.href = `/compare?ids=${$('#compare-ids').value.split(',').map((s) => encodeURIComponent(s.trim())).filter(Boolean).join(',')}`;
  });
  if (ids.length === 0) return flash('pick two or more completed runs on the runs page, or type their ids above', true);
  const reports = await Promise.all(ids.map((id) => api(`/api/runs/${encodeURIComponent(id)}/report`).catch((err) => ({ error: err.message }))));
  const ok = ids.map((id, i) => ({ id, r: reports[i] })).filter((x) => !x.r.error);
  const bad = ids.map((id, i) => ({ id, r: reports[i] })).filter((x) => x.r.error);
  if (bad.length) flash(bad.map((b) => `${b.id}: ${b.r.error}`).join('\n'));
  $('#compare-table thead').replaceChildren(el('tr', {}, el('th', {}, ''), ...ok.map((x) => el('th', {}, el('a', { href: `/run?id=${encodeURIComponent(x.id)}` }, x.id)))));
  const metric = (name, f) => el('tr', {}, el('th', {}, name), ...ok.map((x) => el('td', { class: 'num' }, f(x.r))));
  $('#compare-table tbody').replaceChildren(
    metric('target', (r) => (r.target ? `${r.target.mode} [${r.target.classes.join(', ')}]` : '–')),
    metric('settings', (r) => (r.settings ? `${r.settings.granularity}, ${r.settings.head}, alpha ${r.settings.alpha}, ${r.settings.epochs} ep` : '–')),
    metric('original accuracy (restricted)', (r) => pct(r.original.accuracyRestricted ?? r.original.accuracy)),
    metric('re-engineered accuracy', (r) => pct(r.reengineered.accuracy)),
    metric('WRR', (r) => pct(r.reengineered.wrr)),
    metric('params original → compact', (r) => `${int(r.original.params)} → ${int(r.export?.compact?.params)}`),
    metric('FLOPs original → compact', (r) => `${mflops(r.original.flops)} → ${mflops(r.export?.compact?.flops)}`),
  );
  const labels = ok.map((x) => x.id);
  chart('compare-accuracy', {
    type: 'bar',
    data: {
      labels,
      datasets: [
        { label: 'original (restricted)', data: ok.map((x) => x.r.original.accuracyRestricted ?? x.r.original.accuracy), backgroundColor: COLORS[5] },
        { label: 're-engineered', data: ok.map((x) => x.r.reengineered.accuracy), backgroundColor: COLORS[0] },
        { label: 'WRR', data: ok.map((x) => x.r.reengineered.wrr), backgroundColor: COLORS[2] },
      ],
    },
    options: titled('accuracy and WRR', { scales: { y: { min: 0, max: 1 } } }),
  });
  chart('compare-size', {
    type: 'bar',
    data: {
      labels,
      datasets: [
        { label: 'original params', data: ok.map((x) => x.r.original.params), backgroundColor: COLORS[5] },
        { label: 'compact params', data: ok.map((x) => x.r.export?.compact?.params ?? null), backgroundColor: COLORS[2] },
      ],
    },
    options: titled('parameters'),
  });
  const maxEpochs = Math.max(0, ...ok.map((x) => x.r.search?.history?.length ?? 0));
  chart('compare-curves', {
    type: 'line',
    data: {
      labels: Array.from({ length: maxEpochs }, (_, i) => i + 1),
      datasets: ok.map((x, i) => ({ label: x.id, data: (x.r.search?.history ?? []).map((h) => h.valAccuracy), borderColor: COLORS[i % COLORS.length], backgroundColor: COLORS[i % COLORS.length] })),
    },
    options: titled('validation accuracy per epoch', { scales: { x: { title: { display: true, text: 'epoch' } }, y: { min: 0, max: 1 } } }),
  });
}

// ---------- schedules page ----------
// A valid zoo document to edit (the format of examples/zoo.json), for the schedule and start-zoo forms.
const ZOO_TEMPLATE = JSON.stringify(
  {
    name: 'nightly',
    datasets: { cifar10: 'cifar10:/data/cifar10' },
    models: [{ name: 'my-model', path: '/path/to/model', dataset: 'cifar10' }],
    targets: [{ name: 'class-1', mode: 'binary', classes: [1] }],
    settings: { epochs: 10 },
    concurrency: 1,
  },
  null,
  2,
);

async function schedulesPage() {
  const form = $('#schedule-form');
  form.elements.zoo.value = ZOO_TEMPLATE;
  async function refresh() {
    const { schedules } = await api('/api/schedules');
    const act = (name, action, method = 'POST') =>
      el('button', {
        'data-action': action,
        onclick: async () => {
          if (action === 'delete' && !confirm(`Delete schedule ${name}? Runs it started keep going.`)) return;
          try {
            await api(`/api/schedules/${encodeURIComponent(name)}${action === 'delete' ? '' : `/${action}`}`, { method });
            flash(`schedule ${name}: ${action} done`, true);
            await refresh();
          } catch (err) {
            flash(err.message);
          }
        },
      }, action);
    $('#schedules-table tbody').replaceChildren(
      ...schedules.map((s) =>
        el(
          'tr',
          { 'data-schedule': s.name },
          el('td', {}, s.name),
          el('td', {}, badge(s.paused ? 'paused' : 'active')),
          el('td', {}, s.cron ?? '–'),
          el('td', {}, s.zoo ?? '–'),
          el('td', {}, when(s.next)),
          el('td', {}, ...s.recentRuns.slice(-3).map((id) => el('div', {}, id))),
          el('td', {}, act(s.name, s.paused ? 'unpause' : 'pause'), ' ', act(s.name, 'trigger'), ' ', act(s.name, 'delete', 'DELETE')),
        ),
      ),
    );
    $('#schedules-empty').hidden = schedules.length > 0;
  }
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    for (const i of form.querySelectorAll('.invalid')) i.classList.remove('invalid');
    const f = form.elements;
    try {
      await api('/api/schedules', { method: 'POST', body: { name: f.name.value.trim(), cron: f.cron.value.trim(), zoo: f.zoo.value, note: f.note.value.trim() || undefined, paused: f.paused.checked } });
      flash(`schedule ${f.name.value} created`, true);
      await refresh();
    } catch (err) {
      if (err.body?.field) form.querySelector(`[name="${CSS.escape(err.body.field)}"]`)?.classList.add('invalid');
      flash(err.message);
    }
  });
  await refresh();
}

// ---------- zoo pages ----------
const zooProgressText = (p) => (p ? `${p.completed + p.failed} of ${p.total} done (${p.completed} completed, ${p.failed} failed), ${p.running} running` : '–');

async function zoosPage() {
  async function refresh() {
    const { zoos } = await api('/api/zoos?limit=100');
    $('#zoos-table tbody').replaceChildren(
      ...zoos.map((z) => {
        const seconds = z.closedAt ? (Date.parse(z.closedAt) - Date.parse(z.startedAt)) / 1000 : (Date.now() - Date.parse(z.startedAt)) / 1000;
        return el(
          'tr',
          { 'data-zoo': z.id },
          el('td', {}, el('a', { href: `/zoo?id=${encodeURIComponent(z.id)}` }, z.id)),
          el('td', {}, z.name ?? '–'),
          el('td', {}, badge(z.status)),
          el('td', {}, when(z.startedAt)),
          el('td', { class: 'num' }, dur(seconds)),
          el('td', {}, z.summary ? `${z.summary.completed} of ${z.summary.total} completed, ${z.summary.failed} failed` : zooProgressText(z.progress)),
        );
      }),
    );
    $('#zoos-empty').hidden = zoos.length > 0;
  }
  await refresh();
  setInterval(() => refresh().catch((e) => flash(e.message)), 5000);
  await startZooForm();
}

/** The "start a zoo run" form: the dashboard's --zoo file or a pasted zoo document; lands on the new zoo's page. */
async function startZooForm() {
  const form = $('#zoo-form');
  const f = form.elements;
  const { zoo } = await api('/api/models');
  if (zoo) $('#zoo-source-file').textContent = `the dashboard's zoo file: ${zoo.name}`;
  else $('#zoo-source-file').remove(); // started without --zoo FILE: a document is the only source
  f.source.value = zoo ? 'file' : 'document';
  f.zoo.value = ZOO_TEMPLATE;
  const showDocument = () => ($('#zoo-document').hidden = f.source.value !== 'document');
  f.source.addEventListener('change', showDocument);
  showDocument();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    for (const i of form.querySelectorAll('.invalid')) i.classList.remove('invalid');
    const body = {
      zoo: f.source.value === 'document' ? f.zoo.value : undefined,
      runId: f.runId.value.trim() || undefined,
      epochs: f.epochs.value || undefined,
      concurrency: f.concurrency.value || undefined,
    };
    $('#start-zoo').disabled = true;
    try {
      const started = await api('/api/zoos', { method: 'POST', body });
      location.href = `/zoo?id=${encodeURIComponent(started.id)}`;
    } catch (err) {
      if (err.body?.field) form.querySelector(`[name="${CSS.escape(err.body.field)}"]`)?.classList.add('invalid');
      flash(err.message);
      $('#start-zoo').disabled = false;
    }
  });
}

async function zooPage() {
  const id = new URLSearchParams(location.search).get('id');
  if (!id) return flash('no zoo run id in the address (?id=...); see the zoo runs list');
  $('#zoo-id').textContent = id;
  document.title = `seamflow · zoo ${id}`;
  const cfg = await api('/api/config');
  if (cfg.temporalUiUrl) {
    const a = $('#temporal-link');
    a.href = `${cfg.temporalUiUrl}/namespaces/${encodeURIComponent(cfg.namespace)}/workflows/${encodeURIComponent(id)}`;
    a.hidden = false;
  }
  let shown = false;
  async function refresh() {
    const z = await api(`/api/zoos/${encodeURIComponent(id)}`);
    document.body.dataset.zooStatus = z.status;
    $('#zoo-name').textContent = z.name ?? '';
    $('#zoo-status').replaceChildren(badge(z.status));
    const p = z.progress;
    const s = z.leaderboard?.summary;
    const total = s?.total ?? p?.total ?? 0;
    const done = s ? s.completed + s.failed : p ? p.completed + p.failed : 0;
    $('#zoo-bar').style.width = `${total ? ((done / total) * 100).toFixed(1) : 0}%`;
    $('#zoo-progress-text').textContent = s
      ? `${s.completed} of ${s.total} completed, ${s.failed} failed${p ? `; at most ${p.maxRunning} child runs at once` : ''}`
      : `${zooProgressText(p)}${p?.status === 'writing-leaderboard' ? ' · writing the leaderboard' : ''}`;
    $('#zoo-running').replaceChildren(...(p?.runningIds ?? []).map((rid) => el('li', {}, 'running: ', el('a', { href: `/run?id=${encodeURIComponent(rid)}` }, rid))));
    if (z.leaderboard && !shown) {
      shown = true;
      showLeaderboard(z.leaderboard);
    }
    return z;
  }
  const first = await refresh().catch((err) => flash(err.status === 404 ? `no zoo run "${id}"` : err.message));
  if (!first) return;
  if (!first.closed || !first.leaderboard) {
    const timer = setInterval(async () => {
      try {
        const z = await refresh();
        if (z.closed && (z.leaderboard || z.status !== 'completed')) clearInterval(timer);
      } catch (err) {
        flash(err.message);
      }
    }, 2000);
  }
}

function showLeaderboard(board) {
  const rows = board.rows;
  $('#zoo-results-section').hidden = false;
  $('#zoo-table tbody').replaceChildren(
    ...rows.map((r) =>
      el(
        'tr',
        { 'data-row': `${r.model}/${r.target}` },
        el('td', {}, r.model),
        el('td', {}, r.workflowId ? el('a', { href: `/run?id=${encodeURIComponent(r.workflowId)}` }, r.target) : r.target),
        el('td', {}, r.classes ? `${r.mode ?? ''} [${r.classes.join(', ')}]` : '–'),
        el('td', { title: r.error ?? '' }, badge(r.status)),
        el('td', { class: 'num' }, pct(r.originalAccuracy)),
        el('td', { class: 'num' }, pct(r.accuracy)),
        el('td', { class: 'num' }, pct(r.wrr)),
        el('td', { class: 'num' }, int(r.compactParams)),
        el('td', { class: 'num' }, pct(r.paramsRatio)),
        el('td', { class: 'num' }, pct(r.flopsRatio)),
        el('td', { class: 'num' }, dur(r.seconds)),
      ),
    ),
  );
  const labels = rows.map((r) => `${r.model} / ${r.target}`);
  const val = (k) => rows.map((r) => (typeof r[k] === 'number' ? r[k] : null));
  chart('zoo-accuracy-bars', {
    type: 'bar',
    data: {
      labels,
      datasets: [
        { label: 'original accuracy', data: val('originalAccuracy'), backgroundColor: COLORS[5] },
        { label: 're-engineered accuracy', data: val('accuracy'), backgroundColor: COLORS[0] },
        { label: 'WRR (weights kept)', data: val('wrr'), backgroundColor: COLORS[2] },
      ],
    },
    options: titled('per model x target: accuracy and WRR', { scales: { y: { min: 0, max: 1 } }, plugins: pctTooltip() }),
  });
  chart('zoo-size-bars', {
    type: 'bar',
    data: {
      labels,
      datasets: [
        { label: 'compact params / original', data: val('paramsRatio'), backgroundColor: COLORS[3] },
        { label: 'compact FLOPs / original', data: val('flopsRatio'), backgroundColor: COLORS[4] },
      ],
    },
    options: titled('per model x target: compact export size (fraction of the original)', { scales: { y: { min: 0, suggestedMax: 1 } }, plugins: pctTooltip() }),
  });
  document.body.dataset.leaderboardShown = 'true';
}

// ---------- start ----------
const PAGES = { index: runsPage, new: newRunPage, run: runPage, compare: comparePage, schedules: schedulesPage, zoos: zoosPage, zoo: zooPage };
(async () => {
  try {
    await setupToken();
    if (health.auth && !token()) return;
    await PAGES[document.body.dataset.page]?.();
    document.body.dataset.ready = 'true';
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) flash(err.message);
  }
})();
