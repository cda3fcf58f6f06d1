// The checkpoint page: log in, then follow /api/live (server-sent events) and draw each lane's
// decision the moment it arrives. All data goes in with textContent, never as HTML.
"use strict";

const OUTCOMES = ["ADMIT", "DENY", "RECHECK"];
const KEEP_RECENT = 50;
const state = {
  user: null,
  lanes: new Map(),      // id -> lane view
  shown: new Map(),      // lane id -> {kind: "idle"|"pending"|"decision"|"notice", ...}
  screenings: new Map(), // decision key -> screening (for the recent list and overrides)
  recent: [],            // decision keys, newest first
  devices: new Map(),
  source: null,
  countsTimer: null,
};

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function clock(at) {
  return at ? new Date(at * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" }) : "";
}

function celsius(t) {
  return t === null || t === undefined ? "no temperature" : `${Number(t).toFixed(1)} °C`;
}

function words(code) {
  return code ? String(code).replace(/[_-]+/g, " ") : "";
}

async function api(path, options) {
  const response = await fetch(path, Object.assign({ credentials: "same-origin", headers: { "Content-Type": "application/json" } }, options || {}));
  let body = null;
  try { body = await response.json(); } catch (_) { body = null; }
  if (!response.ok) {
    const detail = body && body.detail ? (typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail)) : response.statusText;
    const error = new Error(detail);
    error.status = response.status;
    throw error;
  }
  return body;
}

// ---- login ---------------------------------------------------------------------------------
function showLogin(message) {
  closeLive();
  state.user = null;
  $("app").hidden = true;
  $("who").hidden = true;
  $("connection").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message || "";
  $("username").focus();
}

// Where another page (the storeroom, the docs) sent someone to log in: only a path on this
// gateway, never another site.
function nextPage() {
  const next = new URLSearchParams(location.search).get("next");
  return next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : null;
}

function showApp(user) {
  const next = nextPage();
  if (next) { location.assign(next); return; }
  state.user = user;
  $("login").hidden = true;
  $("app").hidden = false;
  $("who").hidden = false;
  $("who-name").textContent = `${user.username} (${user.role})`;
  document.body.classList.toggle("supervisor", !!user.supervisor);
  $("end-all").hidden = !user.supervisor;
  openLive();
}

async function start() {
  try {
    showApp(await api("/api/me"));
  } catch (error) {
    if (error.status === 401) showLogin("");
    else { showLogin(""); $("login-error").textContent = "The gateway does not answer; retrying…"; setTimeout(start, 3000); }
  }
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("login-error").textContent = "";
  try {
    const user = await api("/api/login", { method: "POST", body: JSON.stringify({ username: $("username").value.trim(), password: $("password").value }) });
    $("password").value = "";
    showApp(user);
  } catch (error) {
    $("login-error").textContent = error.status ? error.message : "The gateway does not answer.";
  }
});

$("logout").addEventListener("click", async () => {
  try { await api("/api/logout", { method: "POST" }); } catch (_) { /* logged out locally anyway */ }
  showLogin("Logged out.");
});

// ---- live channel --------------------------------------------------------------------------
function closeLive() {
  if (state.source) { state.source.close(); state.source = null; }
}

function openLive() {
  closeLive();
  const source = new EventSource("/api/live");
  state.source = source;
  source.onopen = () => { $("connection").hidden = true; };
  source.onmessage = (message) => {
    let event;
    try { event = JSON.parse(message.data); } catch (_) { return; }
    handle(event);
  };
  source.onerror = () => {
    if (state.source !== source) return;
    $("connection").hidden = false;
    // The browser retries by itself after a network error; after an HTTP error (a 401 when
    // the session expired) it gives up, so find out why and log in or retry.
    if (source.readyState === EventSource.CLOSED) {
      closeLive();
      setTimeout(async () => {
        try { await api("/api/me"); openLive(); }
        catch (error) { if (error.status === 401) showLogin("Your session ended: log in again."); else openLive(); }
      }, 2000);
    }
  };
}

const handlers = {
  snapshot(event) {
    state.lanes.clear();
    for (const lane of event.lanes) state.lanes.set(lane.id, lane);
    state.devices.clear();
    for (const device of event.devices) state.devices.set(device.id, device);
    // Decisions shown but not recorded yet (the storage is failing) stay on the page.
    const waiting = [...state.screenings.values()].filter((s) => s.recorded !== "yes");
    state.screenings.clear();
    state.recent = [];
    for (const s of event.screenings) { s.recorded = "yes"; state.screenings.set(s.key, s); state.recent.push(s.key); }
    for (const s of waiting) if (!state.screenings.has(s.key)) { state.screenings.set(s.key, s); state.recent.unshift(s.key); }
    for (const lane of event.lanes) {
      const latest = event.latest[lane.id];
      const shown = state.shown.get(lane.id);
      if (lane.waiting_for) state.shown.set(lane.id, { kind: "pending", waiting_for: lane.waiting_for });
      else if (shown && shown.kind === "decision" && state.screenings.has(shown.key) && state.screenings.get(shown.key).recorded !== "yes") { /* keep it */ }
      else if (latest) { latest.recorded = "yes"; state.screenings.set(latest.key, latest); state.shown.set(lane.id, { kind: "decision", key: latest.key }); }
      else state.shown.set(lane.id, { kind: "idle" });
    }
    $("policy-version").textContent = event.policy_version || "?";
    if (event.storage) renderStorage(event.storage);
    renderLanes(); renderDevices(); renderRecent();
  },
  ScreeningDecided(event) {
    // Shown at once; ScreeningRecorded follows when it is on record (then it can be overridden).
    const s = {
      key: event.key, id: null, recorded: "pending", lane: event.lane, decided_at: event.at,
      outcome: event.outcome, decided_outcome: event.outcome, reason: event.reason,
      rule: event.rule, temperature: event.temperature, code_type: event.code_type,
      code_status: event.code_status, complete: event.complete, override_user: null,
      override_reason: null,
    };
    state.screenings.set(s.key, s);
    state.recent = [s.key, ...state.recent.filter((key) => key !== s.key)].slice(0, KEEP_RECENT);
    state.shown.set(s.lane, { kind: "decision", key: s.key });
    const lane = state.lanes.get(s.lane);
    if (lane && lane.counts_today) {  // count at once; the refresh below brings the truth
      lane.counts_today[s.outcome] = (lane.counts_today[s.outcome] || 0) + 1;
      lane.counts_today.total = (lane.counts_today.total || 0) + 1;
    }
    renderLane(s.lane); renderRecent(); refreshCountsSoon();
  },
  ScreeningRecorded(event) {
    const s = state.screenings.get(event.key);
    if (!s) return;
    s.id = event.screening_id; s.recorded = "yes"; s.record_note = null;
    renderLane(s.lane); renderRecent();
  },
  ScreeningNotRecorded(event) {
    const s = state.screenings.get(event.key);
    if (!s) return;
    s.recorded = event.kept ? "waiting" : "lost"; s.record_note = event.reason;
    renderLane(s.lane); renderRecent();
  },
  StorageStatus(event) { renderStorage(event); },
  ScreeningPending(event) {
    state.shown.set(event.lane, { kind: "pending", waiting_for: event.waiting_for, temperature: event.temperature, code_type: event.code_type, at: event.at });
    renderLane(event.lane);
  },
  DeviceInputRejected(event) {
    if (!event.lane) return;
    state.shown.set(event.lane, { kind: "notice", notice: event.notice || "unreadable input: try again", reason: event.reason, at: event.at });
    renderLane(event.lane);
  },
  DecisionOverridden(event) {
    const s = [...state.screenings.values()].find((x) => x.id === event.screening_id);
    if (s) { s.outcome = event.after; s.override_user = event.user; s.override_reason = event.reason; }
    renderLane(event.lane); renderRecent(); refreshCountsSoon();
    if ($("audit").open) loadOverrides();
  },
  DeviceStatus(event) {
    const device = state.devices.get(event.device) || { id: event.device, kind: event.kind, lane: null, transport: "", rejected: {} };
    Object.assign(device, { state: event.state, reason: event.reason, since: event.at });
    state.devices.set(device.id, device);
    renderDevices();
  },
  PolicyChanged(event) { $("policy-version").textContent = event.version; },
};

function handle(event) {
  const handler = handlers[event.type];
  if (handler) handler(event);
}

function refreshCountsSoon() {
  clearTimeout(state.countsTimer);
  state.countsTimer = setTimeout(async () => {
    try {
      for (const lane of await api("/api/lanes")) {
        state.lanes.set(lane.id, lane);
        renderCounts(lane.id);
      }
    } catch (_) { /* the next event or snapshot brings them */ }
  }, 250);
}

// ---- drawing -------------------------------------------------------------------------------
function laneNode(id) {
  let node = document.querySelector(`.lane[data-lane="${CSS.escape(id)}"]`);
  if (!node) {
    const lane = state.lanes.get(id) || { id, name: id };
    node = el("article", { class: "lane", "data-lane": id },
      el("header", {}, el("h2", { text: lane.name || id }), el("div", { class: "counts" })),
      el("div", { class: "decision idle", "aria-live": "assertive", "aria-atomic": "true" }));
    $("lanes").append(node);
  }
  return node;
}

function renderLanes() {
  $("lanes").replaceChildren();
  for (const id of state.lanes.keys()) renderLane(id);
}

function renderCounts(id) {
  const lane = state.lanes.get(id);
  const counts = (lane && lane.counts_today) || {};
  laneNode(id).querySelector(".counts").replaceChildren(
    el("span", {}, "today ", el("b", { text: counts.total || 0 })),
    ...OUTCOMES.map((o) => el("span", {}, `${o} `, el("b", { text: counts[o] || 0 }))));
}

function overrideButton(s) {
  if (!state.user || !state.user.supervisor || !s.id) return null;  // only what is on record
  return el("button", { type: "button", class: "override", "data-screening": s.id, onclick: () => openOverride(s.key) }, "Override");
}

const RECORD_MARKS = { pending: "recording…", waiting: "NOT RECORDED YET", lost: "NOT RECORDED" };

function recordMark(s) {
  if (!s.recorded || s.recorded === "yes") return null;
  return el("div", { class: `rec ${s.recorded}`, role: s.recorded === "pending" ? null : "status", title: s.record_note || "" },
    RECORD_MARKS[s.recorded] + (s.record_note && s.recorded !== "pending" ? `: ${s.record_note}` : ""));
}

function renderStorage(status) {
  const banner = $("storage");
  if (status.ok) { banner.hidden = true; banner.replaceChildren(); return; }
  const waiting = status.unrecorded ? ` ${status.unrecorded} decision(s) shown are kept in memory and will be recorded when it works again.` : "";
  banner.replaceChildren(
    el("b", {}, "Storage full or failing: decisions are not being recorded. "),
    el("span", {}, `${status.what}. What to do: ${status.advice}.${waiting}`));
  banner.hidden = false;
}

function overrideNote(s) {
  if (!s.override_user) return null;
  return el("div", { class: "note" }, `Overridden by ${s.override_user} (policy said ${s.decided_outcome}): ${s.override_reason || ""}`);
}

function renderLane(id) {
  const node = laneNode(id);
  renderCounts(id);
  const panel = node.querySelector(".decision");
  const shown = state.shown.get(id) || { kind: "idle" };
  let cls = "decision idle";
  let children = [el("div", { class: "outcome" }, "Ready"), el("div", { class: "reason" }, "next resident please")];
  if (shown.kind === "pending") {
    cls = "decision pending";
    const have = shown.waiting_for === "code" ? (shown.temperature !== null && shown.temperature !== undefined ? celsius(shown.temperature) : "") : words(shown.code_type);
    children = [el("div", { class: "outcome" }, "WAIT"), el("div", { class: "reason" }, `waiting for ${shown.waiting_for}`),
      el("div", { class: "facts" }, have ? el("span", {}, have) : null, el("time", {}, clock(shown.at)))];
  } else if (shown.kind === "notice") {
    cls = "decision notice";
    // "unreadable code: scan again" -> "SCAN AGAIN"; "...: measure again" -> "MEASURE AGAIN"
    const action = shown.notice.includes(":") ? shown.notice.split(":").pop().trim().toUpperCase() : "TRY AGAIN";
    children = [el("div", { class: "outcome" }, action), el("div", { class: "reason" }, shown.notice),
      el("div", { class: "facts" }, el("time", {}, clock(shown.at)))];
  } else if (shown.kind === "decision") {
    const s = state.screenings.get(shown.key);
    if (s) {
      cls = `decision ${s.outcome}`;
      children = [
        el("div", { class: "outcome" }, s.outcome),
        el("div", { class: "reason" }, s.reason),
        el("div", { class: "facts" }, el("span", {}, celsius(s.temperature)), el("span", {}, words(s.code_type) || "no code"),
          s.code_status ? el("span", {}, `code ${words(s.code_status)}`) : null, el("time", {}, clock(s.decided_at))),
        recordMark(s), overrideNote(s), overrideButton(s)];
    }
  }
  const s = shown.kind === "decision" ? state.screenings.get(shown.key) : null;
  panel.className = cls;
  panel.dataset.kind = shown.kind;
  panel.dataset.screening = (s && s.id) || "";
  panel.replaceChildren(...children.filter(Boolean));
}

function renderDevices() {
  const items = [...state.devices.values()].sort((a, b) => (a.lane || "").localeCompare(b.lane || "") || a.id.localeCompare(b.id));
  $("devices").replaceChildren(...items.map((d) => {
    const rejected = Object.values(d.rejected || {}).reduce((a, b) => a + b, 0);
    return el("li", { "data-device": d.id },
      el("div", {}, el("b", { text: d.id }), " ", el("span", { class: `badge ${d.state}`, text: d.state })),
      el("div", { class: "small" }, [words(d.kind), d.lane ? `lane ${d.lane}` : null, d.reason].filter(Boolean).join(" · ")),
      rejected ? el("div", { class: "small" }, `${rejected} unreadable input(s)`) : null);
  }));
}

function renderRecent() {
  $("recent").replaceChildren(...state.recent.map((key) => state.screenings.get(key)).filter(Boolean).map((s) =>
    el("li", { "data-screening": s.id || "", "data-key": s.key },
      el("span", { class: `badge ${s.outcome}`, text: s.outcome }),
      el("span", {}, s.reason),
      el("span", { class: "small" }, `${clock(s.decided_at)} · ${s.lane} · ${celsius(s.temperature)} · ${words(s.code_type) || "no code"}${s.id ? ` · #${s.id}` : ""}`),
      recordMark(s),
      s.override_user ? el("span", { class: "over" }, `overridden by ${s.override_user}: ${s.override_reason || ""}`) : null,
      overrideButton(s))));
}

async function loadOverrides() {
  try {
    const rows = await api("/api/overrides");
    $("overrides").replaceChildren(...rows.map((o) => el("li", {},
      el("span", { class: "small" }, `${new Date(o.at * 1000).toLocaleString()} · #${o.screening_id}`),
      el("span", {}, `${o.user}: ${o.before} → ${o.after}`), el("span", {}, o.reason))));
  } catch (error) {
    $("overrides").replaceChildren(el("li", {}, `could not load: ${error.message}`));
  }
}
$("audit").addEventListener("toggle", () => { if ($("audit").open) loadOverrides(); });

// ---- override dialog -----------------------------------------------------------------------
let overriding = null;

function openOverride(key) {
  const s = state.screenings.get(key);
  if (!s || !s.id) return;
  overriding = s.id;
  $("override-id").textContent = `#${s.id}`;
  $("override-current").textContent = `Now ${s.outcome}: ${s.reason}`;
  $("override-outcome").replaceChildren(...OUTCOMES.filter((o) => o !== s.outcome).map((o) => el("option", { value: o, text: o })));
  $("override-reason").value = "";
  $("override-error").textContent = "";
  $("override-dialog").showModal();
  $("override-reason").focus();
}

$("override-cancel").addEventListener("click", () => $("override-dialog").close());
$("override-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const reason = $("override-reason").value.trim();
  if (!reason) { $("override-error").textContent = "Give a reason."; return; }
  try {
    const view = await api(`/api/screenings/${overriding}/override`, { method: "POST", body: JSON.stringify({ outcome: $("override-outcome").value, reason }) });
    state.screenings.set(view.key, Object.assign(state.screenings.get(view.key) || {}, view, { recorded: "yes" }));
    renderLane(view.lane); renderRecent();
    $("override-dialog").close();
  } catch (error) {
    if (error.status === 401) { $("override-dialog").close(); showLogin("Your session ended: log in again."); return; }
    $("override-error").textContent = error.message;
  }
});

// ---- password, and signing everyone out ------------------------------------------------------
const ACCOUNT_TEXT = {
  differ: "The two new passwords differ.",
  confirmEndAll: "Sign out everyone else, on every tablet and phone? They must log in again.",
  ended: (n) => `${n} session(s) ended. Everyone else must log in again.`,
};

$("password-open").addEventListener("click", () => {
  $("password-form").reset();
  $("password-error").textContent = "";
  $("password-dialog").showModal();
  $("password-current").focus();
});
$("password-cancel").addEventListener("click", () => $("password-dialog").close());
$("password-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  if ($("password-new").value !== $("password-again").value) { $("password-error").textContent = ACCOUNT_TEXT.differ; return; }
  try {
    await api("/api/password", { method: "POST", body: JSON.stringify({ current_password: $("password-current").value, new_password: $("password-new").value }) });
    $("password-form").reset();
    $("password-dialog").close();
  } catch (error) {
    if (error.status === 401) { $("password-dialog").close(); showLogin("Your session ended: log in again."); return; }
    $("password-error").textContent = error.message;
  }
});

$("end-all").addEventListener("click", async () => {
  if (!window.confirm(ACCOUNT_TEXT.confirmEndAll)) return;
  try {
    const result = await api("/api/sessions/end-all", { method: "POST" });
    window.alert(ACCOUNT_TEXT.ended(result.ended));
  } catch (error) {
    if (error.status === 401) showLogin("Your session ended: log in again.");
    else window.alert(error.message);
  }
});

start();
