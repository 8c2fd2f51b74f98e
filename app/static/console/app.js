// The staff console: sign-in, then per role the views it may use, each a plain client of the staff API.
// Views are chosen by the URL's hash (#/scenarios/CODE/dashboard), so a reload or a shared link lands
// on the same view. Each view draws itself into #view and registers its timers for clean-up.
// This module boots, routes, draws the chrome (who is signed in, the tabs) and signs in and out; each page
// is its own module (scenarios.js and the scenario tabs it imports, projects.js, money.js, accounts.js).
import { renderAccounts } from "./accounts.js";
import { ApiError, api, setSignedOutHandler } from "./api.js";
import { renderMoney } from "./money.js";
import { renderProjectSales, renderProjects } from "./projects.js";
import { renderScenario, renderScenarios } from "./scenarios.js";
import { can, me, signedIn, signedOut } from "./session.js";
import { ROLES, bi, both, field, fill, h, inline, input, pair, showError, slot, submitting, withEn } from "./ui.js";

const $ = (selector) => document.querySelector(selector);

let view = null; // {alive, cleanups}

// -- tabs per role ----------------------------------------------------------------------------------------------
function tabsFor(role) {
  const tabs = [];
  if (can.scenarios(role)) tabs.push(["scenarios", pair(role === "venue_staff" ? "tabs.my_scenarios" : "tabs.scenarios")]);
  if (can.projects(role)) tabs.push(["projects", pair("tabs.projects")], ["money", pair("tabs.money")]);
  if (can.accounts(role)) tabs.push(["accounts", pair("tabs.accounts")]);
  return tabs;
}

function homeFor(role) {
  return can.scenarios(role) ? "#/scenarios" : "#/projects";
}

// -- view lifecycle --------------------------------------------------------------------------------------------
function startView() {
  if (view) {
    view.alive = false;
    for (const fn of view.cleanups) fn();
  }
  const current = { alive: true, cleanups: [] };
  view = current;
  return {
    alive: () => current.alive,
    onCleanup: (fn) => current.cleanups.push(fn),
  };
}

function parseHash() {
  return location.hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
}

async function route() {
  const ctx = startView();
  const main = $("#view");
  if (!me()) {
    renderSignIn(main);
    return;
  }
  const role = me().role;
  const [section, code, tab] = parseHash();
  renderChrome(section);
  if (!section) {
    location.replace(homeFor(role));
    return;
  }
  try {
    if (section === "scenarios" && code) await renderScenario(main, ctx, code, tab);
    else if (section === "scenarios") await renderScenarios(main, ctx);
    else if (section === "projects" && code) await renderProjectSales(main, ctx, code);
    else if (section === "projects") await renderProjects(main, ctx);
    else if (section === "money") await renderMoney(main, ctx);
    else if (section === "accounts") renderAccounts(main, ctx);
    else fill(main, h("p", {}, bi(...pair("common.no_such_page")), " ", h("a", { href: homeFor(role) }, both("common.back"))));
  } catch (error) {
    if (!ctx.alive()) return;
    const box = slot("view-error");
    fill(main, box);
    showError(box, error);
  }
  if (ctx.alive()) $("#main").focus({ preventScroll: true });
}

// -- chrome: who is signed in, tabs -----------------------------------------------------------------------------
function renderChrome(section) {
  const who = $("#whoami");
  const tabs = $("#tabs");
  const staff = me();
  if (!staff) {
    who.hidden = true;
    tabs.hidden = true;
    return;
  }
  const [zh, en] = ROLES[staff.role] || [staff.role, ""];
  who.hidden = false;
  fill(who,
    h("span", { class: "who", dataset: { testid: "whoami-name" } }, staff.name),
    h("span", { class: "role-chip", dataset: { testid: "whoami-role", role: staff.role } }, zh, h("span", { class: "en", lang: "en" }, en)),
    staff.organization ? h("span", { class: "org", dataset: { testid: "whoami-org" } }, staff.organization) : null,
    h("button", { type: "button", class: "btn-signout", dataset: { testid: "sign-out" }, onclick: signOut }, inline("app.sign_out")));
  tabs.hidden = false;
  fill(tabs, tabsFor(staff.role).map(([key, [tzh, ten]]) => h("a", {
    href: `#/${key}`, class: ["tab", section === key ? "current" : null], "aria-current": section === key ? "page" : null,
    dataset: { testid: `tab-${key}` },
  }, tzh, h("span", { class: "en", lang: "en" }, ten))));
}

// -- sign-in ----------------------------------------------------------------------------------------------------
function renderSignIn(main, notice) {
  renderChrome();
  const messages = slot("signin-error");
  const email = input("email", { type: "email", autocomplete: "username", required: true });
  const password = input("password", { type: "password", autocomplete: "current-password", required: true });
  const form = h("form", { class: "card signin", novalidate: true, dataset: { testid: "signin-form" } },
    h("h1", {}, bi(...pair("signin.title"))),
    h("p", { class: "muted" }, withEn("signin.intro")),
    notice ? h("div", { class: "notice-box", role: "status" }, notice) : null,
    field({ key: "common.email", name: "email", input: email, required: true }),
    field({ key: "signin.password", name: "password", input: password, required: true }),
    messages,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "btn btn-primary btn-wide", dataset: { testid: "signin-button" } }, inline("signin.submit"))));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    submitting(form, messages, async () => {
      const session = await api("POST", "/session", { body: { email: email.value.trim(), password: password.value } });
      password.value = "";
      signedIn(session);
      if (!parseHash().length) location.hash = homeFor(session.staff.role);
      else route();
    });
  });
  fill(main, form);
  email.focus();
}

async function signOut() {
  try {
    await api("DELETE", "/session");
  } catch {
    /* the session may already be gone; signing out locally is what matters */
  }
  signedOut();
  startView();
  history.replaceState(null, "", "/console");
  renderSignIn($("#view"), withEn("signin.signed_out", { gap: true }));
}

setSignedOutHandler(() => {
  if (!me()) return;
  signedOut();
  startView();
  renderSignIn($("#view"), withEn("signin.expired", { gap: true }));

});

// -- start ------------------------------------------------------------------------------------------------------
async function boot() {
  try {
    signedIn(await api("GET", "/session"));
  } catch (error) {
    if (!(error instanceof ApiError) || (error.status !== 401 && error.status !== 403)) {
      const box = slot("boot-error");
      fill($("#view"), box);
      showError(box, error);
      return;
    }
    signedOut();
  }
  window.addEventListener("hashchange", route);
  route();
}

boot();
