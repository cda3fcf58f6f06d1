// The households page: look the registry up (everyone), change it, import a spreadsheet and
// issue passes in a batch with their printable sheet (supervisors; the API refuses staff).
"use strict";
(function () {
  const { el, table, say, api, problem, t, message, fmt } = Community;
  const $ = (id) => document.getElementById(id);
  const PAGE = 50;
  const state = { search: "", offset: 0, shown: [], household: null, ticked: new Set(), member: null };

  // The columns of an imported file, as the gateway names them in a problem.
  function columnWords(column) {
    return {
      building: t("building"), unit: t("unit"), room: t("room"), name: t("name"), phone: t("phone"),
      id_last4: t("last 4 of the identity number"), has_phone: t("has a smartphone"),
    }[column] || column || "";
  }
  const day = Community.date;

  // -- the list ------------------------------------------------------------------------------
  async function load(reset) {
    if (reset) { state.offset = 0; state.shown = []; }
    let found;
    try {
      found = await api.get(`/api/community/households?limit=${PAGE}&offset=${state.offset}&search=${encodeURIComponent(state.search)}`);
    } catch (error) { say(problem(error), true); return; }
    state.shown = state.shown.concat(found.households);
    state.offset = state.shown.length;
    $("found").textContent = I18N.tn("{n} household", "{n} households", found.total);
    $("more").hidden = state.shown.length >= found.total;
    const rows = state.shown.map((h) => el("tr", { "data-household": h.id, class: state.household && state.household.id === h.id ? "selected" : "" },
      el("td", { translate: "no" }, h.label), el("td", { class: "num" }, fmt.number(h.members)), el("td", { translate: "no" }, h.note)));
    $("households").replaceChildren(rows.length ? table([t("Household"), t("Members"), t("Note")], rows) : el("p", { class: "muted" }, t("No household found.")));
    for (const row of $("households").querySelectorAll("tr[data-household]")) {
      row.addEventListener("click", () => open(Number(row.dataset.household)));
    }
  }

  // -- one household ---------------------------------------------------------------------------
  async function open(id) {
    try { state.household = await api.get(`/api/community/households/${id}`); } catch (error) { say(problem(error), true); return; }
    state.ticked = new Set();
    const h = state.household;
    $("household").hidden = false;
    $("household-label").textContent = h.label;
    $("household-note").hidden = !h.note;
    $("household-note").textContent = h.note || "";
    const supervisor = Shell.user && Shell.user.supervisor;
    const headings = [supervisor ? t("Pass") : null, t("Full name"), t("Phone"), t("Last 4 of the identity number"), t("Smartphone"), t("Pass valid until"), supervisor ? "" : null].filter((x) => x !== null);
    const rows = h.members.map((m) => {
      const cells = [];
      if (supervisor) cells.push(el("td", {}, el("input", { type: "checkbox", "data-tick": m.id, "aria-label": t("Issue a pass to {name}", { name: m.name }) })));
      cells.push(el("td", { translate: "no" }, m.name), el("td", { translate: "no" }, m.phone), el("td", { translate: "no" }, m.id_last4),
        el("td", {}, m.has_phone ? t("yes") : t("no")), el("td", {}, m.pass_until ? day(m.pass_until) : t("no pass yet")));
      if (supervisor) cells.push(el("td", {}, el("button", { type: "button", class: "quiet", "data-edit": m.id }, t("Change"))));
      return el("tr", { "data-member": m.id }, cells);
    });
    $("members").replaceChildren(rows.length ? table(headings, rows) : el("p", { class: "muted" }, t("No members yet.")));
    for (const box of $("members").querySelectorAll("[data-tick]")) {
      box.addEventListener("change", () => {
        if (box.checked) state.ticked.add(Number(box.dataset.tick)); else state.ticked.delete(Number(box.dataset.tick));
        $("issue-selected").disabled = !state.ticked.size;
      });
    }
    for (const button of $("members").querySelectorAll("[data-edit]")) {
      button.addEventListener("click", () => editMember(h.members.find((m) => m.id === Number(button.dataset.edit))));
    }
    $("issue-selected").disabled = true;
    for (const row of $("households").querySelectorAll("tr[data-household]")) row.classList.toggle("selected", Number(row.dataset.household) === id);
    $("household").scrollIntoView({ block: "nearest" });
  }

  function editMember(member) {
    state.member = member;
    const form = $("member-edit");
    form.name.value = member.name; form.phone.value = member.phone; form.id_last4.value = member.id_last4;
    form.has_phone.checked = member.has_phone;
    $("member-error").textContent = "";
    $("member-dialog").showModal();
  }

  function wireHousehold() {
    $("member-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const f = event.target;
      try {
        await api.post(`/api/community/households/${state.household.id}/members`,
          { name: f.name.value.trim(), phone: f.phone.value.trim(), id_last4: f.id_last4.value.trim().toUpperCase(), has_phone: f.has_phone.checked });
        f.reset(); f.has_phone.checked = true;
        say(t("Member added.")); await open(state.household.id); await load(true);
      } catch (error) { say(problem(error), true); }
    });
    $("member-cancel").addEventListener("click", () => $("member-dialog").close());
    $("member-edit").addEventListener("submit", async (event) => {
      event.preventDefault();
      const f = event.target;
      try {
        await api.patch(`/api/community/members/${state.member.id}`,
          { name: f.name.value.trim(), phone: f.phone.value.trim(), id_last4: f.id_last4.value.trim().toUpperCase(), has_phone: f.has_phone.checked });
        $("member-dialog").close(); say(t("Saved.")); await open(state.household.id);
      } catch (error) { $("member-error").textContent = problem(error); }
    });
    $("member-remove").addEventListener("click", async () => {
      if (!window.confirm(t("Remove {name} from the registry? Their passes stop naming anyone.", { name: state.member.name }))) return;
      try {
        await api.del(`/api/community/members/${state.member.id}`);
        $("member-dialog").close(); say(t("Member removed.")); await open(state.household.id); await load(true);
      } catch (error) { $("member-error").textContent = problem(error); }
    });
    $("edit-note").addEventListener("click", async () => {
      const note = window.prompt(t("A note about the household (shown to staff):"), state.household.note || "");
      if (note === null) return;
      try { await api.patch(`/api/community/households/${state.household.id}`, { note: note.trim() }); say(t("Saved.")); await open(state.household.id); await load(true); }
      catch (error) { say(problem(error), true); }
    });
    $("remove-household").addEventListener("click", async () => {
      if (!window.confirm(t("Remove household {household} and all its members? This cannot be undone.", { household: state.household.label }))) return;
      try {
        await api.del(`/api/community/households/${state.household.id}`);
        state.household = null; $("household").hidden = true; say(t("Household removed.")); await load(true);
      } catch (error) { say(problem(error), true); }
    });
    $("issue-selected").addEventListener("click", () => issue({ member_ids: [...state.ticked] }));
  }

  // -- a new household --------------------------------------------------------------------------
  function wireAdd() {
    $("household-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const f = event.target;
      try {
        const made = await api.post("/api/community/households",
          { building: f.building.value.trim(), unit: f.unit.value.trim(), room: f.room.value.trim(), note: f.note.value.trim() });
        f.reset(); say(t("Household {household} added.", { household: made.label }));
        await load(true); await open(made.id);
      } catch (error) { say(problem(error), true); }
    });
  }

  // -- import -------------------------------------------------------------------------------------
  function wireImport() {
    $("import-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const file = $("import-file").files[0];
      const out = $("import-result");
      if (!file) return;
      out.replaceChildren(el("p", { class: "muted" }, t("Importing…")));
      try {
        const done = await Shell.api(`/api/community/import?filename=${encodeURIComponent(file.name)}`,
          { method: "POST", body: file, headers: { "Content-Type": "application/octet-stream" } });
        out.replaceChildren(el("p", { class: "ok-line" }, el("span", { class: "badge ok" }, t("Imported")), " ",
          t("{rows} rows: {households} households added, {added} members added, {updated} members updated.",
            { rows: fmt.number(done.rows), households: fmt.number(done.households_added), added: fmt.number(done.members_added), updated: fmt.number(done.members_updated) })));
        event.target.reset();
        await load(true);
      } catch (error) {
        const problems = error.detail && Array.isArray(error.detail.problems) ? error.detail.problems : [];
        const rows = problems.map((p) => el("tr", { "data-line": p.line },
          el("td", { class: "num" }, fmt.number(p.line)), el("td", {}, columnWords(p.column)), el("td", {}, message(p.message))));
        out.replaceChildren(
          el("p", { class: "error" }, problems.length
            ? I18N.tn("Nothing imported: {n} row needs fixing.", "Nothing imported: {n} rows need fixing.", problems.length)
            : problem(error)),
          problems.length ? table([t("Line"), t("Column"), t("Problem")], rows) : "");
      }
    });
  }

  // -- passes -----------------------------------------------------------------------------------
  function sheetLink(batch, text) {
    return el("a", { class: "button", href: `/api/community/passes/sheet.pdf?batch=${batch}`, download: `passes-${batch}.pdf`, "data-sheet": batch }, text);
  }

  async function issue(body) {
    const out = $("batch-result");
    try {
      const done = await api.post("/api/community/passes", body);
      out.replaceChildren(el("div", { class: "panel" },
        el("p", {}, el("span", { class: "badge ok" }, t("Issued")), " ",
          I18N.tn("Batch {batch}: {n} pass, valid until {date}.", "Batch {batch}: {n} passes, valid until {date}.", done.count, { batch: done.batch_id, date: day(done.valid_until) })),
        el("div", { class: "buttons" }, sheetLink(done.batch_id, t("Download the pass sheet (PDF) to print")))));
      out.scrollIntoView({ block: "nearest" });
      say(t("Passes issued."));
      await batches();
      if (state.household) await open(state.household.id);
    } catch (error) { say(problem(error), true); }
  }

  function wirePasses() {
    $("passes-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const f = event.target;
      const days = f.days.value ? Number(f.days.value) : null;
      issue({ without_phone_only: f.who.value === "without-phone", building: f.building.value.trim() || null, days });
    });
  }

  async function batches() {
    if (!(Shell.user && Shell.user.supervisor)) return;
    let list;
    try { list = await api.get("/api/community/passes/batches"); } catch (error) { return; }
    const rows = list.map((b) => el("tr", { "data-batch": b.id },
      el("td", { class: "num" }, b.id), el("td", {}, fmt.dateTime(b.at)), el("td", { translate: "no" }, b.user || ""),
      el("td", { class: "num" }, fmt.number(b.count)), el("td", {}, day(b.valid_until)), el("td", {}, sheetLink(b.id, t("Download the PDF")))));
    $("batches").replaceChildren(rows.length
      ? table([t("Batch"), t("Issued"), t("By"), t("Passes"), t("Valid until"), t("Print")], rows)
      : el("p", { class: "muted" }, t("No passes issued yet.")));
  }

  Shell.ready.then(() => {
    $("staff-note").hidden = !!(Shell.user && Shell.user.supervisor);
    $("search-form").addEventListener("submit", (event) => event.preventDefault());
    let timer = null;
    $("search").addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => { state.search = $("search").value.trim(); load(true); }, 250);
    });
    $("more").addEventListener("click", () => load(false));
    wireHousehold(); wireAdd(); wireImport(); wirePasses();
    load(true); batches();
  });
})();
