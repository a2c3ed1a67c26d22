import type { DashboardView } from './dashboard-view.js';

// The dashboard: one self-contained page (no CDN, no build step). Live, it subscribes to
// /api/stream with the query in its own URL (server-sent events, a DashboardView each time);
// as /snapshot it draws the view embedded in it once and opens no connection. It draws with
// <canvas>; after each draw a chart records how many data points it drew in `data-points` and
// which colour each operation got in `data-colors`, and <body> counts draws in `data-updates`:
// what the browser test waits for. The script avoids template literals so this file can hold
// it in one.

/** The dashboard's look, shared by its pages. */
export const DASHBOARD_STYLE = `
body { font: 14px system-ui, sans-serif; margin: 16px; color: #1b1f24; background: #f6f8fa; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 15px; margin: 18px 0 6px; }
#status, #figures { color: #57606a; margin-bottom: 8px; }
#controls { margin: 8px 0; } #controls label { margin-right: 12px; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
.chart { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: 8px; }
table { border-collapse: collapse; background: #fff; font-size: 12px; }
th, td { border: 1px solid #d0d7de; padding: 3px 6px; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.current td { font-weight: 600; } tr.errors td { background: #fff8c5; } tr.server-errors td { background: #ffebe9; }
#probe.failing { color: #cf222e; font-weight: 600; }
#alerts li { margin: 2px 0; } #alerts .rule { font-weight: 600; color: #cf222e; }
.legend span, #p99 span { display: inline-block; margin-right: 10px; } .legend i, #p99 i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
`;

const SCRIPT = `
var updates = 0, source;
function fmt(v, d) { return Number(v).toFixed(d); }
function time(iso) { return new Date(iso).toISOString().slice(11, 19); }
function drawChart(canvas, lines, unit) {
  var ctx = canvas.getContext('2d'), w = canvas.width, h = canvas.height, pad = 44, n = 0, colors = {};
  ctx.clearRect(0, 0, w, h); ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, w, h);
  var xs = [], ymax = 0;
  lines.forEach(function (l) { l.points.forEach(function (p) { xs.push(p.x); ymax = Math.max(ymax, p.y); }); });
  ctx.strokeStyle = '#8c959f'; ctx.beginPath(); ctx.moveTo(pad, 8); ctx.lineTo(pad, h - 24); ctx.lineTo(w - 8, h - 24); ctx.stroke();
  ctx.fillStyle = '#57606a'; ctx.font = '11px system-ui';
  if (xs.length === 0) { ctx.fillText('no events in this range', w / 2 - 50, h / 2); canvas.dataset.points = '0'; canvas.dataset.colors = '{}'; return; }
  var xmin = Math.min.apply(null, xs), xmax = Math.max.apply(null, xs); if (xmax === xmin) { xmax = xmin + 1000; xmin -= 1000; }
  ymax = ymax > 0 ? ymax * 1.1 : 1;
  function X(x) { return pad + (x - xmin) / (xmax - xmin) * (w - pad - 8); }
  function Y(y) { return h - 24 - y / ymax * (h - 32); }
  for (var t = 0; t <= 4; t++) { var v = ymax * t / 4; ctx.fillText(fmt(v, v < 10 ? 2 : 0), 2, Y(v) + 4); }
  ctx.fillText(time(new Date(xmin).toISOString()), pad, h - 8); ctx.fillText(time(new Date(xmax).toISOString()), w - 70, h - 8);
  ctx.fillText(unit, pad + 4, 16);
  lines.forEach(function (l) {
    if (l.points.length === 0) return;
    colors[l.operation] = l.color;
    ctx.strokeStyle = l.color; ctx.fillStyle = l.color; ctx.lineWidth = l.dashed ? 1 : 2; ctx.setLineDash(l.dashed ? [4, 3] : []);
    ctx.beginPath();
    l.points.forEach(function (p, i) { if (i === 0) ctx.moveTo(X(p.x), Y(p.y)); else ctx.lineTo(X(p.x), Y(p.y)); n++; });
    ctx.stroke(); if (l.points.length === 1) { ctx.beginPath(); ctx.arc(X(l.points[0].x), Y(l.points[0].y), 3, 0, 7); ctx.fill(); }
  });
  ctx.setLineDash([]); canvas.dataset.points = String(n); canvas.dataset.colors = JSON.stringify(colors);
}
function swatch(el, op, color, text) {
  var sp = document.createElement('span'), sw = document.createElement('i');
  sw.style.background = color; sp.dataset.op = op; sp.dataset.color = color;
  sp.appendChild(sw); sp.appendChild(document.createTextNode(text)); el.appendChild(sp);
}
function cell(tr, text, numeric) { var td = document.createElement('td'); td.textContent = text; if (numeric) td.className = 'n'; tr.appendChild(td); }
function options(select, values, chosen) {
  select.textContent = '';
  [''].concat(values).forEach(function (v) { var o = document.createElement('option'); o.value = v; o.textContent = v === '' ? 'all' : v; o.selected = v === (chosen || ''); select.appendChild(o); });
}
function render(view) {
  var c = view.consumer, q = view.query;
  document.getElementById('status').textContent = 'consumer ' + c.name + ' on ' + c.stream + (c.partition === '0/1' ? '' : ' (partition ' + c.partition + ', ' + c.skipped + ' events of other partitions)') + ': ' + c.applied + ' events applied, ' + c.redelivered + ' redelivered, ' + c.duplicate + ' duplicates, ' + c.invalid + ' invalid; ' + c.stream_pending + ' waiting; ' + c.open_streams + ' open upsert streams (' + c.streams_ended_by_restart + ' ended by a service restart); as of ' + time(view.as_of) + ' UTC';
  document.getElementById('ingest').textContent = fmt(view.ingest_vectors_per_s, 1);
  var pr = view.probe, probe = document.getElementById('probe');
  probe.textContent = pr ? '; performance probe: ' + pr.runs + ' runs, ' + pr.errors + ' failed, last ' + fmt(pr.last_ms, 0) + ' ms at ' + time(pr.last_at) : '';
  probe.className = pr && pr.errors > 0 ? 'failing' : '';
  document.getElementById('range').value = q.range;
  options(document.getElementById('tenant'), view.tenants, q.tenant);
  options(document.getElementById('collection'), view.collections, q.collection);
  document.getElementById('snapshot').href = 'snapshot' + location.search;
  var p99 = document.getElementById('p99'); p99.textContent = '';
  view.p99_ms.forEach(function (p) { swatch(p99, p.operation, view.colors[p.operation], p.operation + ' ' + fmt(p.p99_ms, 2) + ' ms'); });
  if (view.p99_ms.length === 0) p99.textContent = 'no operations in the current window';
  var thr = [], lat = [], legend = document.getElementById('legend'); legend.textContent = '';
  var perSecond = 1000 / view.series_bucket_ms;
  var scope = (q.tenant ? 'tenant ' + q.tenant : 'all tenants') + (q.collection ? ', ' + q.collection : '') + ', per ' + (view.series_bucket_ms === 1000 ? 'second' : 'minute');
  document.getElementById('throughput-scope').textContent = scope; document.getElementById('latency-scope').textContent = scope;
  view.series.forEach(function (s) {
    var color = view.colors[s.operation];
    if (s.points.length > 0) swatch(legend, s.operation, color, s.operation);
    thr.push({ operation: s.operation, color: color, points: s.points.map(function (p) { return { x: p.t, y: p.ops * perSecond }; }) });
    lat.push({ operation: s.operation, color: color, points: s.points.map(function (p) { return { x: p.t, y: p.mean_ms }; }) });
    lat.push({ operation: s.operation, color: color, dashed: true, points: s.points.map(function (p) { return { x: p.t, y: p.max_ms }; }) });
  });
  drawChart(document.getElementById('throughput'), thr, 'ops/s');
  drawChart(document.getElementById('latency'), lat, 'ms (mean solid, max dashed)');
  var body = document.getElementById('summaries'); body.textContent = '';
  var current = view.rows.length > 0 && view.rows[0].scope === 'window' ? view.rows[0].window_start : undefined;
  view.rows.forEach(function (s) {
    var tr = document.createElement('tr'), l = s.latency_ms;
    tr.className = (s.window_start !== undefined && s.window_start === current ? 'current ' : '') + (s.server_errors > 0 ? 'server-errors' : s.errors > 0 ? 'errors' : 'ok');
    tr.dataset.tenant = s.tenant_id; tr.dataset.collection = s.collection; tr.dataset.operation = s.operation;
    cell(tr, s.window_start ? time(s.window_start) : 'cumulative');
    cell(tr, s.operation); cell(tr, s.tenant_id || '-'); cell(tr, s.collection || '-');
    cell(tr, s.operations, true); cell(tr, fmt(s.error_rate * 100, 2), true); cell(tr, fmt(s.ops_per_s, 1), true);
    cell(tr, fmt(s.points_per_s, 0), true); cell(tr, fmt(s.mb_per_s, 2), true);
    [l.min, l.mean, l.p50, l.p95, l.p99, l.max].forEach(function (v) { cell(tr, fmt(v, 2), true); });
    body.appendChild(tr);
  });
  var alerts = document.getElementById('alerts'); alerts.textContent = '';
  if (view.alerts.length === 0) { var none = document.createElement('li'); none.textContent = 'none'; alerts.appendChild(none); }
  view.alerts.forEach(function (a) {
    var li = document.createElement('li'), b = document.createElement('span'); b.className = 'rule'; b.textContent = a.rule + ' ';
    li.appendChild(b); li.appendChild(document.createTextNode(time(a.fired_at) + ' ' + a.message)); alerts.appendChild(li);
  });
  updates++; document.body.dataset.updates = String(updates);
}
function connect() {
  if (source) source.close();
  source = new EventSource('api/stream' + location.search);
  source.onmessage = function (e) { render(JSON.parse(e.data)); };
}
function choose() {
  var params = new URLSearchParams();
  ['range', 'tenant', 'collection'].forEach(function (id) { var v = document.getElementById(id).value; if (v !== '') params.set(id, v); });
  if (document.getElementById('tenant').value === '') params.delete('collection');
  history.replaceState(null, '', '?' + params.toString());
  connect();
}
if (window.SNAPSHOT) {
  document.body.dataset.mode = 'snapshot';
  document.querySelectorAll('#controls select').forEach(function (s) { s.disabled = true; });
  render(window.SNAPSHOT);
} else {
  document.body.dataset.mode = 'live';
  document.querySelectorAll('#controls select').forEach(function (s) { s.onchange = choose; });
  connect();
}
`;

function page(snapshot: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>VectorAdmin metrics</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${DASHBOARD_STYLE}</style></head>
<body data-updates="0">
<h1>VectorAdmin operations</h1><div id="status">connecting...</div>
<div id="controls">
<label>range <select id="range"><option value="5m">last 5 min</option><option value="1h">last hour</option><option value="all">all</option></select></label>
<label>tenant <select id="tenant"></select></label>
<label>collection <select id="collection"></select></label>
<a id="snapshot" href="snapshot">snapshot</a> <a id="collections-link" href="collections">collections by tenant</a>
</div>
<div id="figures">ingest <b id="ingest">0</b> vectors/s; p99 per operation (current window, rows shown together): <span id="p99"></span><span id="probe"></span></div>
<div class="legend" id="legend"></div>
<div class="charts">
<div class="chart"><h2>Throughput per operation (<span id="throughput-scope"></span>)</h2><canvas id="throughput" width="560" height="220"></canvas></div>
<div class="chart"><h2>Latency per operation (<span id="latency-scope"></span>)</h2><canvas id="latency" width="560" height="220"></canvas></div>
</div>
<h2>Summaries (current window first, by activity)</h2>
<table><thead><tr><th>window</th><th>operation</th><th>tenant</th><th>collection</th><th>ops</th><th>err %</th><th>ops/s</th><th>points/s</th><th>MB/s</th><th>min ms</th><th>mean ms</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>max ms</th></tr></thead><tbody id="summaries"></tbody></table>
<h2>Recent alerts</h2><ul id="alerts"></ul>
${snapshot}<script>${SCRIPT}</script>
</body></html>
`;
}

/** The live dashboard page. */
export const DASHBOARD_HTML = page('');

/** The page drawing `view` once, with no live connection: for screenshots and archives. */
export function snapshotHtml(view: DashboardView): string {
  // `<` escaped: a collection name must not be able to close the script element.
  const json = JSON.stringify(view).replace(/</g, '\\u003c');
  return page(`<script>window.SNAPSHOT = ${json};</script>`);
}
