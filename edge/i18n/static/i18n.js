// The pages' side of the message catalogues (edge/i18n). The server writes the page's
// language into <html lang> and has translated the page's own markup; this loads the same
// language's catalogue (JSON made from the same .mo files) for what the scripts draw:
//
//   t("Log out")                       a page's own words (extracted by scripts/i18n)
//   t("{n} unreadable", {n: 3})        with values ({name} as in Python's str.format)
//   tn("{n} session ended", "{n} sessions ended", n)      with a plural
//   message(text)                      an English text the server made (a decision's reason,
//                                      a device's state, an alert, an error) in the page's
//                                      language, through the template it was made from
//   fmt.time(epoch) fmt.dateTime(epoch) fmt.number(x, digits) fmt.celsius(t) fmt.ago(s)
//                                      24-hour local times, numbers as the language writes them
//
// The page loads /i18n/catalogue.js (its language's catalogue) before this file, so t() works
// at once; I18N.ready resolves when the catalogue is in either way (English needs none, and a
// page whose catalogue does not load stays readable in English).
"use strict";
(function () {
  const script = document.currentScript;
  const lang = document.documentElement.lang || "en";
  const COOKIE = "ccg_lang";
  const state = { messages: {}, plurals: {}, templates: [], available: [] };

  // A template as a pattern: its words literally, each {value} as "some text". Templates
  // with the most letters of their own are tried first; one with only punctuation
  // ("{sensor}: {reason}") last, and one with nothing but spaces between its values never
  // (it would match any text).
  function compile(msgid) {
    const parts = msgid.split(/\{(\w+)\}/);  // literal, name, literal, name, ..., literal
    const literal = parts.filter((p, i) => i % 2 === 0).join("");
    if (parts.length < 2 || !/\S/u.test(literal)) return null;
    const source = parts.map((p, i) => (i % 2 === 0 ? p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") : "[\\s\\S]+?")).join("");
    const letters = (literal.match(/\p{L}/gu) || []).length;
    return { msgid, parts, pattern: new RegExp(`^${source}$`), weight: letters * 1000 + literal.length };
  }

  // Every way the values can be cut out of ``text`` (two values side by side, as in
  // "{field} {value} is not in the EU list", can be cut at more than one space).
  function splits(parts, text) {
    const found = [];
    const values = [];
    (function walk(i, at) {
      if (found.length >= 16 || !text.startsWith(parts[i], at)) return;
      const from = at + parts[i].length;
      if (i === parts.length - 1) { if (from === text.length) found.push(values.slice()); return; }
      const next = parts[i + 2];
      const last = i + 2 === parts.length - 1;
      for (let end = from + 1; end <= text.length; end++) {
        if (last ? !text.endsWith(next) || end !== text.length - next.length : !text.startsWith(next, end)) continue;
        values.push(text.slice(from, end));
        walk(i + 2, end);
        values.pop();
      }
    })(0, 0);
    return found;
  }

  function load(data) {
    state.messages = data.messages || {};
    state.plurals = data.plurals || {};
    state.available = data.available || [];
    state.templates = Object.keys(state.messages).map(compile).filter(Boolean)
      .sort((a, b) => b.weight - a.weight);
  }

  function fill(text, values) {
    if (!values) return text;
    return text.replace(/\{(\w+)\}/g, (whole, name) =>
      Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole);
  }

  function t(msgid, values) {
    return fill(state.messages[msgid] || msgid, values);
  }

  // The plural form: gettext numbers the forms in the order of CLDR's categories (one,
  // few, many, other...), which Intl.PluralRules names for any language.
  function tn(singular, plural, n, values) {
    const forms = state.plurals[singular];
    const all = Object.assign({ n }, values || {});
    if (!forms) return fill(n === 1 ? singular : plural, all);
    const order = ["zero", "one", "two", "few", "many", "other"];
    const rules = new Intl.PluralRules(lang);
    const used = order.filter((c) => rules.resolvedOptions().pluralCategories.includes(c));
    const index = Math.min(Math.max(0, used.indexOf(rules.select(n))), forms.length - 1);
    return fill(forms[index] || plural, all);
  }

  // An English text made by the server -> the page's language. Exact messages first, then
  // the templates; each value found is translated in turn (a "tomorrow 09:00" inside a
  // reason), anything else (numbers, names, ids) is kept as it is.
  function message(text, depth) {
    if (text === null || text === undefined) return "";
    const english = String(text);
    if (Object.prototype.hasOwnProperty.call(state.messages, english)) return state.messages[english];
    const level = depth || 0;
    if (level > 3) return english;
    for (const template of state.templates) {
      if (!template.pattern.test(english)) continue;
      // Of the ways to cut the values out, the one whose values are words the catalogue
      // knows (the first, when none is better).
      let best = null;
      for (const cut of splits(template.parts, english)) {
        const translated = cut.map((value) => message(value, level + 1));
        const known = translated.filter((value, i) => value !== cut[i]).length;
        if (!best || known > best.known) best = { translated, known };
      }
      if (!best) continue;
      const values = {};
      template.parts.forEach((part, i) => { if (i % 2 === 1) values[part] = best.translated[(i - 1) / 2]; });
      return fill(state.messages[template.msgid], values);
    }
    return english;
  }

  const formats = new Map();
  function format(kind, options) {
    if (!formats.has(kind)) formats.set(kind, options());
    return formats.get(kind);
  }
  const fmt = {
    // 24-hour local time: 14:05:09
    time(epoch) {
      if (!epoch) return "";
      return format("time", () => new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" })).format(new Date(epoch * 1000));
    },
    // local date and 24-hour time: 2026/11/30 14:05 (zh-CN), 30 Nov 2026, 14:05 (en)
    dateTime(epoch) {
      if (!epoch) return "";
      return format("dateTime", () => new Intl.DateTimeFormat(lang, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })).format(new Date(epoch * 1000));
    },
    // the time alone when it is today, else the date too
    when(epoch) {
      if (!epoch) return "";
      const then = new Date(epoch * 1000);
      return then.toDateString() === new Date().toDateString() ? fmt.time(epoch) : fmt.dateTime(epoch);
    },
    number(x, digits) {
      if (x === null || x === undefined || Number.isNaN(Number(x))) return "–";
      const d = digits || 0;
      return format(`n${d}`, () => new Intl.NumberFormat(lang, { minimumFractionDigits: d, maximumFractionDigits: d })).format(Number(x));
    },
    celsius(x) { return x === null || x === undefined ? "" : `${fmt.number(x, 1)} °C`; },
    // "3 minutes ago" / "3分钟前"
    ago(seconds) {
      if (seconds === null || seconds === undefined) return "–";
      const rtf = format("ago", () => new Intl.RelativeTimeFormat(lang, { numeric: "auto" }));
      const s = Math.max(0, seconds);
      if (s < 90) return rtf.format(-Math.round(s), "second");
      if (s < 5400) return rtf.format(-Math.round(s / 60), "minute");
      if (s < 2 * 86400) return rtf.format(-Math.round(s / 3600), "hour");
      return rtf.format(-Math.round(s / 86400), "day");
    },
    // a length of time: "5 min", "2 h" / "5分钟", "2小时"
    duration(seconds) {
      if (seconds === null || seconds === undefined) return "–";
      const s = Math.max(0, seconds);
      const [value, unit] = s < 90 ? [Math.round(s), "second"] : s < 5400 ? [Math.round(s / 60), "minute"] : s < 2 * 86400 ? [Math.round(s / 3600), "hour"] : [Math.round(s / 86400), "day"];
      return format(`d-${unit}`, () => new Intl.NumberFormat(lang, { style: "unit", unit, unitDisplay: "short" })).format(value);
    },
  };

  // The language menu: a person's choice on this device, kept in a cookie the server reads.
  function choose(tag) {
    document.cookie = `${COOKIE}=${encodeURIComponent(tag)}; path=/; max-age=31536000; SameSite=Strict`;
    location.reload();
  }

  function languageName(tag) {
    try { return new Intl.DisplayNames([tag], { type: "language" }).of(tag); } catch (_) { return tag; }
  }

  // Fills every <select data-i18n-menu> with the languages there are (none when the
  // configuration pins one: the menu hides).
  function menus() {
    for (const select of document.querySelectorAll("select[data-i18n-menu]")) {
      select.hidden = state.available.length < 2;
      select.replaceChildren(...state.available.map((tag) => {
        const option = document.createElement("option");
        option.value = tag; option.textContent = languageName(tag);
        option.selected = tag.toLowerCase() === lang.toLowerCase();
        return option;
      }));
      select.addEventListener("change", () => choose(select.value));
    }
  }

  // The catalogue comes as a script before this one (/i18n/catalogue.js), so that t() works
  // from the first line of every script after it; else it is fetched.
  const given = window.I18N_CATALOGUE;
  const base = script && script.src ? script.src : location.href;
  const loaded = given && String(given.language).toLowerCase() === lang.toLowerCase()
    ? Promise.resolve(load(given))
    : fetch(new URL(`${encodeURIComponent(lang)}.json`, base), { credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : {}))
      .then(load)
      .catch(() => { /* stay in English */ });
  const ready = loaded.then(() => {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", menus);
    else menus();
  });

  window.I18N = { lang, ready, t, tn, message, fmt, choose };
})();
