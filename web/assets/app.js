// dlv-tasks web view and report. Plain JavaScript, no library. Every
// string from the target is put into the page as a text node (never as
// HTML): el() below is the only way this file builds elements.
"use strict";

const LIVE = document.body.dataset.live === "1";
const TOKEN = document.body.dataset.token || "";
const MAIN = document.getElementById("main");
const COLUMNS = ["id", "parent", "state", "wait", "labels", "task", "group", "location", "created_by"];
const HEADINGS = {id: "ID", parent: "PARENT", state: "STATE", wait: "WAIT", labels: "LABELS", task: "TASK",
  group: "GROUP", location: "LOCATION", created_by: "CREATED BY"};

// el builds an element: attrs are properties or attributes (on* handlers
// are functions), children are nodes or strings (text nodes).
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k === "className") e.className = v;
    else e.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
  }
  return e;
}

function link(hash, text, attrs) { return el("a", Object.assign({href: hash}, attrs || {}), text); }
function gLink(id) { return link("#g/" + id, String(id), {className: "gid"}); }

function human(ns) {
  if (!ns || ns <= 0) return "-";
  const s = ns / 1e9;
  if (s < 1) return (ns / 1e6).toFixed(ns < 1e7 ? 1 : 0) + "ms";
  if (s < 60) return s.toFixed(s < 10 ? 1 : 0) + "s";
  if (s < 3600) return Math.floor(s / 60) + "m" + Math.floor(s % 60) + "s";
  return Math.floor(s / 3600) + "h" + Math.floor((s % 3600) / 60) + "m";
}

function shortFile(f) {
  if (!f) return "";
  const parts = f.split("/");
  return parts.slice(-2).join("/");
}

// loc formats a location object ({function, file, line}) or passes text.
function loc(l) {
  if (!l) return "-";
  if (typeof l === "string") return l;
  if (!l.function && !l.file) return "-";
  return (l.function || "?") + " " + shortFile(l.file) + (l.line ? ":" + l.line : "");
}

function setStatus(text, bad) {
  const s = document.getElementById("status");
  s.textContent = text;
  s.className = bad ? "bad" : "";
}

// ---- data sources: the live server, or the report's embedded data ----

async function liveGet(path, params) {
  const q = new URLSearchParams(params || {}).toString();
  const r = await fetch("/api/" + path + (q ? "?" + q : ""), {headers: {"Accept": "application/json"}});
  const body = await r.json().catch(() => ({error: r.statusText}));
  if (!r.ok) throw new Error(body.error || r.statusText);
  return body;
}

async function livePost(path, params) {
  const r = await fetch("/api/" + path, {method: "POST", headers: {"X-Dlv-Tasks-Token": TOKEN,
    "Content-Type": "application/x-www-form-urlencoded"}, body: new URLSearchParams(params || {}).toString()});
  const body = await r.json().catch(() => ({error: r.statusText}));
  if (!r.ok) throw new Error(body.error || r.statusText);
  return body;
}

let REPORT = null;

// loadReport decodes the embedded data: rows are arrays of indexes into a
// string table (a 100k-goroutine report repeats few locations).
function loadReport() {
  const raw = JSON.parse(document.getElementById("report-data").textContent);
  const S = raw.strings;
  const str = i => S[i];
  const l3 = a => a ? {function: S[a[0]], file: S[a[1]], line: a[2]} : null;
  const rows = raw.rows.map(a => ({id: a[0], parent: a[1], state: S[a[2]], status: S[a[3]], wait_reason: S[a[4]],
    wait_ns: a[5], wait: S[a[6]], labels: raw.label_sets[a[7]], labels_text: S[a[8]], task_id: a[9], task: S[a[10]],
    group: S[a[11]], location: S[a[12]], created_by: S[a[13]], system: a[14] === 1, stack: a[15],
    go_statement: l3(a[16]), start: l3(a[17]), chain: a[18]}));
  // The creation chains' links, as the query layer computed them.
  const links = raw.links.map(a => ({parent_id: a[0], go_statement: l3(a[1]), parent_alive: a[2] === 1,
    parent_state: S[a[3]], parent_location: l3(a[4]), parent_exited_start: l3(a[5]), next: a[6], child_id: a[7]}));
  const byId = new Map(rows.map(r => [r.id, r]));
  const stacks = raw.stacks.map(s => ({frames: s.frames.map(f => ({function: str(f[0]), file: str(f[1]), line: f[2]})),
    more: s.more}));
  return {raw, rows, byId, links, stacks};
}

function cellText(r, col) {
  switch (col) {
    case "labels": return r.labels_text;
    case "id": case "parent": return String(r[col]);
    default: return r[col];
  }
}

function compareRows(a, b, col) {
  let x, y;
  switch (col) {
    case "id": case "parent": x = a[col]; y = b[col]; break;
    case "wait": x = a.wait_ns; y = b.wait_ns; break;
    case "task": x = a.task_id; y = b.task_id; break;
    default: x = cellText(a, col); y = cellText(b, col); return x < y ? -1 : x > y ? 1 : 0;
  }
  return x - y;
}

function splitList(s) { return (s || "").split(",").map(x => x.trim()).filter(x => x); }

// reportTable answers what /api/table answers, from the embedded rows.
function reportTable(p) {
  const labels = splitList(p.label).map(s => { const i = s.indexOf("="); return i < 0 ? {k: s} : {k: s.slice(0, i), v: s.slice(i + 1)}; });
  const states = splitList(p.state).map(s => s.toLowerCase());
  const text = (p.text || "").toLowerCase();
  const col = COLUMNS.includes(p.sort) ? p.sort : "id";
  let total = 0;
  const groups = new Map();
  const matched = [];
  for (const r of REPORT.rows) {
    if (!labels.every(m => Object.prototype.hasOwnProperty.call(r.labels, m.k) && (m.v === undefined || r.labels[m.k] === m.v))) continue;
    if (states.length && !states.some(s => s === (r.status || "").toLowerCase() || (r.wait_reason && s === r.wait_reason.toLowerCase()))) continue;
    total++;
    if (text && !COLUMNS.some(c => String(cellText(r, c)).toLowerCase().includes(text))) continue;
    if (p.group) {
      const v = cellText(r, p.group);
      groups.set(v, (groups.get(v) || 0) + 1);
      if (p.value !== undefined && v !== p.value) continue;
    }
    matched.push(r);
  }
  matched.sort((a, b) => { const c = compareRows(a, b, col) || a.id - b.id; return p.desc === "1" ? -c : c; });
  const limit = Math.min(+p.limit || 100, 1000);
  const off = Math.min(Math.max(+p.offset || 0, 0), matched.length);
  const gs = [...groups].map(([key, count]) => ({key, count}));
  gs.sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1));
  return {total, matched: matched.length, offset: off, rows: matched.slice(off, off + limit), groups: gs, columns: COLUMNS};
}

// reportChainOf reads a row's creation chain as the report stores it: its
// first link, each link naming the next (the query layer computed them).
function reportChainOf(row) {
  const out = [];
  let child = row.id;
  for (let i = row.chain; i !== null && i >= 0 && out.length < REPORT.links.length; i = REPORT.links[i].next) {
    const l = REPORT.links[i];
    out.push(Object.assign({}, l, {child_id: l.child_id === undefined ? child : l.child_id}));
    child = l.parent_id;
  }
  return out;
}

function reportGoroutine(id) {
  const row = REPORT.byId.get(+id);
  if (!row) throw new Error("goroutine " + id + ": unknown goroutine (not in this report)");
  const st = row.stack >= 0 ? REPORT.stacks[row.stack] : {frames: [], more: false};
  const cancel = REPORT.raw.cancel[String(row.id)];
  return {row, where: {stack: st.frames, stack_cut: st.more, creation_chain: reportChainOf(row), ancestors: [],
      ancestors_note: "a report holds no tracebackancestors stacks (the live view shows them); the creation chain above runs through them"},
    cancel: cancel || null, cancel_error: cancel ? "" : (REPORT.raw.cancel_note || ""), sources: REPORT.raw.sources,
    notes: [row.stack < 0 ? "this report holds no stack for this goroutine" : null,
      row.chain === null ? "this report holds no creation chain for this goroutine (see the report's notes)" : null].filter(n => n)};
}

async function get(path, params) {
  if (LIVE) return liveGet(path, params);
  const r = REPORT.raw;
  if (path === "table") return reportTable(params);
  if (path === "tree") return r.tree;
  if (path === "tasktree") return r.task_tree;
  if (path === "terminated") return r.terminated;
  if (path === "swallowed") return r.swallowed;
  if (path === "top") {
    const v = r.top[params.group || "creation"];
    if (!v) throw new Error("a report holds the counts by " + Object.keys(r.top).join(", ") + " only");
    return {live: false, running: false, view: v, window: 1};
  }
  if (path.startsWith("goroutine/")) return reportGoroutine(path.slice(10));
  if (path.startsWith("terminated/")) {
    const d = r.where_terminated[path.slice(11)];
    if (!d) throw new Error("not in this report");
    return d;
  }
  throw new Error("unknown view " + path);
}

// ---- the ps table ----

const table = {text: "", label: "", state: "", sort: "id", desc: false, group: "", value: undefined, offset: 0, limit: 100};

async function showTable() {
  const form = el("form", {className: "filters", id: "ps-filters", onsubmit: e => { e.preventDefault(); readFilters(); table.offset = 0; table.value = undefined; renderTable(); }},
    el("label", {}, "text ", el("input", {id: "f-text", value: table.text, placeholder: "any column"})),
    el("label", {}, "label ", el("input", {id: "f-label", value: table.label, placeholder: "k=v,k"})),
    el("label", {}, "state ", el("input", {id: "f-state", value: table.state, placeholder: "chan receive,running"})),
    el("label", {}, "group by ", groupSelect()),
    el("button", {type: "submit", id: "f-apply"}, "Apply"));
  const notes = !LIVE && (REPORT.raw.notes || []).length ?
    el("ul", {className: "notes", id: "report-notes"}, REPORT.raw.notes.map(n => el("li", {}, n))) : "";
  MAIN.replaceChildren(el("h1", {}, "Goroutines"), notes, form, el("div", {id: "groups"}), el("div", {id: "ps"}));
  await renderTable();
}

function groupSelect() {
  const s = el("select", {id: "f-group", onchange: () => { readFilters(); table.offset = 0; table.value = undefined; renderTable(); }},
    el("option", {value: ""}, "(none)"), COLUMNS.filter(c => c !== "id").map(c => el("option", {value: c}, HEADINGS[c])));
  s.value = table.group;
  return s;
}

function readFilters() {
  table.text = document.getElementById("f-text").value;
  table.label = document.getElementById("f-label").value;
  table.state = document.getElementById("f-state").value;
  table.group = document.getElementById("f-group").value;
}

async function renderTable() {
  const params = {text: table.text, label: table.label, state: table.state, sort: table.sort, desc: table.desc ? "1" : "",
    group: table.group, offset: table.offset, limit: table.limit};
  if (table.value !== undefined) params.value = table.value;
  const box = document.getElementById("ps");
  let page;
  try {
    page = await get("table", params);
  } catch (e) {
    box.replaceChildren(el("p", {className: "error"}, e.message));
    return;
  }
  const groups = document.getElementById("groups");
  groups.replaceChildren();
  if (table.group) {
    groups.appendChild(el("div", {className: "groups"},
      el("b", {}, "By " + HEADINGS[table.group] + ": "),
      table.value !== undefined ? el("button", {className: "chip", onclick: () => { table.value = undefined; table.offset = 0; renderTable(); }}, "all") : null,
      page.groups.slice(0, 200).map(g => el("button", {className: "chip" + (g.key === table.value ? " on" : ""), "data-key": g.key,
        onclick: () => { table.value = g.key; table.offset = 0; renderTable(); }}, el("span", {className: "n"}, String(g.count)), " ", g.key)),
      page.groups.length > 200 ? el("span", {}, " … " + (page.groups.length - 200) + " more values") : null));
  }
  const head = el("tr", {}, COLUMNS.map(c => el("th", {"data-col": c, className: c === table.sort ? "sorted" : "",
    onclick: () => { if (table.sort === c) table.desc = !table.desc; else { table.sort = c; table.desc = false; } table.offset = 0; renderTable(); }},
    HEADINGS[c], c === table.sort ? (table.desc ? " ▼" : " ▲") : "")));
  const body = el("tbody", {}, page.rows.map(r => el("tr", {"data-id": r.id, className: r.system ? "system" : ""},
    el("td", {}, gLink(r.id)),
    el("td", {}, r.parent ? gLink(r.parent) : "-"),
    el("td", {className: "state"}, r.state),
    el("td", {className: "num"}, r.wait),
    el("td", {}, r.labels_text),
    el("td", {}, r.task),
    el("td", {}, r.group),
    el("td", {}, r.location),
    el("td", {}, r.created_by))));
  const first = page.matched ? page.offset + 1 : 0, last = page.offset + page.rows.length;
  const pager = el("div", {className: "pager"},
    el("button", {id: "prev", disabled: page.offset === 0, onclick: () => { table.offset = Math.max(0, table.offset - table.limit); renderTable(); }}, "◀ prev"),
    el("span", {id: "range"}, `${first}–${last} of ${page.matched}` + (page.matched !== page.total ? ` (filtered from ${page.total})` : "")),
    el("button", {id: "next", disabled: last >= page.matched, onclick: () => { table.offset += table.limit; renderTable(); }}, "next ▶"));
  box.replaceChildren(pager, el("table", {className: "ps", id: "ps-table"}, el("thead", {}, head), body));
}

// ---- the creation tree ----

function subtreeCount(n) {
  let c = n.count || 1;
  for (const k of n.children || []) c += subtreeCount(k);
  return c;
}

function treeNode(n, depth) {
  const kids = n.children || [];
  const below = kids.reduce((s, k) => s + subtreeCount(k), 0);
  const li = el("li", {"data-id": n.id});
  const childList = el("ul", {});
  let built = false;
  const toggle = el("button", {className: "toggle", disabled: !kids.length, "aria-expanded": "false"}, kids.length ? "▸" : "·");
  const open = () => {
    if (!built) { childList.replaceChildren(...kids.map(k => treeNode(k, depth + 1))); built = true; }
    childList.hidden = false; toggle.textContent = "▾"; toggle.setAttribute("aria-expanded", "true");
  };
  const close = () => { childList.hidden = true; toggle.textContent = "▸"; toggle.setAttribute("aria-expanded", "false"); };
  toggle.addEventListener("click", () => (childList.hidden || !built ? open() : close()));
  const what = n.exited ? "(exited) " + loc(n.start) : loc(n.start);
  const state = n.exited ? "exited" : (n.wait_reason || n.status);
  const line = el("div", {className: "node"}, toggle, " ",
    n.count > 1 ? el("span", {className: "count"}, "×" + n.count) : gLink(n.id), " ",
    el("span", {className: "fn"}, what), " ", el("span", {className: "state"}, state),
    !n.exited && n.location && n.location.function ? el("span", {className: "at"}, " at " + loc(n.location)) : null,
    below ? el("span", {className: "below"}, ` (${below} below)`) : null);
  li.appendChild(line);
  if (n.count > 1) {
    const ids = el("div", {className: "ids", hidden: true});
    const more = el("button", {className: "small", onclick: () => {
      if (!ids.childNodes.length) ids.replaceChildren(...n.ids.slice(0, 500).flatMap(i => [gLink(i), " "]), n.ids.length > 500 ? `… ${n.ids.length - 500} more` : "");
      ids.hidden = !ids.hidden;
    }}, "ids");
    line.appendChild(el("span", {}, " ", more));
    li.appendChild(ids);
  }
  li.appendChild(childList);
  childList.hidden = true;
  if (depth < 1 && kids.length && kids.length <= 200) open();
  return li;
}

// collapsible makes a tree item whose children are built when first opened.
function collapsible(line, kids, build, openNow) {
  const li = el("li", {});
  const list = el("ul", {});
  list.hidden = true;
  let built = false;
  const toggle = el("button", {className: "toggle", disabled: !kids, "aria-expanded": "false"}, kids ? "▸" : "·");
  toggle.addEventListener("click", () => {
    if (!built) { list.replaceChildren(...build()); built = true; }
    list.hidden = !list.hidden;
    toggle.textContent = list.hidden ? "▸" : "▾";
    toggle.setAttribute("aria-expanded", String(!list.hidden));
  });
  li.append(el("div", {className: "node"}, toggle, " ", line), list);
  if (openNow && kids) toggle.click();
  return li;
}

function taskItem(n, depth) {
  const kids = (n.children || []).length + (n.groups || []).length;
  const line = el("span", {className: "task", "data-task": n.id}, "t:" + n.id + " " + n.name, " ",
    n.live ? el("span", {}, el("span", {className: "state"}, n.state || "running"), " in goroutine ", gLink(n.goroutine_id),
      n.location ? el("span", {className: "at"}, " at " + loc(n.location)) : null)
      : el("span", {className: "muted"}, n.outcome ? "ended: " + n.outcome : "ended"));
  return collapsible(line, kids, () => [...(n.children || []).map(k => taskItem(k, depth + 1)), ...(n.groups || []).map(g => groupItem(g, depth + 1))], depth < 2);
}

function groupItem(g, depth) {
  const line = el("span", {className: "group"}, "group ", el("b", {}, g.name || "#" + g.group_id), ` (${g.tasks.length} tasks)`);
  return collapsible(line, g.tasks.length, () => g.tasks.map(k => taskItem(k, depth + 1)), depth < 2);
}

async function showTree() {
  MAIN.replaceChildren(el("h1", {}, "Creation tree"), el("p", {}, "loading…"));
  const roots = await get("tree");
  const forest = await get("tasktree");
  const total = roots.reduce((s, n) => s + subtreeCount(n), 0);
  const tasks = forest ? [el("h2", {}, "Tasks"), el("ul", {className: "tree", id: "task-tree"},
    (forest.tasks || []).map(n => taskItem(n, 0)), (forest.groups || []).map(g => groupItem(g, 0))), el("h2", {}, "Goroutines")] : [];
  MAIN.replaceChildren(el("h1", {}, "Creation tree"), ...tasks,
    el("p", {}, `${total} goroutines; identical sibling subtrees are folded (×N). `,
      el("button", {id: "expand-all", onclick: () => document.getElementById("tree").querySelectorAll("button.toggle[aria-expanded=false]:not([disabled])").forEach(b => b.click())}, "expand visible")),
    el("ul", {className: "tree", id: "tree"}, roots.map(n => treeNode(n, 0))));
}

// ---- the goroutine page ----

function frameList(frames, sources, cut) {
  return el("ol", {className: "stack"}, (frames || []).map(f => {
    const src = sources && sources[f.file + ":" + f.line];
    return el("li", {}, el("span", {className: "fn"}, f.function || "?"), " ",
      el("span", {className: "file", title: f.file}, shortFile(f.file) + ":" + f.line),
      f.err ? el("span", {className: "error"}, " " + f.err) : null,
      src !== undefined ? el("pre", {className: "src"}, src) : null);
  }), cut ? el("li", {className: "cut"}, "… the stack goes on (read to a depth limit)") : null);
}

function cancelSection(p) {
  const sec = el("section", {id: "cancel"}, el("h2", {}, "Cancellation chain"));
  const d = p.cancel;
  if (!d) { sec.appendChild(el("p", {className: "muted"}, p.cancel_error || "no cancellation chain")); return sec; }
  if (d.task) {
    sec.appendChild(el("p", {}, "task ", el("b", {}, "t:" + d.task.id + " " + d.task.name)));
    if (!d.hops.length) sec.appendChild(el("p", {className: "muted"}, "its context was not cancelled"));
    sec.appendChild(el("ol", {className: "hops"}, d.hops.map(h => el("li", {className: "hop"},
      el("div", {}, el("b", {}, h.how), " context c:" + h.context_id,
        h.cause ? el("span", {}, " cause: ", el("q", {className: "cause"}, h.cause)) : null,
        h.ago_ns ? " " + human(h.ago_ns) + " before the last record" : ""),
      h.canceller_goroutine_id ? el("div", {}, "cancelled by goroutine ",
        h.canceller_alive ? link("#g/" + h.canceller_goroutine_id, String(h.canceller_goroutine_id), {className: "canceller"}) : String(h.canceller_goroutine_id) + " (exited)",
        h.canceller ? " (task t:" + h.canceller.id + " " + h.canceller.name + (h.canceller.live ? "" : ", ended") + ")" : "") : null,
      h.stack && h.stack.length ? el("details", {open: true}, el("summary", {}, "canceller's stack"), frameList(h.stack, p.sources)) : null,
      h.end ? el("div", {className: "muted"}, h.end) : null))));
  } else {
    if (!d.contexts.length) sec.appendChild(el("p", {className: "muted"}, "no context found in its frames"));
    for (const c of d.contexts) {
      sec.appendChild(el("div", {className: "ctx"}, "frame " + c.frame + " " + c.function + " " + c.variable,
        el("ol", {}, c.path.map(n => el("li", {}, n.type, n.err ? el("span", {className: "error"}, " " + n.err) : null)))));
    }
  }
  return sec;
}

async function showGoroutine(id) {
  MAIN.replaceChildren(el("p", {}, "loading goroutine " + id + "…"));
  const p = await get("goroutine/" + id);
  const w = p.where;
  const r = p.row;
  const head = el("section", {id: "summary"}, el("h1", {}, "Goroutine " + (r ? r.id : id)),
    r ? el("table", {className: "kv"},
      el("tr", {}, el("th", {}, "state"), el("td", {className: "state"}, r.state + (r.wait !== "-" ? " for " + r.wait : ""))),
      el("tr", {}, el("th", {}, "parent"), el("td", {}, r.parent ? gLink(r.parent) : "-")),
      el("tr", {}, el("th", {}, "task"), el("td", {id: "task"}, r.task), r.group !== "-" ? el("td", {}, "group " + r.group) : null),
      el("tr", {}, el("th", {}, "labels"), el("td", {id: "labels"}, r.labels_text)),
      el("tr", {}, el("th", {}, "location"), el("td", {}, r.location)),
      el("tr", {}, el("th", {}, "created by"), el("td", {}, r.created_by))) : el("p", {}, "this goroutine has exited; its runtime record survives"));
  const controls = el("div", {id: "task-controls"});
  if (LIVE && r && r.task_id) {
    const confirmBox = el("div", {className: "confirm", id: "cancel-confirm", hidden: true},
      `Cancel task ${r.task}? dlv-tasks runs the target to a safe point and cancels the task's context. `,
      el("button", {id: "cancel-yes", onclick: async () => {
        try { const res = await livePost("cancel", {task: "t:" + r.task_id}); setStatus(res.cancelled ? "task cancelled" : "the task was already cancelled"); route(); }
        catch (e) { setStatus(e.message, true); }
      }}, "Yes, cancel it"), " ",
      el("button", {id: "cancel-no", onclick: () => { confirmBox.hidden = true; }}, "No"));
    controls.append(el("button", {id: "cancel-task", onclick: () => { confirmBox.hidden = false; }}, "Cancel task…"), confirmBox);
  }
  const stack = el("section", {id: "stack"}, el("h2", {}, "Stack"), frameList(w.stack, p.sources, w.stack_cut));
  const chain = el("section", {id: "creation"}, el("h2", {}, "Creation chain"),
    w.creation_chain.length ? el("ol", {className: "chain"}, w.creation_chain.map(l => el("li", {"data-parent": l.parent_id},
      "created by ", l.parent_alive ? gLink(l.parent_id) : (l.parent_id ? String(l.parent_id) + " (" + l.parent_state + ")" : "the runtime"),
      " at ", el("span", {className: "fn"}, loc(l.go_statement)),
      l.parent_alive ? el("span", {className: "muted"}, " — now " + l.parent_state + " at " + loc(l.parent_location)) : null,
      l.parent_exited_start ? el("span", {className: "muted"}, " — it ran " + loc(l.parent_exited_start)) : null))) : el("p", {className: "muted"}, "no creator (started by the runtime or main)"));
  const anc = el("section", {id: "ancestors"}, el("h2", {}, "Ancestors (GODEBUG=tracebackancestors)"),
    w.ancestors && w.ancestors.length ? w.ancestors.map(a => el("div", {}, "goroutine " + a.id, frameList(a.stack, p.sources))) : el("p", {className: "muted"}, w.ancestors_note || "none recorded"));
  const notes = (p.notes || []).length ? el("ul", {className: "notes"}, p.notes.map(n => el("li", {}, n))) : null;
  MAIN.replaceChildren(head, controls, notes || "", stack, cancelSection(p), chain, anc);
}

// ---- ended tasks and swallowed cancellations ----

const ended = {name: "", outcome: ""};

async function showTerminated() {
  const form = el("form", {className: "filters", onsubmit: e => { e.preventDefault(); ended.name = e.target.elements.name.value; ended.outcome = e.target.elements.outcome.value; showTerminated(); }},
    el("label", {}, "name ", el("input", {name: "name", id: "t-name", value: ended.name, placeholder: "regexp"})),
    el("label", {}, "outcome ", el("input", {name: "outcome", id: "t-outcome", value: ended.outcome, placeholder: "error,panic,cancelled,returned"})),
    el("button", {type: "submit"}, "Apply"));
  MAIN.replaceChildren(el("h1", {}, "Ended tasks"), form, el("p", {}, "loading…"));
  let d;
  try {
    d = LIVE ? await get("terminated", ended) : reportTerminated();
  } catch (e) { MAIN.replaceChildren(el("h1", {}, "Ended tasks"), form, el("p", {className: "error"}, e.message)); return; }
  if (!d.tracker) {
    const x = d.doc;
    MAIN.replaceChildren(el("h1", {}, "Exited goroutines"), el("p", {}, "The target does not use the tracker: no record of how tasks ended. The runtime's records of exited goroutines (" + x.total + "):"),
      el("table", {className: "ps"}, el("tr", {}, ["ID", "PARENT", "START", "CREATED AT"].map(h => el("th", {}, h))),
        x.exited.slice(0, 2000).map(e => el("tr", {}, el("td", {}, String(e.id)), el("td", {}, e.parent_id ? gLink(e.parent_id) : "-"), el("td", {}, loc(e.start)), el("td", {}, loc(e.go_statement))))));
    return;
  }
  const rows = d.doc.terminated;
  const detail = el("div", {id: "ended-detail"});
  MAIN.replaceChildren(el("h1", {}, "Ended tasks"), form, el("p", {}, `${rows.length} of ${d.doc.total} records`),
    el("table", {className: "ps", id: "ended-table"}, el("tr", {}, ["TASK", "OUTCOME", "TEXT", "ENDED", "RAN", "GROUP"].map(h => el("th", {}, h))),
      rows.slice(0, 5000).map(t => el("tr", {"data-task": t.task.id},
        el("td", {}, el("a", {href: "#", onclick: e => { e.preventDefault(); showEnded(t.task.id, detail); }}, "t:" + t.task.id + " " + t.task.name)),
        el("td", {className: "outcome " + t.outcome}, t.outcome), el("td", {}, t.text),
        el("td", {}, human(t.ago_ns) + " ago"), el("td", {}, human(t.duration_ns)), el("td", {}, t.task.group || "-")))),
    detail);
}

function reportTerminated() {
  const d = REPORT.raw.terminated;
  if (!d.tracker) return d;
  let re = null;
  if (ended.name) re = new RegExp(ended.name);
  const outs = splitList(ended.outcome).flatMap(o => (o === "failed" ? ["error", "panic"] : [o]));
  const t = d.doc.terminated.filter(x => (!re || re.test(x.task.name)) && (!outs.length || outs.includes(x.outcome)));
  return {tracker: true, doc: Object.assign({}, d.doc, {terminated: t})};
}

async function showEnded(id, box) {
  let d;
  try { d = await get("terminated/t:" + id); } catch (e) { box.replaceChildren(el("p", {className: "error"}, e.message)); return; }
  const t = d.termination;
  box.replaceChildren(el("h2", {}, "t:" + t.task.id + " " + t.task.name + " — " + t.outcome),
    t.text ? el("pre", {}, t.text) : null,
    t.panic_stack && t.panic_stack.length ? el("div", {}, "panicked at:", frameList(t.panic_stack)) : null,
    el("h3", {}, "Created by"), el("ol", {}, d.creation_chain.map(a => el("li", {}, "t:" + a.id + " " + a.name + (a.live ? " (running in goroutine " + a.goroutine_id + ")" : a.outcome ? " (" + a.outcome + ")" : "")))),
    el("h3", {}, "Cancellation chain"), d.cancel_chain && d.cancel_chain.length ? el("ol", {}, d.cancel_chain.map(h => el("li", {}, h.how + " by goroutine " + h.canceller_goroutine_id,
      h.cause ? el("span", {}, " cause: ", el("q", {}, h.cause)) : null, frameList(h.stack)))) : el("p", {className: "muted"}, "its context was not cancelled"));
}

async function showSwallowed() {
  MAIN.replaceChildren(el("h1", {}, "Swallowed cancellations"), el("p", {}, "loading…"));
  let d;
  try { d = await get("swallowed"); } catch (e) { MAIN.replaceChildren(el("h1", {}, "Swallowed cancellations"), el("p", {className: "error"}, e.message)); return; }
  const ss = d.doc;
  MAIN.replaceChildren(el("h1", {}, "Swallowed cancellations"),
    el("p", {}, "Goroutines still running after their context was cancelled: " + ss.length),
    (d.notes || []).length ? el("ul", {className: "notes"}, d.notes.map(n => el("li", {}, n))) : "",
    el("table", {className: "ps", id: "swallowed-table"}, el("tr", {}, ["GOROUTINE", "TASK", "HOW", "CAUSE", "WHEN", "STATE", "LOCATION"].map(h => el("th", {}, h))),
      ss.map(s => el("tr", {}, el("td", {}, gLink(s.goroutine_id)), el("td", {}, s.task ? "t:" + s.task.id + " " + s.task.name : "-"),
        el("td", {}, s.how || s.err || "-"), el("td", {}, s.cause || "-"), el("td", {}, s.ago_ns ? human(s.ago_ns) + " ago" : "-"),
        el("td", {className: "state"}, s.state), el("td", {}, loc(s.location))))));
}

// ---- top: the groups' counts over samples ----

const TOP_GROUPS = ["creation", "location", "start", "parent", "task", "group", "label"];
const topState = {group: "creation", label: "", every: 2, on: false, timer: null};

function topQuery() {
  const q = {group: topState.group};
  if (topState.group === "label") q.label = topState.label;
  return q;
}

// The SVG namespace, from the page's own empty <svg> (the HTML parser puts
// it there): the page names no address, not even a namespace's.
const SVG_NS = document.getElementById("svg-proto").namespaceURI;

// svgEl builds an SVG element; attribute values are numbers or fixed
// words, never target strings.
function svgEl(tag, attrs) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  return e;
}

// sparkline draws counts (oldest first) as a line scaled between their
// minimum and maximum, one dot a sample.
function sparkline(counts, times) {
  const w = 120, h = 26, pad = 3;
  const lo = Math.min(...counts), hi = Math.max(...counts);
  const x = i => pad + i * (w - 2 * pad) / Math.max(1, counts.length - 1);
  const y = c => hi > lo ? h - pad - (c - lo) * (h - 2 * pad) / (hi - lo) : h / 2;
  const svg = svgEl("svg", {"class": "spark", width: w, height: h, viewBox: `0 0 ${w} ${h}`, "data-counts": counts.join(",")});
  const title = svgEl("title");
  title.textContent = counts.map((c, i) => (times && times[i] ? new Date(times[i]).toLocaleTimeString() + " " : "") + c).join("\n");
  svg.appendChild(title);
  svg.appendChild(svgEl("polyline", {points: counts.map((c, i) => x(i).toFixed(1) + "," + y(c).toFixed(1)).join(" "),
    fill: "none", stroke: "currentColor", "stroke-width": 1.5}));
  counts.forEach((c, i) => svg.appendChild(svgEl("circle", {cx: x(i).toFixed(1), cy: y(c).toFixed(1), r: 2, "data-count": c})));
  return svg;
}

function pauseText(ns) { return ns > 0 ? human(ns) : "0"; }

async function showTop() {
  let a;
  const box = el("div", {id: "top"});
  MAIN.replaceChildren(el("h1", {}, "Top"), el("p", {}, "loading…"));
  try { a = await get("top", topQuery()); } catch (e) { a = {error: e.message}; }
  const groupSel = el("select", {id: "top-group", onchange: () => { topState.group = groupSel.value; showTop(); }},
    TOP_GROUPS.filter(g => LIVE || g !== "label").map(g => el("option", {value: g}, g)));
  groupSel.value = topState.group;
  const form = el("form", {className: "filters", id: "top-form", onsubmit: e => { e.preventDefault(); topState.label = document.getElementById("top-label").value; showTop(); }},
    el("label", {}, "group by ", groupSel),
    topState.group === "label" ? el("label", {}, "label key ", el("input", {id: "top-label", value: topState.label, placeholder: "KEY"})) : null,
    topState.group === "label" ? el("button", {type: "submit"}, "Apply") : null);
  const parts = [el("h1", {}, "Top"), form];
  if (a.live) {
    const every = el("input", {id: "top-every", type: "number", min: "0.2", step: "0.1", value: topState.every, className: "short"});
    parts.push(el("div", {className: "filters", id: "top-controls"},
      el("button", {id: "top-sample", disabled: topState.on, onclick: () => sampleOnce()}, "Sample now"),
      el("label", {}, "every ", every, " s "),
      el("button", {id: "top-auto", onclick: () => { if (topState.on) stopAuto(); else { topState.every = Math.max(0.2, +every.value || 2); startAuto(); } }}, topState.on ? "Stop sampling" : "Start sampling"),
      el("button", {id: "top-clear", disabled: topState.on, onclick: async () => { try { renderTop(await livePost("top/clear", topQuery())); } catch (e) { setStatus(e.message, true); } }}, "Clear samples")),
      el("p", {className: "muted"}, "Each sample halts the target while its goroutines are read, then lets it run again; the pause is shown below. " +
        "A stopped target runs a moment before its sample (so that the sample's time is known) and stays stopped. " +
        "Sampling every N s lets the target run between samples; stopping leaves it running (Halt stops it)."));
  }
  parts.push(box);
  MAIN.replaceChildren(...parts);
  if (a.error) box.replaceChildren(el("p", {className: "error"}, a.error));
  else renderTop(a);
}

async function sampleOnce() {
  document.body.dataset.topBusy = "1";
  try { renderTop(await livePost("top/sample", topQuery())); } catch (e) { topError(e.message); }
  document.body.dataset.topBusy = "";
  pollSession();
}

function startAuto() {
  topState.on = true;
  document.getElementById("top-auto").textContent = "Stop sampling";
  for (const id of ["top-sample", "top-clear"]) document.getElementById(id).disabled = true;
  topTick();
}

function stopAuto() {
  topState.on = false;
  clearTimeout(topState.timer);
  const b = document.getElementById("top-auto");
  if (b) { b.textContent = "Start sampling"; }
  for (const id of ["top-sample", "top-clear"]) { const e = document.getElementById(id); if (e) e.disabled = false; }
}

async function topTick() {
  if (!topState.on) return;
  const started = Date.now();
  document.body.dataset.topBusy = "1";
  try {
    const a = await livePost("top/sample", Object.assign({run: "1"}, topQuery()));
    if (location.hash === "#top" && document.getElementById("top")) renderTop(a);
  } catch (e) {
    stopAuto();
    topError(e.message);
  }
  document.body.dataset.topBusy = "";
  pollSession();
  if (topState.on) topState.timer = setTimeout(topTick, Math.max(0, topState.every * 1000 - (Date.now() - started)));
}

function topError(msg) {
  const box = document.getElementById("top-error");
  if (box) box.textContent = msg;
  setStatus(msg, true);
}

function renderTop(a) {
  const box = document.getElementById("top");
  if (!box) return;
  const v = a.view;
  const err = el("p", {className: "error", id: "top-error"});
  if (!v) {
    box.replaceChildren(err, el("p", {id: "top-empty"}, "No sample yet. Sample now reads the target's goroutines; sampling every N s lets it run and halts it briefly for each sample."));
    document.body.dataset.topSeq = "0";
    return;
  }
  const trend = v.samples > 1;
  const head = el("p", {id: "top-head"},
    a.live ? `sample ${v.seq}, ${v.samples} in the trend (it keeps the last ${a.window}), by ${v.by}: ${v.goroutines} goroutines` :
      `one snapshot, by ${v.by}: ${v.goroutines} goroutines`,
    trend ? `; ${human(v.interval_ns)} since the sample before` : "",
    a.live ? el("span", {id: "top-pause"}, v.pause_ns > 0 ?
      `; this sample paused the target ${human(v.pause_ns)} (max ${pauseText(v.max_pause_ns)}), it ran ${(100 * v.duty_cycle).toFixed(1)}% of the time` :
      `; the target was stopped before this sample (it ran a moment, so that the sample's time is known)` + (v.max_pause_ns > 0 ? `; longest pause ${human(v.max_pause_ns)}` : "")) : null);
  const cols = trend ? ["COUNT", "Δ", "TREND", "NEW", "ENDED", "STATES", "VERDICT", "KEY"] : ["COUNT", "STATES", "KEY"];
  const rows = v.groups.map(g => el("tr", {"data-key": g.key},
    el("td", {className: "num"}, String(g.count)),
    trend ? [el("td", {className: "num"}, (g.delta >= 0 ? "+" : "") + g.delta),
      el("td", {className: "trend", title: g.counts.join(" → ")}, sparkline(g.counts, v.sample_times)),
      el("td", {className: "num"}, String(g.new)), el("td", {className: "num"}, String(g.ended))] : [],
    el("td", {className: "state"}, g.states),
    trend ? el("td", {className: "verdict " + (g.verdict || "").replace(/[^a-z]/g, ""), title: g.why}, g.verdict) : null,
    el("td", {}, g.key)));
  box.replaceChildren(err, head,
    v.warning ? el("p", {className: "error", id: "top-warning"}, "warning: " + v.warning) : "",
    (v.notes || []).length ? el("ul", {className: "notes", id: "top-notes"}, v.notes.map(n => el("li", {}, n))) : "",
    v.verdicts.length ? el("ul", {id: "top-verdicts"}, v.verdicts.map(t => el("li", {}, t))) : "",
    el("table", {className: "ps", id: "top-table"}, el("thead", {}, el("tr", {}, cols.map(c => el("th", {}, c)))), el("tbody", {}, rows)),
    v.more_groups ? el("p", {className: "muted"}, `… ${v.more_groups} more groups`) : "",
    trend ? el("p", {id: "top-foot"}, `over ${v.samples} samples: ${v.hot} hot (running or runnable in every sample), ${v.stuck} stuck (same pc, still waiting)`) : "");
  document.body.dataset.topSeq = String(v.seq);
  document.body.dataset.topSamples = String(v.samples);
}

// ---- live controls ----

async function pollSession() {
  if (!LIVE) return;
  let s;
  try { s = await liveGet("session"); } catch (e) { setStatus(e.message, true); return; }
  const c = document.getElementById("controls");
  if (!s.live) { c.replaceChildren(); setStatus("core dump (read-only)"); return; }
  c.replaceChildren(
    el("button", {id: "btn-halt", disabled: !s.running, onclick: () => control("halt")}, "Halt"),
    el("button", {id: "btn-continue", disabled: s.running || s.exited, onclick: () => control("continue")}, "Continue"),
    el("button", {id: "btn-refresh", disabled: s.running, onclick: () => route()}, "Refresh"));
  document.body.dataset.running = s.running ? "1" : "";
  if (s.running) { setStatus("running…"); schedulePoll(500); return; }
  if (s.exited) setStatus("the target exited with status " + s.exit_status, true);
  else if (s.error) setStatus(s.error, true);
  else setStatus(s.stopped_at ? "stopped at " + loc(s.stopped_at) + (s.breakpoint ? " (breakpoint " + s.breakpoint + ")" : "") : "stopped");
  if (wasRunning) { wasRunning = false; route(); }
}

let wasRunning = false;
let pollTimer = null;

// schedulePoll keeps one chain of session polls (only while the target runs).
function schedulePoll(ms) {
  clearTimeout(pollTimer);
  pollTimer = setTimeout(pollSession, ms);
}

async function control(what) {
  if (what === "halt" && topState.on) stopAuto(); // a halt ends the sampling too
  try {
    await livePost(what);
    wasRunning = true;
  } catch (e) { setStatus(e.message, true); }
  schedulePoll(0);
}

// ---- routing ----

async function route() {
  const h = location.hash || "#ps";
  if (h !== "#top" && topState.on) stopAuto();
  for (const a of document.querySelectorAll("nav a")) a.className = h.startsWith(a.getAttribute("href")) ? "on" : "";
  try {
    if (h.startsWith("#g/")) await showGoroutine(decodeURIComponent(h.slice(3)));
    else if (h === "#tree") await showTree();
    else if (h === "#terminated") await showTerminated();
    else if (h === "#swallowed") await showSwallowed();
    else if (h === "#top") await showTop();
    else await showTable();
  } catch (e) {
    MAIN.replaceChildren(el("p", {className: "error"}, e.message));
  }
  document.body.dataset.view = h;
  document.body.dataset.ready = String(++renders);
}

let renders = 0;
window.addEventListener("hashchange", route);
if (!LIVE) {
  REPORT = loadReport();
  setStatus(REPORT.raw.title);
  // A big report opens on where goroutines pile up: grouped by location.
  if (REPORT.rows.length > 5000) table.group = "location";
}
pollSession();
route();
