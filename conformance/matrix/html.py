"""The report as one self-contained HTML page: a heat map (writer x reader), a case filter,
each cell's cases on hover (title) and click (the detail panel). No external assets: the
data is embedded as JSON and the page's script renders it."""

from __future__ import annotations

import json
from typing import Any

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>mlmodel-spec version matrix</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:20px;color:#222}
h1{font-size:20px;margin:0 0 6px}
table{border-collapse:collapse;margin-top:12px}
th,td{border:1px solid #ccc;padding:4px 6px;text-align:center}
th.col{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;font-weight:normal}
th.row{text-align:left;font-weight:normal;white-space:nowrap}
td.cell{cursor:pointer;min-width:46px;font-size:12px}
td.ok{background:#4caf50;color:#fff}td.warning{background:#ffd54f}
td.different{background:#ff9800}td.error{background:#e53935;color:#fff}td.none{background:#eee}
td.sel{outline:3px solid #1e3a8a}
#detail{margin-top:14px;padding:8px;border:1px solid #999;background:#fafafa;min-height:40px}
#detail table{margin-top:4px}#detail td{text-align:left}
.legend span{display:inline-block;padding:2px 8px;margin-right:4px}
</style></head><body>
<h1>Version matrix: writer &times; reader</h1>
<div id="summary"></div>
<p class="legend"><span class="ok" style="background:#4caf50;color:#fff">ok</span>
<span style="background:#ffd54f">ok with warning</span>
<span style="background:#ff9800">different predictions</span>
<span style="background:#e53935;color:#fff">error</span>
&nbsp; case: <select id="case"><option value="">all cases</option></select></p>
<div id="grid"></div>
<div id="detail">Click a cell for its cases.</div>
<script id="data" type="application/json">__DATA__</script>
<script>
const R = JSON.parse(document.getElementById('data').textContent);
const RANK = {ok: 0, warning: 1, different: 2, error: 3};
const sel = document.getElementById('case');
for (const c of R.cases) {
  const o = document.createElement('option');
  o.value = o.textContent = c;
  sel.appendChild(o);
}
const s = R.summary;
document.getElementById('summary').textContent = s.cells + ' cells: ' + s.ok + ' ok, ' +
  s.warning + ' ok with a warning, ' + s.different + ' different predictions, ' + s.error +
  ' errors; ' + Object.keys(R.environments).length + ' environments.';
const ESC = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'};
function esc(t) { return String(t == null ? '' : t).replace(/[&<>"]/g, ch => ESC[ch]); }
function mlflowOf(e) { return e.packages['mlflow-skinny'] || e.packages.mlflow; }
function envLabel(n) {
  const e = R.environments[n];
  if (!e) return n;
  const p = e.packages, m = mlflowOf(e);
  return n + ' (py' + e.python + ', sklearn ' + (p['scikit-learn'] || '-') +
    ', lightgbm ' + (p.lightgbm || '-') + ', numpy ' + (p.numpy || '-') +
    ', pandas ' + (p.pandas || '-') + (m ? ', mlflow ' + m : '') + ')';
}
function isMlflow(n) { const e = R.environments[n]; return e && mlflowOf(e) ? 1 : 0; }
function cmp(x, y) { return x < y ? -1 : x > y ? 1 : 0; }
function order(a, b) {
  const ours = x => x[1] === 'mlmodel-spec' ? 0 : 1;
  return (ours(a) - ours(b)) || (isMlflow(a[0]) - isMlflow(b[0])) || cmp(a[0], b[0]);
}
function tip(c) {
  return c.case + ': ' + c.status + (c.exception ? ' ' + c.exception : '') +
    (c.warnings.length ? ' ' + c.warnings.join(',') : '');
}
function detail(c) {
  let t = (c.exception ? c.exception + ': ' : '') + (c.message || '');
  if (c.warnings.length && !c.message) t += c.warnings.join(', ');
  if (c.max_abs_diff) t += ' (max abs diff ' + c.max_abs_diff.toPrecision(3) + ')';
  return t;
}
let cellGroups = new Map();
function render() {
  const only = sel.value, groups = new Map(), rows = new Map(), cols = new Map();
  cellGroups = groups;
  for (const c of R.cells) {
    if (only && c.case !== only) continue;
    const rk = c.writer + '|' + c.written_by, ck = c.reader + '|' + c.loader;
    rows.set(rk, [c.writer, c.written_by]);
    cols.set(ck, [c.reader, c.loader]);
    const k = rk + '#' + ck;
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(c);
  }
  const rs = [...rows.entries()].sort((a, b) => order(a[1], b[1]));
  const cs = [...cols.entries()].sort((a, b) => order(a[1], b[1]));
  let h = '<table><tr><th>writer \\\\ reader</th>';
  for (const [, [r, l]] of cs) {
    h += '<th class="col" title="' + esc(envLabel(r)) + '">' + esc(r + ' / ' + l) + '</th>';
  }
  h += '</tr>';
  for (const [rk, [w, by]] of rs) {
    h += '<tr><th class="row" title="' + esc(envLabel(w)) + '">' + esc(w + ' / ' + by) + '</th>';
    for (const [ck] of cs) {
      const items = groups.get(rk + '#' + ck) || [];
      if (!items.length) { h += '<td class="cell none"></td>'; continue; }
      const worst = items.reduce((m, c) => RANK[c.status] > RANK[m] ? c.status : m, 'ok');
      const n = items.filter(c => c.status === worst).length;
      h += '<td class="cell ' + worst + '" data-k="' + esc(rk + '#' + ck) + '" title="' +
        esc(items.map(tip).join('\\n')) + '">' +
        (worst === 'ok' ? items.length : n + '/' + items.length) + '</td>';
    }
    h += '</tr>';
  }
  const grid = document.getElementById('grid');
  grid.innerHTML = h + '</table>';
  grid.querySelectorAll('td.cell[data-k]').forEach(td => td.addEventListener('click', () => {
    show(td);
    const view = new URLSearchParams({case: sel.value, cell: td.dataset.k});
    history.replaceState(null, '', '#' + view);
  }));
}
function show(td) {
  const grid = document.getElementById('grid');
  grid.querySelectorAll('td.sel').forEach(x => x.classList.remove('sel'));
  td.classList.add('sel');
  const [rk, ck] = td.dataset.k.split('#');
  const [w, by] = rk.split('|'), [r, l] = ck.split('|');
  let d = '<b>written by ' + esc(by) + ' in ' + esc(envLabel(w)) + '</b><br>' +
    '<b>read with ' + esc(l) + ' in ' + esc(envLabel(r)) + '</b><table><tr><th>case</th>' +
    '<th>status</th><th>detail</th><th>failed checks</th></tr>';
  for (const c of cellGroups.get(td.dataset.k)) {
    d += '<tr><td>' + esc(c.case) + '</td><td class="' + c.status + '">' + esc(c.status) +
      '</td><td>' + esc(detail(c)) + '</td><td>' + esc(c.failed_checks.join(', ')) + '</td></tr>';
  }
  document.getElementById('detail').innerHTML = d + '</table>';
}
// the address keeps the view: #case=NAME&cell=WRITER|BY#READER|LOADER (what a click sets)
const start = new URLSearchParams(location.hash.slice(1));
if (R.cases.includes(start.get('case'))) sel.value = start.get('case');
sel.addEventListener('change', render);
render();
const opened = [...document.querySelectorAll('td.cell[data-k]')]
  .find(td => td.dataset.k === start.get('cell'));
if (opened) show(opened);
</script></body></html>
"""


def to_html(report: dict[str, Any]) -> str:
    data = json.dumps(report, sort_keys=True).replace("</", "<\\/")
    return PAGE.replace("__DATA__", data)
