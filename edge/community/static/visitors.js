// The visitors page: staff register a visitor (host household, name, reason, when), the
// gateway signs a visitor pass shown here as a QR code to show or print; a visit can be
// cancelled, and its pass stops working at the gate at once.
"use strict";
(function () {
  const { el, table, say, api, problem, t, fmt, toInput, fromInput } = Community;
  const $ = (id) => document.getElementById(id);
  const HOURS = 4;  // a new visit's window, unless changed
  let visits = [];

  function when(v) {
    return t("{from} to {until}", { from: fmt.dateTime(v.valid_from), until: fmt.dateTime(v.valid_until) });
  }

  function stateOf(v, now) {
    if (v.cancelled_at) return el("span", { class: "badge" }, t("cancelled"));
    if (now < v.valid_from) return el("span", { class: "badge warn" }, t("not yet valid"));
    if (now > v.valid_until) return el("span", { class: "badge" }, t("ended"));
    return el("span", { class: "badge ok" }, t("valid now"));
  }

  function showPass(v) {
    $("pass-panel").hidden = false;
    $("pass-qr").src = `/api/community/visits/${encodeURIComponent(v.visit_id)}/qr.svg`;
    $("pass-name").textContent = v.name;
    $("pass-host").textContent = v.household;
    $("pass-window").textContent = when(v);
    $("pass-reason").textContent = v.reason;
    $("pass-panel").dataset.visit = v.visit_id;
    $("pass-panel").scrollIntoView({ block: "nearest" });
  }

  async function load() {
    try { visits = await api.get("/api/community/visits"); } catch (error) { say(problem(error), true); return; }
    const now = Date.now() / 1000;
    const rows = visits.map((v) => {
      const actions = el("td", {});
      if (v.pass_text && !v.cancelled_at && now <= v.valid_until) {
        actions.append(el("button", { type: "button", class: "quiet", "data-show": v.visit_id }, t("Show the pass")), " ",
          el("button", { type: "button", class: "danger", "data-cancel": v.visit_id }, t("Cancel the visit")));
      }
      const name = v.name ? el("span", { translate: "no" }, v.name) : el("span", { class: "muted" }, t("(name removed after the retention period)"));
      return el("tr", { "data-visit": v.visit_id }, el("td", {}, name), el("td", { translate: "no" }, v.household),
        el("td", {}, when(v)), el("td", { translate: "no" }, v.reason), el("td", {}, stateOf(v, now)), actions);
    });
    $("visits").replaceChildren(rows.length
      ? table([t("Visitor"), t("Host household"), t("When"), t("Reason"), t("State"), ""], rows)
      : el("p", { class: "muted" }, t("No visits registered.")));
    for (const button of $("visits").querySelectorAll("[data-show]")) {
      button.addEventListener("click", () => showPass(visits.find((v) => v.visit_id === button.dataset.show)));
    }
    for (const button of $("visits").querySelectorAll("[data-cancel]")) {
      button.addEventListener("click", () => cancel(visits.find((v) => v.visit_id === button.dataset.cancel)));
    }
  }

  async function cancel(v) {
    if (!window.confirm(t("Cancel the visit of {name}? The pass stops working at the gate at once.", { name: v.name }))) return;
    try {
      await api.post(`/api/community/visits/${encodeURIComponent(v.visit_id)}/cancel`);
      if ($("pass-panel").dataset.visit === v.visit_id) $("pass-panel").hidden = true;
      say(t("Visit cancelled.")); await load();
    } catch (error) { say(problem(error), true); }
  }

  function resetTimes(form) {
    const now = Date.now() / 1000;
    form.valid_from.value = toInput(now);
    form.valid_until.value = toInput(now + HOURS * 3600);
  }

  Shell.ready.then(() => {
    const form = $("visit-form");
    resetTimes(form);
    const find = Community.householdPicker($("host-search"), $("host"));
    find();
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const start = fromInput(form.valid_from.value);
      const end = fromInput(form.valid_until.value);
      if (!$("host").value) { say(t("Choose the host household."), true); return; }
      if (start === null || end === null || end <= start) { say(t("The visit must end after it starts."), true); return; }
      try {
        const visit = await api.post("/api/community/visits", {
          household_id: Number($("host").value), name: form.name.value.trim(), reason: form.reason.value.trim(),
          valid_from: start, valid_until: end,
        });
        say(t("Visitor registered: the pass is ready."));
        form.name.value = ""; form.reason.value = ""; resetTimes(form);
        showPass(visit);
        await load();
      } catch (error) { say(problem(error), true); }
    });
    $("pass-print").addEventListener("click", () => {
      document.body.classList.add("printing-pass");
      window.print();
    });
    window.addEventListener("afterprint", () => document.body.classList.remove("printing-pass"));
    $("pass-close").addEventListener("click", () => { $("pass-panel").hidden = true; });
    load();
    setInterval(load, 30000);
  });
})();
