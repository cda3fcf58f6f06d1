// What the community's pages share (households, visitors, duty, daily report): building
// elements, a message line, the API through Shell.api (the gateway's login and errors), times
// for <input type="datetime-local">, and a household picker. Words go through I18N: t() for
// the pages' own, message() for what the gateway says.
"use strict";
(function () {
  const { t, message, fmt } = I18N;

  // An element with attributes ("class", "data-*", ...) and children (text is escaped).
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === false || value === null || value === undefined) continue;
      if (name === "class") node.className = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  // A table whose cells carry their heading (data-label), so that on a phone each row
  // shows as a card.
  function table(headings, rows) {
    const head = el("thead", {}, el("tr", {}, headings.map((h) => el("th", {}, h))));
    for (const row of rows) {
      [...row.children].forEach((cell, i) => { if (headings[i]) cell.setAttribute("data-label", headings[i]); });
    }
    return el("table", { class: "cards" }, head, el("tbody", {}, rows));
  }

  let hide = null;
  // A line at the foot of the page that says what happened (or what went wrong).
  function say(text, bad) {
    const line = document.getElementById("msg");
    line.textContent = text;
    line.className = bad ? "bad" : "";
    line.hidden = false;
    clearTimeout(hide);
    hide = setTimeout(() => { line.hidden = true; }, bad ? 8000 : 4000);
  }

  const json = (method) => (path, body) => Shell.api(path, { method, body: JSON.stringify(body || {}) });
  const api = {
    get: (path) => Shell.api(path, { cache: "no-store" }),
    post: json("POST"),
    patch: json("PATCH"),
    del: (path) => Shell.api(path, { method: "DELETE" }),
  };

  // What an error says, in the page's language (a 401 has already gone to the login).
  function problem(error) {
    return error && error.message ? error.message : t("Something went wrong.");
  }

  // Epoch seconds <-> the value of an <input type="datetime-local"> (local time).
  function toInput(epoch) {
    const d = new Date(epoch * 1000);
    const pad = (n) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }
  function fromInput(value) {
    const at = new Date(value).getTime();
    return Number.isNaN(at) ? null : at / 1000;
  }
  function today() {
    const d = new Date();
    const pad = (n) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  }

  // A local date as the language writes it: 2026/11/30 (zh-CN), 30 Nov 2026 (en).
  let dates = null;
  function date(epoch) {
    if (!epoch) return "";
    dates = dates || new Intl.DateTimeFormat(I18N.lang, { year: "numeric", month: "short", day: "numeric" });
    return dates.format(new Date(epoch * 1000));
  }

  function directionWords(direction) {
    return { in: t("way in"), out: t("way out"), both: t("both ways") }[direction] || direction;
  }

  // A search box and a list of the households it finds (by room or a member's name); the
  // list's value is the household's id.
  function householdPicker(input, select, onPick) {
    let asked = 0;
    async function find() {
      const mine = ++asked;
      let found;
      try {
        found = await api.get(`/api/community/households?limit=20&search=${encodeURIComponent(input.value.trim())}`);
      } catch (error) { say(problem(error), true); return; }
      if (mine !== asked) return;
      const keep = select.value;
      select.replaceChildren(...found.households.map((h) =>
        el("option", { value: h.id }, h.label + (h.members ? ` (${tn_members(h.members)})` : ""))));
      if (!found.households.length) select.append(el("option", { value: "" }, t("No household found.")));
      if ([...select.options].some((o) => o.value === keep)) select.value = keep;
      if (onPick) onPick(select.value);
    }
    let timer = null;
    input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(find, 250); });
    select.addEventListener("change", () => onPick && onPick(select.value));
    return find;
  }
  function tn_members(n) { return I18N.tn("{n} member", "{n} members", n); }

  window.Community = { el, table, say, api, problem, toInput, fromInput, today, date, directionWords, householdPicker, t, message, fmt };
})();
