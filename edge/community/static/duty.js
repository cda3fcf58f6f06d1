// The duty page: who is on duty at each lane, signing in for a shift and out with a handover
// note the next shift sees, lanes working with nobody signed in (the gateway raises them to
// the centre too), residents out past their return time, and the manual registration of a
// person without a code.
"use strict";
(function () {
  const { el, table, say, api, problem, t, message, fmt, directionWords } = Community;
  const $ = (id) => document.getElementById(id);
  const drafts = {};  // handover notes being typed, by lane: a refresh must not lose them
  let names = {};
  let policy = null;

  function me() { return Shell.user ? Shell.user.username : null; }

  function laneCard(lane) {
    const mine = lane.on_duty.some((s) => s.user === me());
    const staffed = lane.on_duty.length > 0;
    const unstaffed = !staffed && lane.active;
    const card = el("article", { class: `panel lane-card ${staffed ? "staffed" : unstaffed ? "unstaffed" : ""}`, "data-lane": lane.lane });
    card.append(el("h3", {}, el("span", { translate: "no" }, names[lane.lane] || lane.lane), " ",
      el("span", { class: "badge" }, directionWords(lane.direction))));
    card.append(el("p", { class: "staff" }, staffed
      ? lane.on_duty.map((s) => t("{user} on duty since {time}", { user: s.user, time: fmt.when(s.since) })).join("; ")
      : el("b", {}, t("Nobody on duty"))));
    card.append(el("p", { class: "muted" }, lane.active ? t("Devices working") : t("Devices quiet")));
    if (unstaffed) {
      // The page's own words (the gateway's alert names the lane by its id, for the centre).
      card.append(el("p", { class: lane.alert ? "error raised" : "error", role: "alert" }, t("Devices are working and nobody is signed in: sign in to this lane.")));
    }
    if (lane.handover) {
      const h = lane.handover;
      card.append(el("p", { class: "muted" }, t("Handover note from {user}, {time}:", { user: h.user, time: fmt.when(h.ended_at) })),
        h.handover_note
          ? el("p", { class: "note", "data-handover": lane.lane, translate: "no" }, h.handover_note)
          : el("p", { class: "note muted", "data-handover": lane.lane }, t("(no note)")));
    }
    if (mine) {
      const note = el("textarea", { rows: 3, maxlength: 2000, "data-note": lane.lane });
      note.value = drafts[lane.lane] || "";
      note.addEventListener("input", () => { drafts[lane.lane] = note.value; });
      card.append(el("label", {}, t("Handover note for the next shift"), note),
        el("div", { class: "buttons" }, el("button", { type: "button", class: "primary", "data-sign-out": lane.lane }, t("Sign out: end my shift"))));
    } else {
      card.append(el("div", { class: "buttons" }, el("button", { type: "button", class: "primary", "data-sign-in": lane.lane }, t("Sign in to this lane"))));
    }
    return card;
  }

  async function signIn(lane) {
    try {
      const shift = await api.post("/api/community/duty/sign-in", { lane });
      say(shift.handover
        ? t("Signed in. Read the handover note from {user}.", { user: shift.handover.user })
        : t("Signed in."));
      await refresh();
    } catch (error) { say(problem(error), true); }
  }

  async function signOut(lane) {
    const note = drafts[lane] || "";
    if (!note.trim() && !window.confirm(t("Sign out without a handover note?"))) return;
    try {
      await api.post("/api/community/duty/sign-out", { lane, note });
      delete drafts[lane];
      say(t("Signed out. The next shift will see your note."));
      await refresh();
    } catch (error) { say(problem(error), true); }
  }

  function renderOutLate(list) {
    $("out-late").hidden = !list.length;
    if (!list.length) return;
    $("out-late-count").textContent = I18N.tn("{n} resident is out past the time due back", "{n} residents are out past the time due back", list.length);
    const rows = list.map((o) => el("tr", { "data-member": o.member_id },
      el("td", { translate: "no" }, o.name), el("td", { translate: "no" }, o.household),
      el("td", {}, fmt.when(o.out_since)), el("td", {}, fmt.when(o.due)), el("td", {}, fmt.duration(Date.now() / 1000 - o.due))));
    $("out-late-list").replaceChildren(table([t("Full name"), t("Household"), t("Went out"), t("Due back"), t("Late by")], rows));
  }

  async function refresh() {
    let duty, late;
    try {
      [duty, late] = await Promise.all([api.get("/api/community/duty"), api.get("/api/community/out-late")]);
    } catch (error) {
      if (error.status !== 401) $("updated").textContent = t("offline: {error}", { error: problem(error) });
      return;
    }
    // A note being typed keeps its place and focus: the cards are redrawn only when idle.
    const typing = document.activeElement && document.activeElement.matches("#lanes textarea");
    if (!typing) {
      $("lanes").replaceChildren(...duty.map(laneCard));
      for (const b of $("lanes").querySelectorAll("[data-sign-in]")) b.addEventListener("click", () => signIn(b.dataset.signIn));
      for (const b of $("lanes").querySelectorAll("[data-sign-out]")) b.addEventListener("click", () => signOut(b.dataset.signOut));
    }
    renderOutLate(late);
    const form = $("manual-form");
    if (!form.lane.options.length) {
      form.lane.replaceChildren(...duty.map((l) => el("option", { value: l.lane }, names[l.lane] || l.lane)));
      const mine = duty.find((l) => l.on_duty.some((s) => s.user === me()));
      if (mine) form.lane.value = mine.lane;
    }
    $("updated").textContent = t("updated {time}", { time: fmt.time(Date.now() / 1000) });
  }

  function outcomeWord(outcome) {
    return { ADMIT: t("ADMIT"), DENY: t("DENY"), RECHECK: t("RECHECK") }[outcome] || outcome;
  }

  function wireManual() {
    const form = $("manual-form");
    const manual = policy && policy.manual ? policy.manual : { categories: [], require_id_last4: false };
    form.category.replaceChildren(...manual.categories.map((c) => el("option", { value: c }, t(c))));
    form.id_last4.required = !!manual.require_id_last4;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = {
        lane: form.lane.value, category: form.category.value, reason: form.reason.value.trim(),
        temperature: form.temperature.value ? Number(form.temperature.value) : null,
        id_last4: form.id_last4.value.trim().toUpperCase(), name: form.name.value.trim(),
      };
      try {
        const decided = await api.post("/api/community/manual", body);
        const kind = { ADMIT: "ok", DENY: "bad", RECHECK: "warn" }[decided.outcome] || "";
        $("manual-result").replaceChildren(el("p", { class: "panel", "data-outcome": decided.outcome },
          el("span", { class: `badge ${kind}` }, outcomeWord(decided.outcome)), " ", message(decided.reason)));
        form.reason.value = ""; form.temperature.value = ""; form.id_last4.value = ""; form.name.value = "";
      } catch (error) { say(problem(error), true); }
    });
  }

  Shell.ready.then(async () => {
    try {
      const [lanes, found] = await Promise.all([api.get("/api/lanes"), api.get("/api/policy")]);
      names = Object.fromEntries(lanes.map((l) => [l.id, l.name]));
      policy = found;
    } catch (_) { /* the lanes keep their ids; the form its defaults */ }
    wireManual();
    await refresh();
    setInterval(refresh, 5000);
  });
})();
