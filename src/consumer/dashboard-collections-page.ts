import { DASHBOARD_STYLE } from './dashboard-page.js';

// The dashboard's collections page: one self-contained page (no CDN, no build step) that asks
// api/collections for the DescribeCollections page its URL names (sort, tenant, page_size,
// page_token) and draws it as a table grouped by tenant. Choosing a sort, a tenant or the next
// page changes the URL (so Back and a bookmark work) and asks again; the page does not poll,
// since collections change slowly and every answer is a call to the service. <body> counts
// answers drawn in `data-loads`: what the browser test waits for. The script avoids template
// literals so this file can hold it in one.

const STYLE = `
#error { background: #ffebe9; border: 1px solid #cf222e; border-radius: 6px; padding: 8px 12px; margin: 8px 0; }
#error b { color: #cf222e; } #error div { margin-top: 4px; }
#collections td { white-space: nowrap; }
tr.tenant th { text-align: left; background: #eaeef2; font-size: 13px; }
td.green::before, td.yellow::before, td.red::before { content: '\\25CF  '; }
td.green::before { color: #1a7f37; } td.yellow::before { color: #bf8700; } td.red::before { color: #cf222e; }
#pager { margin: 8px 0; } #pager a { margin-right: 12px; }
`;

const SCRIPT = `
var loads = 0, current;
function num(v) { return v === undefined ? 0 : Number(v); }
function short(v, prefix) { return (v || '').replace(prefix, '').toLowerCase(); }
function bytesOf(r) {
  var s = r.storage || {};
  if (s.diskBytes !== undefined) return Number(s.diskBytes);
  if (s.vectorsBytes === undefined && s.payloadsBytes === undefined) return undefined;
  return num(s.vectorsBytes) + num(s.payloadsBytes);
}
function human(n) {
  if (n === undefined) return '';
  var units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'], i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? String(n) : n.toFixed(1)) + ' ' + units[i];
}
function when(iso) { return iso ? iso.slice(0, 19).replace('T', ' ') : ''; }
function cell(tr, text, cls, title) {
  var td = document.createElement('td'); td.textContent = text;
  if (cls) td.className = cls; if (title) td.title = title; tr.appendChild(td);
}
function href(changes) {
  var params = new URLSearchParams(location.search);
  Object.keys(changes).forEach(function (k) { if (changes[k] === '') params.delete(k); else params.set(k, changes[k]); });
  var text = params.toString(); return text === '' ? 'collections' : '?' + text;
}
function go(changes) { history.pushState(null, '', href(changes)); load(); }
function anchor(text, changes) {
  var a = document.createElement('a'); a.textContent = text; a.href = href(changes);
  a.onclick = function (e) { e.preventDefault(); go(changes); }; return a;
}
function render(view) {
  var q = view.query || {}, body = document.getElementById('collections'), error = document.getElementById('error');
  current = view; body.textContent = '';
  document.getElementById('sort').value = q.sort || 'table';
  var sizes = document.getElementById('page-size'), size = q.page_size ? String(q.page_size) : '';
  if (![].some.call(sizes.options, function (o) { return o.value === size; })) { var o = document.createElement('option'); o.value = size; o.textContent = size; sizes.appendChild(o); }
  sizes.value = size;
  var scope = document.getElementById('scope'); scope.textContent = '';
  if (q.tenant) { scope.appendChild(document.createTextNode('tenant ' + q.tenant + ' ')); scope.appendChild(anchor('all tenants', { tenant: '', page_token: '' })); }
  else scope.textContent = 'all tenants';
  var pager = document.getElementById('pager'); pager.textContent = '';
  if (!view.ok) {
    error.hidden = false; error.dataset.status = view.error.status;
    document.getElementById('error-message').textContent = view.error.message;
    document.getElementById('error-fix').textContent = view.error.fix;
    document.getElementById('status').textContent = 'no collections: the service at ' + view.service + ' did not answer (' + view.error.status + ') at ' + when(view.as_of) + ' UTC';
  } else {
    error.hidden = true; delete error.dataset.status;
    var shown = 0;
    view.tenants.forEach(function (group) {
      var head = document.createElement('tr'), th = document.createElement('th'), points = 0;
      group.collections.forEach(function (r) { points += num(r.pointsCount); });
      head.className = 'tenant'; head.dataset.tenant = group.tenant_id; th.colSpan = 13;
      th.appendChild(anchor(group.tenant_id, { tenant: group.tenant_id, page_token: '' }));
      th.appendChild(document.createTextNode(' ' + group.collections.length + (group.collections.length === 1 ? ' table' : ' tables') + ', ' + points + ' points on this page'));
      head.appendChild(th); body.appendChild(head);
      group.collections.forEach(function (r) {
        var tr = document.createElement('tr'), s = r.storage || {}, a = r.activity, bytes = bytesOf(r);
        tr.className = 'row'; tr.dataset.tenant = r.tenantId || ''; tr.dataset.table = r.table || '';
        cell(tr, r.table || '');
        cell(tr, r.tenancy === 'TENANCY_SHARED_COLLECTION' ? 'shared (' + num(r.sharedMembers) + ' tenants, ' + num(r.collectionPointsCount) + ' points)' : 'own');
        cell(tr, String(num(r.pointsCount)), 'n'); cell(tr, String(num(r.indexedVectorsCount)), 'n');
        var st = short(r.status, 'COLLECTION_STATUS_'); cell(tr, st, st);
        cell(tr, String(num(r.vectorSize)), 'n'); cell(tr, short(r.distance, 'DISTANCE_'));
        cell(tr, human(bytes), 'n', bytes === undefined ? (s.diskBytes === undefined ? 'not reported by the store' : '') : bytes + ' bytes' + (s.diskBytes === undefined ? ' (Qdrant: vectors + payloads)' : ' on disk'));
        cell(tr, s.segmentsCount === undefined ? '' : String(s.segmentsCount), 'n');
        cell(tr, when(s.createdAt));
        cell(tr, a && a.lastWriteAt ? when(a.lastWriteAt) : '');
        cell(tr, a ? num(a.pointsPerSecond).toFixed(1) : '', 'n');
        cell(tr, r.name || '');
        body.appendChild(tr); shown++;
      });
    });
    if (shown === 0) { var none = document.createElement('tr'), td = document.createElement('td'); td.colSpan = 13; td.textContent = 'no collections'; none.appendChild(td); body.appendChild(none); }
    document.getElementById('status').textContent = view.total_size + (view.total_size === 1 ? ' table' : ' tables') + (q.tenant ? ' of tenant ' + q.tenant : ' across all tenants') + ', ' + shown + ' on this page; from the service at ' + view.service + ' at ' + when(view.as_of) + ' UTC';
    if (q.page_token) pager.appendChild(anchor('first page', { page_token: '' }));
    if (view.next_page_token) { var next = anchor('next page', { page_token: view.next_page_token }); next.id = 'next'; pager.appendChild(next); }
  }
  loads++; document.body.dataset.loads = String(loads);
}
function load() {
  fetch('api/collections' + location.search, { cache: 'no-store' })
    .then(function (res) { return res.ok ? res.json() : res.text().then(function (t) { throw new Error('HTTP ' + res.status + ': ' + t); }); })
    .then(render, function (e) { render({ ok: false, query: current ? current.query : {}, service: current ? current.service : '?', as_of: new Date().toISOString(), error: { status: 'HTTP', message: String(e.message), fix: 'check the address in the URL' } }); });
}
document.getElementById('sort').onchange = function (e) { go({ sort: e.target.value, page_token: '' }); };
document.getElementById('page-size').onchange = function (e) { go({ page_size: e.target.value, page_token: '' }); };
document.getElementById('refresh').onclick = load;
window.onpopstate = load;
load();
`;

/** The collections page: every tenant's tables with DescribeCollections' figures. */
export const COLLECTIONS_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>VectorAdmin collections</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${DASHBOARD_STYLE}${STYLE}</style></head>
<body data-loads="0">
<h1>VectorAdmin collections</h1><div id="status">asking the service...</div>
<div id="controls">
<label>sort <select id="sort"><option value="table">tenant, table</option><option value="size">size (largest first)</option><option value="activity">activity (busiest first)</option></select></label>
<label>per page <select id="page-size"><option value="">100</option><option value="10">10</option><option value="1000">1000</option></select></label>
<span id="scope"></span>
<button id="refresh" type="button">refresh</button>
<a href="./">operations</a>
</div>
<div id="error" hidden><b id="error-message"></b><div id="error-fix"></div></div>
<table><thead><tr><th>table</th><th>tenancy</th><th>points</th><th>indexed</th><th>status</th><th>dim</th><th>distance</th><th>size</th><th>segments</th><th>created (UTC)</th><th>last write (UTC)</th><th>points/s</th><th>collection</th></tr></thead><tbody id="collections"></tbody></table>
<div id="pager"></div>
<script>${SCRIPT}</script>
</body></html>
`;
