// What every page of the gateway shares (the checkpoint, the storeroom, ...): the menu of
// pages, who is logged in, log out, change password, sign out everyone, the language menu.
// The markup is edge/web/static/topbar.html and dialogs.html, put in by the server.
//
// A page whose <body data-login="required"> needs a login: without one it goes to the login
// (the checkpoint page), which brings the person back. The checkpoint page is the login
// itself, so it calls Shell.show(user) and Shell.hide() as the login comes and goes.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const { t, message } = I18N;
  const state = { user: null, ended: null };

  // A request to the gateway's API; an error carries its status and the server's reason in
  // the page's language.
  async function api(path, options) {
    const init = Object.assign({ credentials: "same-origin", headers: { "Content-Type": "application/json" } }, options || {});
    let response;
    try { response = await fetch(path, init); } catch (_) {
      const error = new Error(t("The gateway does not answer."));
      error.status = 0;
      throw error;
    }
    let body = null;
    try { body = await response.json(); } catch (_) { body = null; }
    if (!response.ok) {
      const detail = body && body.detail ? (typeof body.detail === "string" ? body.detail : body.detail.message || JSON.stringify(body.detail)) : response.statusText;
      // A 422 lists each field's problem in the catalogue's words: each in the page's language.
      const problems = body && Array.isArray(body.errors) ? body.errors : null;
      const error = new Error(problems
        ? problems.map((p) => `${message(p.field)}: ${message(p.problem)}`).join("; ")
        : message(detail));
      error.status = response.status;
      error.detail = body ? body.detail : null;  // as sent (an import's problems by line)
      if (response.status === 401) sessionEnded();
      throw error;
    }
    return body;
  }

  function loginPage() {
    return `/?next=${encodeURIComponent(location.pathname + location.search)}`;
  }

  // The session ended (logged out, signed out by a supervisor, expired): the page's own
  // handler, or the login, which brings the person back here.
  function sessionEnded() {
    if (state.ended) state.ended();
    else location.assign(loginPage());
  }

  function show(user) {
    state.user = user;
    $("who").hidden = false;
    $("who-name").textContent = `${user.username} (${roleName(user.role)})`;
    $("end-all").hidden = !user.supervisor;
    document.body.classList.toggle("supervisor", !!user.supervisor);
  }

  function hide() {
    state.user = null;
    $("who").hidden = true;
  }

  function roleName(role) {
    return { staff: t("staff"), supervisor: t("supervisor") }[role] || role;
  }

  function markCurrentPage() {
    for (const link of document.querySelectorAll(".nav a")) {
      if (link.getAttribute("href") === location.pathname) link.setAttribute("aria-current", "page");
    }
  }

  function wire() {
    $("logout").addEventListener("click", async () => {
      try { await api("/api/logout", { method: "POST" }); } catch (_) { /* logged out here anyway */ }
      hide();
      if (state.ended) state.ended(t("Logged out."));
      else location.assign("/");
    });

    $("password-open").addEventListener("click", () => {
      $("password-form").reset();
      $("password-error").textContent = "";
      $("password-dialog").showModal();
      $("password-current").focus();
    });
    $("password-cancel").addEventListener("click", () => $("password-dialog").close());
    $("password-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      if ($("password-new").value !== $("password-again").value) {
        $("password-error").textContent = t("The two new passwords differ.");
        return;
      }
      try {
        await api("/api/password", { method: "POST", body: JSON.stringify({ current_password: $("password-current").value, new_password: $("password-new").value }) });
        $("password-form").reset();
        $("password-dialog").close();
      } catch (error) {
        if (error.status === 401) { $("password-dialog").close(); return; }
        $("password-error").textContent = error.message;
      }
    });

    $("end-all").addEventListener("click", async () => {
      if (!window.confirm(t("Sign out everyone else, on every tablet and phone? They must log in again."))) return;
      try {
        const result = await api("/api/sessions/end-all", { method: "POST" });
        window.alert(I18N.tn("{n} session ended. Everyone else must log in again.", "{n} sessions ended. Everyone else must log in again.", result.ended));
      } catch (error) {
        if (error.status !== 401) window.alert(error.message);
      }
    });
  }

  async function start() {
    await I18N.ready;
    wire();
    markCurrentPage();
    if (document.body.dataset.login !== "required") return;
    try { show(await api("/api/me")); } catch (_) { /* api() went to the login on a 401 */ }
  }

  window.Shell = {
    api, show, hide,
    get user() { return state.user; },
    // The checkpoint page handles an ended session itself (it is the login).
    onSessionEnded(handler) { state.ended = handler; },
    ready: new Promise((resolve) => {
      const go = () => start().then(resolve, resolve);
      if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", go);
      else go();
    }),
  };
})();
