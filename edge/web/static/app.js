// The checkpoint page: log in, then follow /api/live (server-sent events) and draw each lane's
// decision the moment it arrives, with its sound. All data goes in with textContent, never as
// HTML; every word goes through I18N (t for the page's own words, message for the server's).
//
// The desk: a sound per outcome and a fever alarm until acknowledged (sound.js), a lane shown
// alone and large for the queue to see (?lane=ID, or keys 1-9), keyboard shortcuts (?).
"use strict";

const OUTCOMES = ["ADMIT", "DENY", "RECHECK"];
// Colour, a symbol and a word: the outcome reads without colour (and from across the gate).
const SYMBOLS = { ADMIT: "✓", DENY: "✕", RECHECK: "↻", pending: "…", notice: "!", idle: "" };
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
  fevers: [],            // fever denials not acknowledged yet: {key, lane, temperature, at}
  queueLane: null,       // the lane shown alone (the view for the queue), or null
};

const $ = (id) => document.getElementById(id);
const { t, tn, message, fmt } = I18N;

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

// ---- words -----------------------------------------------------------------------------------
function outcomeWord(outcome) {
  return { ADMIT: t("ADMIT"), DENY: t("DENY"), RECHECK: t("RECHECK") }[outcome] || outcome;
}

function temperature(value) {
  return value === null || value === undefined ? t("no temperature") : fmt.celsius(value);
}

function codeType(type) {
  if (!type) return t("no code");
  const key = String(type).replace(/[_\s]+/g, "-");
  return { "community-pass": t("community pass"), "eu-dcc": t("EU health certificate"), unknown: t("unknown code") }[key] || String(type).replace(/[_-]+/g, " ");
}

function codeStatus(status) {
  return { green: t("code green"), yellow: t("code yellow"), red: t("code red") }[status] || message(status);
}

function deviceState(value) {
  return { connected: t("connected"), silent: t("silent"), unplugged: t("unplugged"), fault: t("fault"), starting: t("starting") }[value] || message(value);
}

function deviceKind(kind) {
  return { thermometer: t("thermometer"), scanner: t("scanner"), camera: t("camera") }[kind] || kind;
}

function laneName(id) {
  const lane = state.lanes.get(id);
  return (lane && lane.name) || id;
}

// ---- login -----------------------------------------------------------------------------------
function showLogin(note) {
  closeLive();
  alarmOff();
  state.user = null;
  Shell.hide();
  $("app").hidden = true;
  $("desk").hidden = true;
  $("connection").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = note || "";
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
  Shell.show(user);
  $("login").hidden = true;
  $("app").hidden = false;
  $("desk").hidden = false;
  soundChanged();
  openLive();
}

async function start() {
  await Shell.ready;
  Shell.onSessionEnded((note) => showLogin(note === undefined ? t("Your session ended: log in again.") : note));
  let response = null;
  try { response = await fetch("/api/me", { credentials: "same-origin" }); } catch (_) { response = null; }
  if (response && response.status === 401) { showLogin(""); return; }
  if (!response || !response.ok) {
    showLogin("");
    $("login-error").textContent = t("The gateway does not answer; retrying…");
    setTimeout(start, 3000);
    return;
  }
  showApp(await response.json());
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("login-error").textContent = "";
  try {
    const response = await fetch("/api/login", {
      method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: $("username").value.trim(), password: $("password").value }),
    });
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      $("login-error").textContent = message((body && typeof body.detail === "string" && body.detail) || response.statusText);
      return;
    }
    $("password").value = "";
    showApp(body);
  } catch (_) {
    $("login-error").textContent = t("The gateway does not answer.");
  }
});

// ---- live channel ----------------------------------------------------------------------------
function closeLive() {
  if (state.source) { state.source.close(); state.source = null; }
}

function openLive() {
  closeLive();
  const source = new EventSource("/api/live");
  state.source = source;
  source.onopen = () => { $("connection").hidden = true; };
  source.onmessage = (event) => {
    let data;
    try { data = JSON.parse(event.data); } catch (_) { return; }
    handle(data);
  };
  source.onerror = () => {
    if (state.source !== source) return;
    $("connection").hidden = false;
    // The browser retries by itself after a network error; after an HTTP error (a 401 when
    // the session expired) it gives up, so find out why and log in or retry.
    if (source.readyState === EventSource.CLOSED) {
      closeLive();
      setTimeout(async () => {
        try { await Shell.api("/api/me"); openLive(); }
        catch (error) { if (error.status !== 401) openLive(); }
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
    renderLanes(); renderDevices(); renderRecent(); renderAlarm();
    queueFromAddress();
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
    if (s.rule === "fever") {
      state.fevers.push({ key: s.key, lane: s.lane, temperature: s.temperature, at: s.decided_at });
      renderAlarm();
    } else {
      Cues.play(s.outcome);
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
    state.shown.set(event.lane, { kind: "notice", notice: event.notice || t("unreadable input: try again"), reason: event.reason, at: event.at });
    Cues.play("notice");
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
      for (const lane of await Shell.api("/api/lanes")) {
        state.lanes.set(lane.id, lane);
        renderCounts(lane.id);
      }
    } catch (_) { /* the next event or snapshot brings them */ }
  }, 250);
}

// ---- the fever alarm ---------------------------------------------------------------------------
function renderAlarm() {
  const fever = state.fevers[state.fevers.length - 1];
  $("alarm").hidden = !fever;
  if (fever) {
    const more = state.fevers.length > 1 ? " " + tn("({n} fever not acknowledged)", "({n} fevers not acknowledged)", state.fevers.length) : "";
    $("alarm-text").textContent = t("Fever at {lane}: {temperature}, {time}. Keep the resident apart and follow the fever procedure.", {
      lane: laneName(fever.lane), temperature: temperature(fever.temperature), time: fmt.time(fever.at),
    }) + more;
  }
  Cues.alarm(!!fever);
}

function acknowledgeAlarm() {
  if (!state.fevers.length) return false;
  state.fevers = [];
  renderAlarm();
  return true;
}

function alarmOff() { state.fevers = []; renderAlarm(); }

$("alarm-ack").addEventListener("click", acknowledgeAlarm);

// ---- sound -------------------------------------------------------------------------------------
function soundChanged() {
  const muted = Cues.muted;
  $("mute").setAttribute("aria-pressed", muted ? "true" : "false");
  $("mute-label").textContent = muted ? t("Sound off") : t("Sound on");
  $("sound-off").hidden = muted || !Cues.locked || !state.user;
}
Cues.onChange(soundChanged);
$("mute").addEventListener("click", () => Cues.setMuted(!Cues.muted));
$("sound-on").addEventListener("click", () => { Cues.unlock(); });

// ---- drawing -----------------------------------------------------------------------------------
function laneNode(id) {
  let node = document.querySelector(`.lane[data-lane="${CSS.escape(id)}"]`);
  if (!node) {
    const lane = state.lanes.get(id) || { id, name: id };
    const position = [...state.lanes.keys()].indexOf(id) + 1;
    node = el("article", { class: "lane", "data-lane": id },
      el("header", {}, el("h2", { text: lane.name || id, translate: "no" }), el("div", { class: "counts" }),
        el("button", { type: "button", class: "quiet lane-view", "aria-label": t("Show this lane alone, large"), onclick: () => enterQueue(id) },
          t("Lane view"), position > 0 && position < 10 ? el("kbd", { translate: "no" }, String(position)) : null)),
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
    el("span", {}, t("today") + " ", el("b", { text: fmt.number(counts.total || 0) })),
    ...OUTCOMES.map((o) => el("span", { "data-outcome": o }, `${outcomeWord(o)} `, el("b", { text: fmt.number(counts[o] || 0) }))));
}

function overrideButton(s) {
  if (!state.user || !state.user.supervisor || !s.id) return null;  // only what is on record
  return el("button", { type: "button", class: "override", "data-screening": s.id, onclick: () => openOverride(s.key) }, t("Override"));
}

function recordMark(s) {
  if (!s.recorded || s.recorded === "yes") return null;
  const marks = { pending: t("recording…"), waiting: t("NOT RECORDED YET"), lost: t("NOT RECORDED") };
  const note = s.record_note ? message(s.record_note) : "";
  return el("div", { class: `rec ${s.recorded}`, role: s.recorded === "pending" ? null : "status", title: note },
    marks[s.recorded] + (note && s.recorded !== "pending" ? `: ${note}` : ""));
}

function renderStorage(status) {
  const banner = $("storage");
  if (status.ok) { banner.hidden = true; banner.replaceChildren(); return; }
  const waiting = status.unrecorded ? " " + tn("{n} decision shown is kept in memory and will be recorded when the storage works again.", "{n} decisions shown are kept in memory and will be recorded when the storage works again.", status.unrecorded) : "";
  banner.replaceChildren(
    el("b", {}, t("Storage full or failing: decisions are not being recorded."), " "),
    el("span", {}, t("{what}. What to do: {advice}.", { what: message(status.what), advice: message(status.advice) }) + waiting));
  banner.hidden = false;
}

function overrideNote(s) {
  if (!s.override_user) return null;
  return el("div", { class: "note" }, t("Overridden by {user} (policy said {outcome}): {reason}", { user: s.override_user, outcome: outcomeWord(s.decided_outcome), reason: s.override_reason || "" }));
}

// What the lane shows: a headline (symbol and word), the reason, the facts.
function headline(kind, word) {
  return el("div", { class: "headline" }, el("span", { class: "symbol", "aria-hidden": "true" }, SYMBOLS[kind] || ""), el("span", { class: "outcome" }, word));
}

// The resident's next step, for the lane view facing the queue.
function waitingWords(waitingFor) {
  return waitingFor === "code" ? t("waiting for code") : waitingFor === "temperature" ? t("waiting for temperature") : message(waitingFor);
}

function noticeAction(notice) {
  // "unreadable code: scan again" -> "SCAN AGAIN"; "...: measure again" -> "MEASURE AGAIN"
  const english = String(notice).includes(":") ? String(notice).split(":").pop().trim() : "";
  return { "scan again": t("SCAN AGAIN"), "measure again": t("MEASURE AGAIN") }[english] || t("TRY AGAIN");
}

function renderLane(id) {
  const node = laneNode(id);
  renderCounts(id);
  const panel = node.querySelector(".decision");
  const shown = state.shown.get(id) || { kind: "idle" };
  let cls = "decision idle";
  let children = [headline("idle", t("Ready")), el("div", { class: "reason" }, t("next resident please"))];
  if (shown.kind === "pending") {
    cls = "decision pending";
    const have = shown.waiting_for === "code" ? (shown.temperature !== null && shown.temperature !== undefined ? temperature(shown.temperature) : "") : (shown.code_type ? codeType(shown.code_type) : "");
    children = [headline("pending", t("WAIT")), el("div", { class: "reason" }, waitingWords(shown.waiting_for)),
      el("div", { class: "facts" }, have ? el("span", {}, have) : null, el("time", {}, fmt.time(shown.at)))];
  } else if (shown.kind === "notice") {
    cls = "decision notice";
    children = [headline("notice", noticeAction(shown.notice)), el("div", { class: "reason" }, message(shown.notice)),
      el("div", { class: "facts" }, el("time", {}, fmt.time(shown.at)))];
  } else if (shown.kind === "decision") {
    const s = state.screenings.get(shown.key);
    if (s) {
      cls = `decision ${s.outcome}`;
      children = [
        headline(s.outcome, outcomeWord(s.outcome)),
        el("div", { class: "reason" }, message(s.reason)),
        el("div", { class: "facts" }, el("span", {}, temperature(s.temperature)), el("span", {}, codeType(s.code_type)),
          s.code_status ? el("span", {}, codeStatus(s.code_status)) : null, el("time", {}, fmt.time(s.decided_at))),
        recordMark(s), overrideNote(s), overrideButton(s)];
    }
  }
  const s = shown.kind === "decision" ? state.screenings.get(shown.key) : null;
  panel.className = cls;
  panel.dataset.kind = shown.kind;
  panel.dataset.rule = (s && s.rule) || "";
  panel.dataset.screening = (s && s.id) || "";
  panel.replaceChildren(...children.filter(Boolean));
}

function renderDevices() {
  const items = [...state.devices.values()].sort((a, b) => (a.lane || "").localeCompare(b.lane || "") || a.id.localeCompare(b.id));
  $("devices").replaceChildren(...items.map((d) => {
    const rejected = Object.values(d.rejected || {}).reduce((a, b) => a + b, 0);
    return el("li", { "data-device": d.id },
      el("div", {}, el("b", { text: d.id, translate: "no" }), " ", el("span", { class: `badge ${d.state}`, "data-state": d.state, text: deviceState(d.state) })),
      el("div", { class: "small" }, [deviceKind(d.kind), d.lane ? t("lane {lane}", { lane: laneName(d.lane) }) : null, d.reason ? message(d.reason) : null].filter(Boolean).join(" · ")),
      rejected ? el("div", { class: "small" }, tn("{n} unreadable input", "{n} unreadable inputs", rejected)) : null);
  }));
}

function renderRecent() {
  $("recent").replaceChildren(...state.recent.map((key) => state.screenings.get(key)).filter(Boolean).map((s) =>
    el("li", { "data-screening": s.id || "", "data-key": s.key },
      el("span", { class: `badge ${s.outcome}`, "data-outcome": s.outcome }, `${SYMBOLS[s.outcome] || ""} ${outcomeWord(s.outcome)}`),
      el("span", {}, message(s.reason)),
      el("span", { class: "small" }, [fmt.time(s.decided_at), laneName(s.lane), temperature(s.temperature), codeType(s.code_type), s.id ? `#${s.id}` : null].filter(Boolean).join(" · ")),
      recordMark(s),
      s.override_user ? el("span", { class: "over" }, t("overridden by {user}: {reason}", { user: s.override_user, reason: s.override_reason || "" })) : null,
      overrideButton(s))));
}

async function loadOverrides() {
  try {
    const rows = await Shell.api("/api/overrides");
    $("overrides").replaceChildren(...rows.map((o) => el("li", {},
      el("span", { class: "small" }, `${fmt.dateTime(o.at)} · #${o.screening_id}`),
      el("span", {}, `${o.user}: ${outcomeWord(o.before)} → ${outcomeWord(o.after)}`), el("span", {}, o.reason))));
  } catch (error) {
    $("overrides").replaceChildren(el("li", {}, t("could not load: {error}", { error: error.message })));
  }
}
$("audit").addEventListener("toggle", () => { if ($("audit").open) loadOverrides(); });

// ---- override dialog ---------------------------------------------------------------------------
let overriding = null;

function openOverride(key) {
  const s = state.screenings.get(key);
  if (!s || !s.id) return;
  overriding = s.id;
  $("override-id").textContent = `#${s.id}`;
  $("override-current").textContent = t("Now {outcome}: {reason}", { outcome: outcomeWord(s.outcome), reason: message(s.reason) });
  $("override-outcome").replaceChildren(...OUTCOMES.filter((o) => o !== s.outcome).map((o) => el("option", { value: o, text: outcomeWord(o) })));
  $("override-reason").value = "";
  $("override-error").textContent = "";
  $("override-dialog").showModal();
  $("override-reason").focus();
}

$("override-cancel").addEventListener("click", () => $("override-dialog").close());
$("override-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const reason = $("override-reason").value.trim();
  if (!reason) { $("override-error").textContent = t("Give a reason."); return; }
  try {
    const view = await Shell.api(`/api/screenings/${overriding}/override`, { method: "POST", body: JSON.stringify({ outcome: $("override-outcome").value, reason }) });
    state.screenings.set(view.key, Object.assign(state.screenings.get(view.key) || {}, view, { recorded: "yes" }));
    renderLane(view.lane); renderRecent();
    $("override-dialog").close();
  } catch (error) {
    if (error.status === 401) { $("override-dialog").close(); return; }
    $("override-error").textContent = error.message;
  }
});

// ---- the lane view for the queue ---------------------------------------------------------------
// One lane alone, filling the screen: a tablet on a stand or a screen facing the queue.
function enterQueue(id) {
  if (!state.lanes.has(id)) return;
  state.queueLane = id;
  document.body.classList.add("queue");
  for (const node of document.querySelectorAll(".lane")) node.classList.toggle("focused", node.dataset.lane === id);
  $("queue-leave").hidden = false;
  const url = new URL(location.href);
  url.searchParams.set("lane", id);
  history.replaceState(null, "", url);
}

function leaveQueue() {
  if (!state.queueLane) return false;
  state.queueLane = null;
  document.body.classList.remove("queue");
  for (const node of document.querySelectorAll(".lane")) node.classList.remove("focused");
  $("queue-leave").hidden = true;
  if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
  const url = new URL(location.href);
  url.searchParams.delete("lane");
  history.replaceState(null, "", url);
  return true;
}

function queueFromAddress() {
  const id = new URLSearchParams(location.search).get("lane");
  if (id && state.lanes.has(id)) enterQueue(id);
  else if (state.queueLane) enterQueue(state.queueLane);
}

function toggleFullScreen() {
  if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
  else document.documentElement.requestFullscreen().catch(() => {});
}

$("queue-leave").addEventListener("click", leaveQueue);

// ---- keyboard shortcuts ------------------------------------------------------------------------
$("shortcuts-open").addEventListener("click", () => $("shortcuts-dialog").showModal());
$("shortcuts-close").addEventListener("click", () => $("shortcuts-dialog").close());

function latestDecision() {
  const lane = state.queueLane || [...state.lanes.keys()][0];
  const keys = state.recent.filter((key) => { const s = state.screenings.get(key); return s && s.id && (!state.queueLane || s.lane === lane); });
  return keys.length ? keys[0] : null;
}

document.addEventListener("keydown", (event) => {
  if (!state.user || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  const typing = target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
  if (typing || document.querySelector("dialog[open]")) return;  // Esc closes a dialog by itself
  const key = event.key;
  let done = true;
  if ((key === "a" || key === "A" || key === " ") && state.fevers.length) acknowledgeAlarm();
  else if (key === "m" || key === "M") Cues.setMuted(!Cues.muted);
  else if (/^[1-9]$/.test(key)) { const id = [...state.lanes.keys()][Number(key) - 1]; if (id) enterQueue(id); else done = false; }
  else if (key === "Escape") done = leaveQueue();
  else if (key === "f" || key === "F") { if (!state.queueLane) enterQueue([...state.lanes.keys()][0]); toggleFullScreen(); }
  else if ((key === "o" || key === "O") && state.user.supervisor) { const latest = latestDecision(); if (latest) openOverride(latest); else done = false; }
  else if (key === "r" || key === "R") { leaveQueue(); $("recent-title").scrollIntoView({ block: "start" }); }
  else if (key === "?") $("shortcuts-dialog").showModal();
  else done = false;
  if (done) event.preventDefault();
});

start();
