// The daily report for the sub-district office: the day's entries and exits, fevers,
// denials by reason, rechecks, overrides, manual registrations, visitors, household-rule
// refusals, stock and open alerts, the shifts with their handover notes. Printable as it is,
// and as CSV or PDF in the reader's language (the server makes those).
"use strict";
(function () {
  const { el, table, say, api, problem, t, fmt } = Community;
  const $ = (id) => document.getElementById(id);

  // The figures in their order (the same words as edge/community/report.py's LABELS).
  function labels() {
    return [
      ["entries", t("people in (entrance lanes)")], ["exits", t("people out (exit lanes)")], ["passages", t("passages (two-way lanes)")],
      ["screenings", t("screenings")], ["admitted", t("admitted")], ["denied", t("denied")],
      ["rechecks", t("rechecks")], ["fevers", t("fevers")], ["overrides", t("overrides")],
      ["manual_registrations", t("manual registrations")], ["visits_registered", t("visits registered")],
      ["visitor_passages", t("visitor passages")], ["household_refusals", t("household-rule refusals")],
      ["late_returns", t("late returns")], ["open_alerts", t("open alerts")], ["shifts", t("shifts")],
      ["staff_on_duty", t("staff on duty")],
    ];
  }

  // The admission policy's rule names, as denials are counted by them.
  function ruleWords(rule) {
    return {
      fever: t("fever"),
      "implausible-temperature": t("implausible temperature reading"),
      "code-unreadable": t("code unreadable"),
      "code-invalid": t("code invalid, forged or expired"),
      "code-colour": t("code red or yellow"),
      "no-temperature": t("no temperature"),
      "no-code": t("no code scanned"),
      "recheck-band": t("temperature just under the fever line"),
      "household-exit-limit": t("household's exits used up"),
      "household-late-return": t("back late"),
      visitor: t("visitor"),
      manual: t("manual registration"),
      override: t("overridden to DENY"),
    }[rule] || rule;
  }

  function render(r) {
    const c = r.community || {};
    $("report-title").textContent = t("{community} daily report, {day}", { community: c.name || "", day: r.day }).trim();
    $("report-where").textContent = [c.street, c.district].filter(Boolean).join(", ");
    $("figures").replaceChildren(...labels().map(([key, word]) =>
      el("tr", { "data-figure": key }, el("td", {}, word), el("td", { class: "num" }, fmt.number(r[key])))));
    const denials = Object.entries(r.denied_by_reason || {});
    $("denials").replaceChildren(denials.length
      ? table([t("Reason"), t("People denied")], denials.map(([rule, n]) =>
        el("tr", { "data-rule": rule }, el("td", {}, ruleWords(rule)), el("td", { class: "num" }, fmt.number(n)))))
      : el("p", { class: "muted" }, t("No denials.")));
    const stock = Object.entries(r.stock || {});
    $("stock").replaceChildren(stock.length
      ? table([t("Item"), t("On hand")], stock.map(([item, n]) =>
        el("tr", {}, el("td", { translate: "no" }, item), el("td", { class: "num" }, fmt.number(n, Number.isInteger(n) ? 0 : 1)))))
      : el("p", { class: "muted" }, t("No storeroom at this gateway.")));
    const shifts = r.shift_list || [];
    $("shifts").replaceChildren(shifts.length
      ? table([t("Lane"), t("Staff"), t("From"), t("To"), t("Handover note")], shifts.map((s) =>
        el("tr", { "data-shift": s.id }, el("td", { translate: "no" }, s.lane), el("td", { translate: "no" }, s.user),
          el("td", {}, fmt.dateTime(s.started_at)), el("td", {}, s.ended_at ? fmt.dateTime(s.ended_at) : t("still on duty")),
          el("td", { class: "note-cell", translate: "no" }, s.handover_note || ""))))
      : el("p", { class: "muted" }, t("Nobody signed in for duty this day.")));
    $("printed").textContent = t("Printed {time}", { time: fmt.dateTime(Date.now() / 1000) });
  }

  async function load() {
    const day = $("day").value || Community.today();
    $("csv").href = `/api/community/report.csv?day=${day}`;
    $("pdf").href = `/api/community/report.pdf?day=${day}`;
    const url = new URL(location.href);
    url.searchParams.set("day", day);
    history.replaceState(null, "", url);
    try { render(await api.get(`/api/community/report?day=${day}`)); } catch (error) { say(problem(error), true); }
  }

  Shell.ready.then(() => {
    $("day").value = new URLSearchParams(location.search).get("day") || Community.today();
    $("day").addEventListener("change", load);
    $("day-form").addEventListener("submit", (event) => { event.preventDefault(); load(); });
    $("print").addEventListener("click", () => window.print());
    load();
  });
})();
