// The dashboard: one self-contained page (no CDN, no build step). It subscribes to
// /api/stream (server-sent events, a full state each time) and draws with <canvas>. After each
// draw a chart records how many data points it drew in `data-points`, and <body> counts updates
// in `data-updates`: what the browser test waits for. The script avoids template literals so
// this file can hold it in one.

const STYLE = `
body { font: 14px system-ui, sans-serif; margin: 16px; color: #1b1f24; background: #f6f8fa; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 15px; margin: 18px 0 6px; }
#status { color: #57606a; margin-bottom: 8px; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
.chart { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: 8px; }
table { border-collapse: collapse; background: #fff; font-size: 12px; }
th, td { border: 1px solid #d0d7de; padding: 3px 6px; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
#alerts li { margin: 2px 0; } #alerts .rule { font-weight: 600; color: #cf222e; }
.legend span { display: inline-block; margin-right: 10px; } .legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
`;

const SCRIPT = `
var COLORS = ['#0969da', '#cf222e', '#1a7f37', '#8250df', '#bc4c00', '#0550ae', '#d4a72c', '#57606a', '#e16f24', '#116329', '#a475f9'];
var updates = 0;
function colorOf(i) { return COLORS[i % COLORS.length]; }
function fmt(v, d) { return Number(v).toFixed(d); }
function drawChart(canvas, lines, unit) {
  var ctx = canvas.getContext('2d'), w = canvas.width, h = canvas.height, pad = 44, n = 0;
  ctx.clearRect(0, 0, w, h); ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, w, h);
  var xs = [], ymax = 0;
  lines.forEach(function (l) { l.points.forEach(function (p) { xs.push(p.x); ymax = Math.max(ymax, p.y); }); });
  ctx.strokeStyle = '#8c959f'; ctx.beginPath(); ctx.moveTo(pad, 8); ctx.lineTo(pad, h - 24); ctx.lineTo(w - 8, h - 24); ctx.stroke();
  ctx.fillStyle = '#57606a'; ctx.font = '11px system-ui';
  if (xs.length === 0) { ctx.fillText('no events yet', w / 2 - 30, h / 2); canvas.dataset.points = '0'; return; }
  var xmin = Math.min.apply(null, xs), xmax = Math.max.apply(null, xs); if (xmax === xmin) { xmax = xmin + 1000; xmin -= 1000; }
  ymax = ymax > 0 ? ymax * 1.1 : 1;
  function X(x) { return pad + (x - xmin) / (xmax - xmin) * (w - pad - 8); }
  function Y(y) { return h - 24 - y / ymax * (h - 32); }
  for (var t = 0; t <= 4; t++) { var v = ymax * t / 4; ctx.fillText(fmt(v, v < 10 ? 2 : 0), 2, Y(v) + 4); }
  ctx.fillText(new Date(xmin).toLocaleTimeString(), pad, h - 8); ctx.fillText(new Date(xmax).toLocaleTimeString(), w - 70, h - 8);
  ctx.fillText(unit, pad + 4, 16);
  lines.forEach(function (l) {
    ctx.strokeStyle = l.color; ctx.fillStyle = l.color; ctx.lineWidth = l.dashed ? 1 : 2; ctx.setLineDash(l.dashed ? [4, 3] : []);
    ctx.beginPath();
    l.points.forEach(function (p, i) { if (i === 0) ctx.moveTo(X(p.x), Y(p.y)); else ctx.lineTo(X(p.x), Y(p.y)); n++; });
    ctx.stroke(); if (l.points.length === 1) { ctx.beginPath(); ctx.arc(X(l.points[0].x), Y(l.points[0].y), 3, 0, 7); ctx.fill(); }
  });
  ctx.setLineDash([]); canvas.dataset.points = String(n);
}
function legend(el, series) {
  el.textContent = '';
  series.forEach(function (s, i) { var sp = document.createElement('span'), sw = document.createElement('i'); sw.style.background = colorOf(i); sp.appendChild(sw); sp.appendChild(document.createTextNode(s.operation)); el.appendChild(sp); });
}
function cell(tr, text, numeric) { var td = document.createElement('td'); td.textContent = text; if (numeric) td.className = 'n'; tr.appendChild(td); }
function render(state) {
  var c = state.consumer;
  document.getElementById('status').textContent = 'consumer ' + c.name + ' on ' + c.stream + (c.partition === '0/1' ? '' : ' (partition ' + c.partition + ', ' + c.skipped + ' events of other partitions)') + ': ' + c.applied + ' events applied, ' + c.redelivered + ' redelivered, ' + c.duplicate + ' duplicates, ' + c.invalid + ' invalid; ' + c.stream_pending + ' waiting; ' + c.open_streams + ' open upsert streams; updated ' + new Date(state.generated_at).toLocaleTimeString();
  var thr = [], lat = [];
  state.series.forEach(function (s, i) {
    thr.push({ color: colorOf(i), points: s.points.map(function (p) { return { x: p.t, y: p.ops }; }) });
    lat.push({ color: colorOf(i), points: s.points.map(function (p) { return { x: p.t, y: p.mean_ms }; }) });
    lat.push({ color: colorOf(i), dashed: true, points: s.points.map(function (p) { return { x: p.t, y: p.max_ms }; }) });
  });
  drawChart(document.getElementById('throughput'), thr, 'ops/s');
  drawChart(document.getElementById('latency'), lat, 'ms (mean solid, max dashed)');
  legend(document.getElementById('legend'), state.series);
  var body = document.getElementById('summaries'); body.textContent = '';
  state.summaries.forEach(function (s) {
    var tr = document.createElement('tr'), l = s.latency_ms;
    cell(tr, s.window_start ? new Date(s.window_start).toLocaleTimeString() : 'cumulative');
    cell(tr, s.operation); cell(tr, s.tenant_id || '-'); cell(tr, s.collection || '-');
    cell(tr, s.operations, true); cell(tr, fmt(s.error_rate * 100, 2), true); cell(tr, fmt(s.ops_per_s, 1), true);
    cell(tr, fmt(s.points_per_s, 0), true); cell(tr, fmt(s.mb_per_s, 2), true);
    [l.min, l.mean, l.p50, l.p95, l.p99, l.max].forEach(function (v) { cell(tr, fmt(v, 2), true); });
    body.appendChild(tr);
  });
  var alerts = document.getElementById('alerts'); alerts.textContent = '';
  if (state.alerts.length === 0) { var none = document.createElement('li'); none.textContent = 'none'; alerts.appendChild(none); }
  state.alerts.forEach(function (a) {
    var li = document.createElement('li'), b = document.createElement('span'); b.className = 'rule'; b.textContent = a.rule + ' ';
    li.appendChild(b); li.appendChild(document.createTextNode(new Date(a.fired_at).toLocaleTimeString() + ' ' + a.message)); alerts.appendChild(li);
  });
  updates++; document.body.dataset.updates = String(updates);
}
var source = new EventSource('api/stream');
source.onmessage = function (e) { render(JSON.parse(e.data)); };
`;

/** The dashboard page. */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>VectorAdmin metrics</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head>
<body data-updates="0">
<h1>VectorAdmin operations</h1><div id="status">connecting...</div>
<div class="legend" id="legend"></div>
<div class="charts">
<div class="chart"><h2>Throughput per operation</h2><canvas id="throughput" width="560" height="220"></canvas></div>
<div class="chart"><h2>Latency per operation</h2><canvas id="latency" width="560" height="220"></canvas></div>
</div>
<h2>Summaries (cumulative and latest window)</h2>
<table><thead><tr><th>window</th><th>operation</th><th>tenant</th><th>collection</th><th>ops</th><th>err %</th><th>ops/s</th><th>points/s</th><th>MB/s</th><th>min ms</th><th>mean ms</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>max ms</th></tr></thead><tbody id="summaries"></tbody></table>
<h2>Recent alerts</h2><ul id="alerts"></ul>
<script>${SCRIPT}</script>
</body></html>
`;
