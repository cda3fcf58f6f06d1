// Notices from the district: a banner per notice until the staff member marks it read, who
// here has read it, and a one-line reply back to the duty officer. Self-contained: it adds its
// own banner area and stylesheet, polls /api/notices while someone is logged in, and shows
// nothing otherwise. Words people read go through I18N.t (the page's translations).
"use strict";
(function () {
  const t = (window.I18N && window.I18N.t) || ((s) => s);
  const POLL_MS = 10000;
  const SEVERITY = { critical: t("Urgent"), warning: t("Important"), info: t("For information") };

  function element(tag, attrs, children) {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (name === "text") el.textContent = value;
      else el.setAttribute(name, value);
    }
    for (const child of children || []) el.appendChild(child);
    return el;
  }

  function area() {
    let box = document.getElementById("notices");
    if (box) return box;
    const sheet = element("link", { rel: "stylesheet", href: "/static/notices.css" });
    document.head.appendChild(sheet);
    box = element("section", { id: "notices", class: "notices", "aria-live": "polite", "aria-label": t("Notices from the district") });
    const header = document.querySelector("header");
    if (header && header.parentNode) header.parentNode.insertBefore(box, header.nextSibling);
    else document.body.insertBefore(box, document.body.firstChild);
    return box;
  }

  async function call(path, body) {
    const init = { credentials: "same-origin", headers: { "Content-Type": "application/json" } };
    if (body !== undefined) { init.method = "POST"; init.body = JSON.stringify(body); }
    const response = await fetch(path, init);
    if (!response.ok) {
      let detail = response.statusText;
      try { detail = (await response.json()).detail || detail; } catch (_) { /* not JSON */ }
      const error = new Error(typeof detail === "string" ? t(detail) : JSON.stringify(detail));
      error.status = response.status;
      throw error;
    }
    return response.json();
  }

  function time(epoch) {
    return new Date(epoch * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function banner(notice) {
    const readers = notice.read_by.map((r) => `${r.user} (${time(r.read_at)})`).join(", ");
    const parts = [
      element("p", { class: "notice-kind", text: `${t("Notice from the district")} · ${SEVERITY[notice.severity] || notice.severity} · ${time(notice.issued_at)}` }),
      element("h2", { class: "notice-title", text: notice.title }),
    ];
    if (notice.text) parts.push(element("p", { class: "notice-text", text: notice.text }));
    if (readers) parts.push(element("p", { class: "notice-readers", text: `${t("Read here by")}: ${readers}` }));
    const status = element("p", { class: "notice-status", role: "status" });
    const read = element("button", { type: "button", class: "notice-read", text: t("Mark read") });
    read.addEventListener("click", async () => {
      read.disabled = true;
      try { await call(`/api/notices/${encodeURIComponent(notice.id)}/read`, {}); refresh(); }
      catch (error) { status.textContent = error.message; read.disabled = false; }
    });
    const actions = [read];
    if (notice.replies) {
      const input = element("input", { type: "text", maxlength: "500", class: "notice-reply-text", "aria-label": t("Reply to the district"), placeholder: t("A line for the duty officer") });
      const send = element("button", { type: "submit", class: "notice-send", text: t("Send reply") });
      const form = element("form", { class: "notice-reply" }, [input, send]);
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        if (!input.value.trim()) return;
        send.disabled = true;
        try {
          await call(`/api/notices/${encodeURIComponent(notice.id)}/reply`, { text: input.value });
          input.value = "";
          status.textContent = t("Sent to the district");
        } catch (error) { status.textContent = error.message; }
        send.disabled = false;
      });
      actions.push(form);
    }
    parts.push(element("div", { class: "notice-actions" }, actions), status);
    return element("article", { class: `notice notice-${notice.severity}`, "data-notice": notice.id }, parts);
  }

  let shown = "";
  async function refresh() {
    let notices;
    try { notices = await call("/api/notices"); } catch (_) { notices = []; }
    const unread = notices.filter((n) => !n.read);
    const key = JSON.stringify(unread.map((n) => [n.id, n.read_by.length]));
    if (key === shown) return;  // nothing new: leave a reply being typed alone
    shown = key;
    const box = area();
    box.replaceChildren(...unread.map(banner));
    box.hidden = unread.length === 0;
  }

  function start() { refresh(); setInterval(refresh, POLL_MS); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
  window.Notices = { refresh };
})();
