// The guest preview: the mini-program's journey (scan, sign in, calculate, neutralise, certificate) as a
// plain client of the JSON API. State lives here; every step draws itself from it.
import { ApiError, api, setToken, setUnauthorizedHandler, token } from "./api.js";
import { Calculator } from "./calculator.js";
import { LANGUAGE_NAMES, LANGUAGES, htmlLang, lang, langQuery, pick, setLang, t } from "./i18n.js";
import { fill, h, kg, plain, uuid, when, yuan } from "./ui.js";

const STEPS = ["scan", "signin", "calc", "offset", "cert"];
const DOOR = "web"; // the door tag this page scans with, like a poster at the web entrance
const LANG_KEY = "diandian.preview.lang";
const FINAL = new Set(["fulfilled", "closed", "refunded", "review"]);

const state = {
  current: "scan",
  scenarios: null,
  scanError: null,
  resolving: false,
  manualOpen: false,
  manualText: "",
  scenario: null,
  entry: null,
  user: null,
  profile: null,
  authError: null,
  guestName: "alice",
  footprint: null,
  projects: null,
  projectsError: null,
  projectsLoading: false,
  projectCode: null,
  beneficiary: "",
  organization: "",
  attempt: null, // {sig, key}: the Idempotency-Key of the order attempt in flight
  order: null,
  payment: null,
  orderError: null,
  payNote: null,
  certificate: null,
  boards: null,
  boardBy: "user",
};

const $ = (selector) => document.querySelector(selector);
const sandbox = document.body.dataset.sandbox === "1";
const calculator = new Calculator({ onSubmit: computeFootprint });

// -- navigation ------------------------------------------------------------------------------------------
function completed(step) {
  switch (step) {
    case "scan": return Boolean(state.scenario);
    case "signin": return Boolean(state.user);
    case "calc": return Boolean(state.footprint);
    case "offset": return state.order?.status === "fulfilled";
    case "cert": return state.order?.status === "fulfilled";
    default: return false;
  }
}

function reachable(step) {
  return STEPS.slice(0, STEPS.indexOf(step)).every(completed);
}

/** Scroll to an element, without animation for guests who asked for reduced motion. */
function reveal(el, block = "start") {
  const reduce = matchMedia("(prefers-reduced-motion: reduce)").matches;
  el?.scrollIntoView({ behavior: reduce ? "auto" : "smooth", block });
}

function go(step, { scroll = true, target = null } = {}) {
  state.current = step;
  renderBody(step);
  renderChrome();
  if (scroll) {
    const section = $(`#step-${step}`);
    reveal(target || section);
    section.querySelector("h2")?.focus({ preventScroll: true });
  }
}

// -- rendering: page chrome ------------------------------------------------------------------------------
function renderAll() {
  document.documentElement.lang = htmlLang();
  document.title = t("page_title");
  fill($("#brand-name"), t("brand"));
  fill($("#tagline"), t("tagline"));
  fill($("#sandbox-badge"), sandbox ? t("sandbox_badge") : "");
  $("#sandbox-badge").hidden = !sandbox;
  fill($("#notice"), sandbox ? t("sandbox_note") : t("live_note"));
  fill($("#registry-link"), t("registry"));
  $("#registry-link").href = langQuery() ? `/registry?${langQuery()}` : "/registry";
  const toggle = $("#lang-toggle");
  fill(toggle, t("lang_toggle"));
  toggle.setAttribute("aria-label", `${t("lang_toggle")} · ${t("lang_toggle_label")}`);
  toggle.lang = lang() === "zh" ? "en" : "zh-CN";
  const menu = $("#lang-select");
  menu.value = lang();
  menu.setAttribute("aria-label", t("language"));
  fill($("#footer"), t("footer"));
  renderHero();
  for (const step of STEPS) renderBody(step);
  renderChrome();
}

function renderChrome() {
  const chip = $("#user-chip");
  chip.hidden = !state.user;
  fill(chip, state.user ? state.user.nickname : "");
  fill($("#stepper"), STEPS.map((step, i) => {
    const current = step === state.current;
    const done = !current && completed(step);
    const canGo = !current && reachable(step);
    const inner = [h("span", { class: "stepper-num", "aria-hidden": "true" }, done ? "✓" : String(i + 1)),
      h("span", { class: "stepper-label" }, t(`steps.${step}`))];
    return h("li", { class: ["stepper-item", current ? "current" : null, done ? "done" : null], "aria-current": current ? "step" : null },
      canGo ? h("button", { type: "button", class: "stepper-btn", onclick: () => go(step), dataset: { testid: `stepper-${step}` } }, inner)
        : h("span", { class: "stepper-btn", dataset: { testid: `stepper-${step}` } }, inner));
  }));
  STEPS.forEach((step, i) => {
    const section = $(`#step-${step}`);
    const current = step === state.current;
    const done = !current && completed(step);
    section.dataset.state = current ? "current" : done ? "done" : reachable(step) ? "ready" : "locked";
    const head = section.querySelector(".step-head");
    fill(head,
      h("span", { class: "step-num", "aria-hidden": "true" }, done ? "✓" : String(i + 1)),
      h("div", { class: "step-heading" },
        h("span", { class: "step-kicker" }, t("step", { n: i + 1 })),
        h("h2", { tabindex: "-1", id: `h-${step}` }, t(`step_titles.${step}`)),
        !current ? h("p", { class: "step-summary", dataset: { testid: `summary-${step}` } }, summary(step)) : null),
      !current && reachable(step)
        ? h("button", { type: "button", class: "btn btn-small", onclick: () => go(step), dataset: { testid: `edit-${step}` } },
          completed(step) ? t("edit") : t("continue"))
        : null);
    section.setAttribute("aria-labelledby", `h-${step}`);
    section.querySelector(".step-body").hidden = !current;
  });
}

function summary(step) {
  if (!reachable(step)) return t("locked");
  switch (step) {
    case "scan":
      return state.scenario ? `${pick(state.scenario, "title")} · ${t("scan_door")} ${state.entry?.tag ?? "—"}` : "";
    case "signin":
      return state.user ? `${t("signed_in_as")} · ${state.user.nickname}` : "";
    case "calc":
      return state.footprint ? `${kg(state.footprint.total_kg)} CO₂e · ${t("result_items", { n: state.footprint.items.length })}` : "";
    case "offset":
      return state.order ? `${yuan(state.order.amount_fen)} · ${state.order.kg} kg · ${t(`order_status.${state.order.status}`)}` : "";
    case "cert":
      return state.order?.certificate ? state.order.certificate.serial : "";
    default:
      return "";
  }
}

function renderBody(step) {
  const body = $(`#step-${step} .step-body`);
  ({ scan: renderScan, signin: renderSignin, calc: renderCalc, offset: renderOffset, cert: renderCert })[step](body);
}

function errorBox(error, testid) {
  if (!error) return null;
  return h("div", { class: "error-box", role: "alert", dataset: { testid, code: error.code || "" } },
    h("strong", {}, error.message),
    error.code && !["network"].includes(error.code) ? h("span", { class: "error-code" }, ` · ${t("error_code")} ${error.code}`) : null,
    error.fields ? h("ul", {}, Object.entries(error.fields).map(([k, v]) => h("li", {}, `${k}: ${[].concat(v).join(" ")}`))) : null);
}

function busy(button, text) {
  const original = [...button.childNodes];
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  fill(button, h("span", { class: "spinner", "aria-hidden": "true" }), text);
  return () => {
    button.disabled = false;
    button.removeAttribute("aria-busy");
    button.replaceChildren(...original);
  };
}

// -- the scenario banner -----------------------------------------------------------------------------------
function dateRange(s) {
  if (!s.starts_at) return "";
  const start = when(s.starts_at, { time: false });
  const end = s.ends_at ? when(s.ends_at, { time: false }) : start;
  return start === end ? start : `${start} – ${end}`;
}

function renderHero() {
  const hero = $("#hero");
  const s = state.scenario;
  hero.hidden = !s;
  if (!s) return;
  const entry = state.entry;
  fill(hero,
    h("div", { class: "hero-tags" },
      h("span", { class: ["chip", `kind-${s.kind}`] }, t(`kinds.${s.kind}`)),
      s.status === "closed" ? h("span", { class: "chip chip-closed" }, t("status_closed")) : null,
      h("code", { class: "chip chip-code" }, s.code)),
    h("h1", { class: "hero-title", dataset: { testid: "scenario-title" } }, pick(s, "title")),
    h("p", { class: "hero-meta" }, [pick(s, "venue"), pick(s, "city"), dateRange(s)].filter(Boolean).join(" · ")),
    s.organizer ? h("p", { class: "hero-meta" }, `${t("organizer")}: ${pick(s, "organizer")}`) : null,
    s.description ? h("p", { class: "hero-desc" }, pick(s, "description")) : null,
    h("div", { class: "hero-stats" },
      h("span", {}, t("participants", { n: plain(s.stats?.participants ?? 0) })),
      h("span", {}, t("neutralized", { kg: kg(s.stats?.neutralized_kg ?? 0) }))),
    entry ? h("p", { class: "hero-entry", dataset: { testid: "scan-entry" } },
      t("scanned_via", { source: t(entry.source === "link" ? "source_link" : "source_wxacode") }),
      entry.tag ? ` · ${t("scan_door")} ${entry.tag}` : "",
      entry.scan_id ? ` · ${t("scan_record", { id: entry.scan_id })}` : "") : null);
}

// -- step 1: scan ------------------------------------------------------------------------------------------
function renderScan(body) {
  const list = state.scenarios;
  const manualInput = h("input", {
    id: "scan-manual", type: "text", autocomplete: "off", autocapitalize: "off", spellcheck: "false",
    placeholder: "CDF2021.door3", value: state.manualText, dataset: { testid: "scan-manual-input" },
    oninput: (event) => { state.manualText = event.target.value; },
  });
  const manual = h("details", { class: "manual", open: state.manualOpen, ontoggle: (event) => { state.manualOpen = event.target.open; } },
    h("summary", {}, t("scan_manual")),
    h("form", {
      class: "inline-form", onsubmit: (event) => {
        event.preventDefault();
        const text = manualInput.value.trim();
        if (!text) return;
        resolve(/^https?:\/\//i.test(text) ? { q: text } : { scene: text });
      },
    },
    h("label", { for: "scan-manual", class: "field-label" }, t("scan_manual_label")),
    h("p", { class: "muted small" }, t("scan_manual_hint")),
    h("div", { class: "row" }, manualInput,
      h("button", { type: "submit", class: "btn", dataset: { testid: "scan-manual-go" } }, t("scan_manual_go")))));
  fill(body,
    h("p", { class: "lead" }, t("scan_intro")),
    errorBox(state.scanError, "scan-error"),
    state.resolving ? h("p", { class: "status", role: "status" }, h("span", { class: "spinner" }), t("scan_resolving")) : null,
    list === null ? h("p", { class: "status", role: "status" }, t("scan_loading"))
      : list.length === 0 ? h("p", { class: "muted" }, t("scan_empty"))
        : h("ul", { class: "posters", dataset: { testid: "scenario-list" } }, list.map((s) => h("li", {},
          h("button", {
            type: "button", class: ["poster", `kind-${s.kind}`, state.scenario?.code === s.code ? "chosen" : null],
            disabled: state.resolving, dataset: { testid: `scenario-card-${s.code}`, code: s.code },
            onclick: () => resolve({ scene: `${s.code}.${DOOR}` }),
          },
          h("span", { class: "poster-band" }, h("span", { class: "poster-kind" }, t(`kinds.${s.kind}`)), h("span", { class: "poster-brand" }, t("brand"))),
          h("span", { class: "poster-title" }, pick(s, "title")),
          h("span", { class: "poster-venue" }, [pick(s, "venue"), pick(s, "city")].filter(Boolean).join(" · ") || " "),
          h("span", { class: "poster-date" }, dateRange(s)),
          h("span", { class: "poster-code" }, h("img", {
            class: "poster-qr", src: `/s/${encodeURIComponent(s.code)}/qr.png?d=${DOOR}`, alt: "", width: 132, height: 132,
            loading: "lazy", dataset: { testid: `scenario-qr-${s.code}` } })),
          h("span", { class: "poster-scene" }, `scene=${s.code}.${DOOR}`),
          h("span", { class: "poster-cta" }, t("scan_this")))))),
    manual);
}

async function loadScenarios() {
  try {
    state.scenarios = (await api("GET", "/api/v1/scenarios", { query: { limit: 100 } })).data;
  } catch (error) {
    state.scenarios = [];
    state.scanError = error;
  }
  renderBody("scan");
}

async function resolve(params) {
  state.resolving = true;
  state.scanError = null;
  renderBody("scan");
  try {
    const data = await api("GET", "/api/v1/deeplinks/resolve", { query: params });
    if (state.scenario?.code !== data.scenario.code) {
      calculator.model = {};
      resetJourney();
    }
    state.scenario = data.scenario;
    state.entry = data.entry;
    rememberInUrl(params);
    saveSession({ scan: params, entry: data.entry, code: data.scenario.code, model: calculator.model });
    state.resolving = false;
    renderHero();
    renderBody("scan");
    go(state.user ? "calc" : "signin", { target: $("#hero") });
  } catch (error) {
    state.resolving = false;
    state.scanError = error;
    renderBody("scan");
    reveal($("#step-scan [data-testid=scan-error]"), "center");
  }
}

// -- this tab's session: a reload keeps the scan it made and the form typed, like the mini-program's page state --
const SESSION_KEY = "diandian.preview.session";

function loadSession() {
  try { return JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null"); } catch { return null; }
}

function saveSession(changes) {
  try { sessionStorage.setItem(SESSION_KEY, JSON.stringify({ ...(loadSession() || {}), ...changes })); } catch { /* no storage */ }
}

/** The same scan again after a reload (same scene or link, this tab): the scenario is read without recording a
 * second scan, and the form comes back as it was typed. False when there is nothing to restore. */
async function restoreScan(params) {
  const saved = loadSession();
  if (!saved?.entry || !saved.code || JSON.stringify(saved.scan) !== JSON.stringify(params)) return false;
  try {
    state.scenario = await api("GET", `/api/v1/scenarios/${encodeURIComponent(saved.code)}`);
  } catch {
    return false;  // gone or closed: resolve again, which says so
  }
  state.entry = saved.entry;
  calculator.model = saved.model || {};
  renderHero();
  renderBody("scan");
  go(state.user ? "calc" : "signin", { target: $("#hero") });
  return true;
}

function rememberInUrl(params) {
  const url = new URL(location.href);
  url.search = "";
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  if (lang() !== "zh") url.searchParams.set("lang", lang());
  history.replaceState(null, "", url);
}

/** Forget the footprint and everything after it: a new scenario, another guest, or "calculate again". */
function resetJourney() {
  state.footprint = null;
  state.projects = null;
  state.projectCode = null;
  state.order = null;
  state.payment = null;
  state.orderError = null;
  state.payNote = null;
  state.attempt = null;
  state.certificate = null;
  state.boards = null;
}

// -- step 2: sign in ----------------------------------------------------------------------------------------
function renderSignin(body) {
  if (!state.user) {
    const input = h("input", {
      id: "guest-name", type: "text", value: state.guestName, autocomplete: "username", maxlength: "100",
      autocapitalize: "off", spellcheck: "false", required: true, dataset: { testid: "guest-name" },
    });
    const button = h("button", { type: "submit", class: "btn btn-primary", dataset: { testid: "signin-button" } }, t("signin_button"));
    fill(body,
      h("p", { class: "lead" }, t("signin_intro")),
      errorBox(state.authError, "signin-error"),
      h("form", {
        class: "inline-form", novalidate: true, onsubmit: async (event) => {
          event.preventDefault();
          state.guestName = input.value.trim() || "alice";
          const done = busy(button, t("signing_in"));
          await login(state.guestName);
          done();
        },
      },
      h("label", { for: "guest-name", class: "field-label" }, t("guest_name")),
      h("div", { class: "row" }, h("span", { class: "prefix", "aria-hidden": "true" }, "sandbox-"), input, button)));
    return;
  }
  const user = state.user;
  const nickInput = h("input", {
    id: "nickname-input", type: "text", value: user.nickname, maxlength: "32", autocomplete: "nickname",
    dataset: { testid: "nickname-input" }, "aria-describedby": "nickname-error",
  });
  const nickError = h("p", { class: "field-error", id: "nickname-error", hidden: true, dataset: { testid: "nickname-error" } });
  const nickStatus = h("p", { class: "ok-note", role: "status", dataset: { testid: "nickname-status" } });
  const saveButton = h("button", { type: "submit", class: "btn", dataset: { testid: "nickname-save" } }, t("nickname_save"));
  const nickForm = h("form", {
    class: "inline-form nickname-form", hidden: true, novalidate: true, onsubmit: async (event) => {
      event.preventDefault();
      nickError.hidden = true;
      const done = busy(saveButton, t("nickname_save"));
      try {
        state.user = await api("PATCH", "/api/v1/me", { body: { nickname: nickInput.value } });
        done();
        renderBody("signin");
        renderChrome();
        const status = $("#step-signin [data-testid=nickname-status]");
        if (status) status.textContent = t("nickname_saved");
      } catch (error) {
        done();
        nickError.textContent = error.fields?.nickname ? `${error.message}: ${[].concat(error.fields.nickname).join(" ")}` : error.message;
        nickError.hidden = false;
        nickInput.setAttribute("aria-invalid", "true");
      }
    },
  },
  h("label", { for: "nickname-input", class: "field-label" }, t("nickname")),
  h("div", { class: "row" }, nickInput, saveButton,
    h("button", { type: "button", class: "btn btn-link", onclick: () => { nickForm.hidden = true; } }, t("nickname_cancel"))),
  nickError);
  const p = state.profile;
  fill(body,
    h("div", { class: "profile", dataset: { testid: "profile" } },
      h("span", { class: "avatar", "aria-hidden": "true" }, [...user.nickname][0] || "?"),
      h("div", { class: "profile-text" },
        h("span", { class: "muted small" }, t("signed_in_as")),
        h("strong", { class: "nickname", dataset: { testid: "nickname" } }, user.nickname),
        p ? h("span", { class: "muted small" }, t("me_stats", { kg: kg(p.neutralized_kg), certs: p.certificates })) : null),
      h("div", { class: "profile-actions" },
        h("button", {
          type: "button", class: "btn btn-small", dataset: { testid: "nickname-edit" },
          onclick: () => { nickForm.hidden = false; nickInput.focus(); nickInput.select(); },
        }, t("nickname_change")),
        h("button", { type: "button", class: "btn btn-small btn-link", dataset: { testid: "signout" }, onclick: signOut }, t("switch_guest")))),
    nickStatus,
    nickForm,
    h("div", { class: "actions" },
      h("button", {
        type: "button", class: "btn btn-primary", disabled: !state.scenario, dataset: { testid: "signin-continue" },
        onclick: () => go("calc"),
      }, `${t("continue")} →`)));
}

async function login(name) {
  state.authError = null;
  try {
    const data = await api("POST", "/api/v1/auth/login", { body: { code: `sandbox-${name}` }, auth: false });
    if (state.user && state.user.id !== data.user.id) resetJourney();
    setToken(data.token);
    state.user = data.user;
    loadProfile();
    renderBody("signin");
    go(state.scenario ? "calc" : "scan");
  } catch (error) {
    state.authError = error;
    renderBody("signin");
  }
}

async function loadProfile() {
  if (!token()) return;
  try {
    const profile = await api("GET", "/api/v1/me");
    state.profile = profile;
    state.user = { id: profile.id, nickname: profile.nickname, avatar_url: profile.avatar_url, show_on_leaderboard: profile.show_on_leaderboard };
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) return;
  }
  renderBody("signin");
  renderChrome();
}

function signOut() {
  setToken(null);
  state.user = null;
  state.profile = null;
  resetJourney();
  go("signin");
}

setUnauthorizedHandler(() => {
  state.user = null;
  state.profile = null;
  state.authError = new ApiError(401, "token_expired", t("session_expired"));
  if (STEPS.indexOf(state.current) > STEPS.indexOf("signin")) go("signin");
  else {
    renderBody("signin");
    renderChrome();
  }
});

// -- step 3: calculate ------------------------------------------------------------------------------------
function renderCalc(body) {
  const s = state.scenario;
  if (!s) { body.replaceChildren(); return; }
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-wide", dataset: { testid: "compute" } }, t("compute"));
  calculator.render(s.calculator.sections, h("div", { class: "actions" }, submit));
  calculator.submitButton = submit;
  const result = h("div", { class: "result-slot", dataset: { testid: "footprint-slot" } });
  fill(body, h("p", { class: "lead" }, t("calc_intro", { set: s.calculator.factor_set })), calculator.el, result);
  renderResult(result);
}

/** A result that no longer matches the form goes, with its "offset" step, when a new attempt fails. */
function dropStaleResult() {
  if (!state.footprint) return;
  const project = state.projectCode;
  resetJourney();
  state.projectCode = project;
  renderResult($("#step-calc [data-testid=footprint-slot]"));
  renderChrome();
}

async function computeFootprint() {
  const { body, problems } = calculator.payload(state.scenario.code, state.entry?.scan_id);
  if (Object.keys(problems).length) {
    dropStaleResult();
    calculator.showErrors(problems, t("fix_fields"));
    return;
  }
  calculator.clearErrors();
  const done = busy(calculator.submitButton, t("computing"));
  try {
    const footprint = await api("POST", "/api/v1/footprints", { body });
    done();
    const project = state.projectCode; // a new footprint: same project choice, a new order
    resetJourney();
    state.projectCode = project;
    state.footprint = footprint;
    const slot = $("#step-calc [data-testid=footprint-slot]");
    renderResult(slot);
    renderChrome();
    reveal(slot);
  } catch (error) {
    done();
    dropStaleResult();
    if (error.fields) calculator.showErrors(error.fields, error.message);
    else calculator.showMessage(`${error.message}${error.code && error.code !== "network" ? ` (${error.code})` : ""}`);
  }
}

function renderResult(slot) {
  const fp = state.footprint;
  if (!fp) { slot.replaceChildren(); return; }
  const top = Math.max(...fp.items.map((i) => i.kg), 0.0001);
  fill(slot, h("section", { class: "result", dataset: { testid: "footprint-result", id: fp.id }, "aria-labelledby": "result-title" },
    h("div", { class: "result-total" },
      h("h3", { id: "result-title" }, t("result_title")),
      h("p", { class: "total" }, h("span", { class: "total-kg", dataset: { testid: "footprint-total" } }, kg(fp.total_kg)), " CO₂e")),
    h("ol", { class: "lines" }, fp.items.map((item) => {
      const bar = h("span", { class: "bar-fill" });
      bar.style.width = `${Math.max(2, (item.kg / top) * 100)}%`;
      const f = item.factor || {};
      const basis = item.distance_basis === "great_circle" ? t("basis_great_circle") : item.distance_basis === "entered" ? t("basis_entered") : "";
      return h("li", { class: ["line", `cat-${item.category}`], dataset: { testid: "footprint-item", category: item.category } },
        h("div", { class: "line-main" },
          h("span", { class: "line-label", dataset: { testid: "item-label" } }, item.label || item.mode || item.category),
          h("span", { class: "line-kg", dataset: { testid: "item-kg" } }, kg(item.kg))),
        h("span", { class: "bar", "aria-hidden": "true" }, bar),
        h("p", { class: "line-calc", dataset: { testid: "item-calc" } },
          item.distance_km != null ? `${plain(item.distance_km, 1)} km${basis ? ` (${basis})` : ""} · ` : "",
          `${plain(item.amount, 3).replace(/\.?0+$/, "")} ${item.unit_label || item.unit} × `,
          h("span", { class: "factor", dataset: { testid: "item-factor" }, title: f.note || "" }, `${f.value} kg CO₂e/${f.unit_label || f.unit}`),
          item.shared_by ? ` · ${t("shared_by", { n: item.shared_by })}` : ""),
        // The source in the page's language; the citation as published (English, to look the factor up) on hover.
        h("p", { class: "line-source", dataset: { testid: "item-source" }, title: f.source || "" },
          h("span", { class: "source-tag" }, t("source")), f.source_label || f.source || "—"));
    })),
    h("p", { class: "muted small" }, `${t("factor_set")}: ${fp.factor_set} · `,
      h("a", { href: `/api/v1/factor-sets/${encodeURIComponent(fp.factor_set)}`, target: "_blank", rel: "noopener" }, t("factor_set_link"))),
    h("div", { class: "actions" },
      h("button", {
        type: "button", class: "btn btn-primary btn-wide", dataset: { testid: "to-offset" },
        onclick: () => (state.user ? go("offset") : go("signin")),
      }, `${t("to_offset")} →`))));
}

// -- step 4: neutralise -------------------------------------------------------------------------------------
function renderOffset(body) {
  const fp = state.footprint;
  if (!fp) { body.replaceChildren(); return; }
  if (state.projects === null && !state.projectsError && !state.projectsLoading) loadProjects();
  const needKg = Math.ceil(fp.total_kg);
  const ordered = Boolean(state.order);
  const projects = state.projects || [];
  const beneficiary = h("input", {
    id: "beneficiary", type: "text", maxlength: "32", value: state.beneficiary, disabled: ordered,
    placeholder: state.user?.nickname || "", dataset: { testid: "beneficiary" }, "aria-describedby": "beneficiary-hint",
    oninput: (e) => { state.beneficiary = e.target.value; },
  });
  const organization = h("input", {
    id: "organization", type: "text", maxlength: "64", value: state.organization, disabled: ordered,
    autocomplete: "organization", dataset: { testid: "organization" }, "aria-describedby": "organization-hint",
    oninput: (e) => { state.organization = e.target.value; },
  });
  const orderButton = h("button", {
    type: "submit", class: "btn btn-primary btn-wide", dataset: { testid: "place-order" }, disabled: !state.projectCode,
  }, t("place_order"));
  const form = h("form", {
    class: "offset-form", novalidate: true, hidden: ordered, onsubmit: async (event) => {
      event.preventDefault();
      const done = busy(orderButton, t("ordering"));
      await placeOrder();
      done();
    },
  },
  h("fieldset", { class: "projects" },
    h("legend", { class: "section-title" }, t("cert_project")),
    state.projects === null && !state.projectsError ? h("p", { class: "status", role: "status" }, t("projects_loading")) : null,
    errorBox(state.projectsError, "projects-error"),
    h("div", { class: "project-list", role: "radiogroup", "aria-label": t("cert_project") }, projects.map((p) => {
      const radio = h("input", {
        type: "radio", name: "project", value: p.code, checked: state.projectCode === p.code,
        dataset: { testid: `project-radio-${p.code}` },
        onchange: () => {
          state.projectCode = p.code;
          orderButton.disabled = false;
          for (const card of form.querySelectorAll(".project")) card.classList.toggle("chosen", card.dataset.code === p.code);
        },
      });
      const estimate = Math.ceil((needKg * p.price_fen_per_tonne) / 1000);
      return h("label", { class: ["project", state.projectCode === p.code ? "chosen" : null], dataset: { testid: `project-${p.code}`, code: p.code } },
        radio,
        h("span", { class: "project-body" },
          h("span", { class: "project-name" }, pick(p, "name")),
          h("span", { class: "project-meta" }, [p.standard, p.location, pick(p.owner, "name")].filter(Boolean).join(" · ")),
          p.description ? h("span", { class: "project-desc" }, pick(p, "description")) : null,
          h("span", { class: "project-numbers" },
            h("span", { class: "price" }, t("price_per_tonne", { price: yuan(p.price_fen_per_tonne) })),
            h("span", { class: "available", dataset: { testid: "available" } }, t("available", { t: plain(Math.floor(p.available_kg / 1000)) })),
            h("span", { class: "estimate" }, t("estimate", { yuan: yuan(estimate) })))));
    }))),
  h("div", { class: "fields two" },
    h("div", { class: "field" },
      h("label", { for: "beneficiary", class: "field-label" }, t("beneficiary")), beneficiary,
      h("p", { class: "muted small", id: "beneficiary-hint" }, t("beneficiary_hint"))),
    h("div", { class: "field" },
      h("label", { for: "organization", class: "field-label" }, t("organization")), organization,
      h("p", { class: "muted small", id: "organization-hint" }, t("organization_hint")))),
  errorBox(state.orderError, "offset-error"),
  h("div", { class: "actions" }, orderButton));
  fill(body,
    h("p", { class: "lead" }, t("offset_intro")),
    h("p", { class: "need" }, `${t("result_title")}: `, h("strong", {}, `${kg(fp.total_kg)} CO₂e`), ` · ${t("to_neutralise")} ≈ ${needKg} kg`),
    form,
    ordered ? orderPanel() : null);
}

async function loadProjects() {
  state.projectsError = null;
  state.projectsLoading = true;
  try {
    state.projects = (await api("GET", "/api/v1/projects", { query: { scenario: state.scenario.code } })).data;
    if (!state.projectCode && state.projects.length === 1) state.projectCode = state.projects[0].code;
  } catch (error) {
    state.projectsError = error;
  } finally {
    state.projectsLoading = false;
  }
  if (state.current === "offset") renderBody("offset");
}

async function placeOrder() {
  const body = { footprint_id: state.footprint.id, project: state.projectCode };
  if (state.beneficiary.trim()) body.beneficiary = state.beneficiary.trim();
  if (state.organization.trim()) body.organization = state.organization.trim();
  const sig = JSON.stringify(body);
  // One key per attempt: a retry after a lost answer reuses it (the server replays the same order);
  // anything else the guest changes, or any answer the server gave, makes the next tap a new attempt.
  if (!state.attempt || state.attempt.sig !== sig) state.attempt = { sig, key: uuid() };
  state.orderError = null;
  try {
    const data = await api("POST", "/api/v1/orders", { body, headers: { "Idempotency-Key": state.attempt.key } });
    state.attempt = null;
    state.order = data.order;
    state.payment = data.payment;
    state.payNote = null;
    renderBody("offset");
    renderChrome();
    reveal($("#step-offset [data-testid=order-panel]"));
    if (FINAL.has(state.order.status) || state.order.status === "paid") pollOrder();
  } catch (error) {
    if (error.code !== "network") state.attempt = null;
    state.orderError = error;
    renderBody("offset");
  }
}

function orderPanel() {
  const o = state.order;
  const pay = state.payment;
  const status = o.status;
  const help = t(`order_status_help.${status}`);
  const payButton = h("button", {
    type: "button", class: "btn btn-pay btn-wide", dataset: { testid: "pay-sandbox" },
    disabled: !pay || status !== "pending" || !sandbox,
    onclick: async () => {
      const done = busy(payButton, t("paying"));
      await paySandbox();
      done();
      renderBody("offset");
    },
  }, t("pay_sandbox"));
  return h("section", { class: "order", dataset: { testid: "order-panel", orderId: o.id }, "aria-labelledby": "order-title" },
    h("div", { class: "order-head" },
      h("h3", { id: "order-title" }, t("order")),
      h("span", { class: ["badge", `status-${status}`], dataset: { testid: "order-status", status } }, t(`order_status.${status}`))),
    h("dl", { class: "facts" },
      h("dt", {}, t("order_amount")), h("dd", { class: "amount", dataset: { testid: "order-amount" } }, yuan(o.amount_fen)),
      h("dt", {}, t("order_kg")), h("dd", {}, `${o.kg} kg · ${o.project}`),
      h("dt", {}, "out_trade_no"), h("dd", {}, h("code", {}, o.out_trade_no)),
      o.expires_at && status === "pending" ? [h("dt", {}, t("order_expires")), h("dd", {}, when(o.expires_at))] : null),
    pay ? h("details", { class: "pay-params" },
      h("summary", {}, t("pay_params")),
      h("pre", { dataset: { testid: "payment-params" } }, JSON.stringify(pay, null, 2))) : null,
    help !== `order_status_help.${status}` ? h("p", { class: "note", dataset: { testid: "order-help" } }, help) : null,
    state.payNote ? h("p", { class: "status", role: "status", dataset: { testid: "pay-note" } }, state.payNote) : null,
    errorBox(state.orderError, "pay-error"),
    h("div", { class: "actions" },
      status === "pending" ? payButton : null,
      ["pending", "closed", "refunded", "review"].includes(status) ? h("button", {
        type: "button", class: "btn btn-link", dataset: { testid: "change-project" },
        onclick: () => {
          // The held kilograms are released when the unpaid order expires; show fresh stock meanwhile.
          Object.assign(state, { order: null, payment: null, orderError: null, payNote: null, projects: null });
          renderBody("offset");
          renderChrome();
        },
      }, status === "pending" ? t("change_project") : t("reorder")) : null,
      status === "paid" || (status === "pending" && state.payNote) ? h("button", {
        type: "button", class: "btn btn-small", dataset: { testid: "refresh-order" },
        onclick: async (event) => {
          const done = busy(event.currentTarget, t("refresh"));
          state.orderError = null;
          await pollOrder();
          done();
        },
      }, t("refresh")) : null,
      status === "fulfilled" ? h("button", { type: "button", class: "btn btn-primary", onclick: () => go("cert") }, `${t("steps.cert")} →`) : null));
}

async function paySandbox() {
  state.orderError = null;
  const prepay = new URLSearchParams(state.payment.package).get("prepay_id");
  try {
    // Plays the guest confirming WeChat's pay sheet; WeChat Pay then notifies the service once.
    await api("POST", "/sandbox/wechatpay/confirm", { body: { prepay_id: prepay, deliveries: 1 }, auth: false });
    state.payNote = t("waiting_fulfil");
    renderBody("offset");
  } catch (error) {
    state.orderError = error;
  }
  await pollOrder();
}

async function pollOrder() {
  const id = state.order.id;
  for (let attempt = 0; attempt < 40; attempt += 1) {
    try {
      state.order = await api("GET", `/api/v1/orders/${encodeURIComponent(id)}`);
    } catch (error) {
      state.orderError = error;
      break;
    }
    if (FINAL.has(state.order.status)) break;
    renderBody("offset");
    await new Promise((r) => setTimeout(r, attempt < 5 ? 300 : 1000));
  }
  if (state.order.status === "fulfilled") {
    state.payNote = null;
    renderChrome();
    await Promise.all([loadCertificate(), loadBoards(), loadProfile()]);
    go("cert");
  } else {
    if (!FINAL.has(state.order.status) && !state.orderError) state.payNote = t("poll_timeout");
    else state.payNote = null;
    renderBody("offset");
    renderChrome();
  }
}

// -- step 5: certificate -----------------------------------------------------------------------------------
async function loadCertificate() {
  const serial = state.order?.certificate?.serial;
  if (!serial) return;
  try {
    state.certificate = await api("GET", `/api/v1/certificates/${encodeURIComponent(serial)}`);
  } catch {
    state.certificate = null; // the order's own summary is enough to carry on
  }
  // The scenario's counters moved: show the new ones.
  try {
    state.scenario = await api("GET", `/api/v1/scenarios/${encodeURIComponent(state.scenario.code)}`);
    renderHero();
  } catch { /* keep the old counters */ }
}

async function loadBoards() {
  const by = state.boardBy;
  const code = state.scenario?.code;
  const get = (query) => api("GET", "/api/v1/leaderboards", { query: { ...query, by, limit: 10 } }).catch((error) => ({ error }));
  const [scenario, all] = await Promise.all([get({ scenario: code }), get({})]);
  state.boards = { by, scenario, all };
  if (state.current === "cert") renderBody("cert");
}

/** The certificate picture in the page's language (an <img> cannot send Accept-Language itself). */
function imageInLang(url) {
  try {
    const u = new URL(url, location.href);
    u.searchParams.set("lang", lang());
    return u.toString();
  } catch {
    return url;
  }
}

function withLang(url) {
  if (!langQuery()) return url;
  return `${url}${url.includes("?") ? "&" : "?"}${langQuery()}`;
}

function renderCert(body) {
  const cert = state.order?.certificate;
  if (!cert) { body.replaceChildren(); return; }
  const details = state.certificate;
  const fallback = h("div", { class: "cert-fallback", hidden: true, dataset: { testid: "certificate-fallback" } },
    h("div", { class: "paper" },
      h("span", { class: "paper-brand" }, t("brand")),
      h("strong", { class: "paper-kg" }, `${details?.kg ?? state.order.kg} kg CO₂e`),
      details ? h("span", {}, details.holder) : null,
      details ? h("span", { class: "muted small" }, pick(details.project, "name")) : null,
      h("code", {}, cert.serial)),
    h("p", {}, t("cert_image_missing"), " ",
      h("a", { href: withLang(cert.verify_url), target: "_blank", rel: "noopener" }, t("cert_open_verify"))));
  const loading = h("p", { class: "cert-loading", role: "status" }, h("span", { class: "spinner" }), t("cert_image_loading"));
  const img = h("img", {
    class: "cert-image", src: imageInLang(cert.image_url), alt: t("cert_image_alt", { serial: cert.serial }),
    decoding: "async", dataset: { testid: "certificate-image" },
  });
  img.addEventListener("load", () => { loading.remove(); img.classList.add("loaded"); img.dataset.loaded = "1"; });
  img.addEventListener("error", () => { loading.remove(); img.hidden = true; img.dataset.loaded = "0"; fallback.hidden = false; });
  const status = details?.status || cert.status;
  fill(body,
    h("p", { class: "lead" }, t("cert_intro")),
    h("div", { class: "cert-layout" },
      h("figure", { class: "cert-figure" }, loading, h("a", { href: withLang(cert.verify_url), target: "_blank", rel: "noopener", class: "cert-link" }, img), fallback),
      h("div", { class: "cert-side" },
        h("dl", { class: "facts" },
          h("dt", {}, t("cert_serial")), h("dd", {}, h("code", { dataset: { testid: "certificate-serial" } }, cert.serial)),
          h("dt", {}, t("cert_kg")), h("dd", {}, `${details?.kg ?? state.order.kg} kg CO₂e`),
          details ? [h("dt", {}, t("cert_holder")), h("dd", { dataset: { testid: "certificate-holder" } }, details.holder)] : null,
          details ? [h("dt", {}, t("cert_project")), h("dd", {}, `${pick(details.project, "name")} (${details.project.standard})`)] : null,
          h("dt", {}, t("cert_status_label")), h("dd", {}, h("span", { class: ["badge", `cert-${status}`], dataset: { testid: "certificate-status" } }, t(`cert_status.${status}`)))),
        h("ul", { class: "links" },
          h("li", {}, h("a", { href: withLang(cert.verify_url), target: "_blank", rel: "noopener", dataset: { testid: "verify-link" } }, t("verify_link"))),
          h("li", {}, h("a", { href: `/api/v1/certificates/${encodeURIComponent(cert.serial)}`, target: "_blank", rel: "noopener", dataset: { testid: "certificate-json-link" } }, t("json_link"))),
          details ? h("li", {}, h("a", { href: withLang(`/registry?project=${encodeURIComponent(details.project.code)}`), target: "_blank", rel: "noopener" }, t("registry_link"))) : null),
        h("button", {
          type: "button", class: "btn", dataset: { testid: "again" },
          onclick: () => { resetJourney(); go("calc"); },
        }, t("again")))),
    renderBoards());
}

function renderBoards() {
  const boards = state.boards;
  const switcher = h("div", { class: "segmented", role: "group", "aria-label": t("leaderboards") },
    ["user", "organization"].map((by) => h("button", {
      type: "button", class: ["seg", state.boardBy === by ? "on" : null], "aria-pressed": String(state.boardBy === by),
      dataset: { testid: `board-by-${by}` },
      onclick: () => { state.boardBy = by; loadBoards(); },
    }, by === "user" ? t("by_user") : t("by_org"))));
  return h("section", { class: "boards", "aria-labelledby": "boards-title" },
    h("div", { class: "boards-head" }, h("h3", { id: "boards-title" }, t("leaderboards")), switcher),
    boards ? h("div", { class: "board-grid" },
      board(t("board_scenario"), boards.scenario, "leaderboard-scenario"),
      board(t("board_all"), boards.all, "leaderboard-all"))
      : h("p", { class: "status", role: "status" }, h("span", { class: "spinner" })));
}

function board(title, data, testid) {
  if (data.error) return h("section", { class: "board", dataset: { testid } }, h("h4", {}, title), errorBox(data.error, `${testid}-error`));
  const me = data.me;
  const mine = (e) => me && e.rank === me.rank;
  const inTop = me && data.entries.some(mine);
  return h("section", { class: "board", dataset: { testid } },
    h("h4", {}, title),
    data.entries.length ? h("ol", { class: "board-list" }, data.entries.map((e) => h("li", {
      class: ["board-row", mine(e) ? "me" : null, e.rank <= 3 ? `top${e.rank}` : null],
      dataset: { testid: mine(e) ? "leaderboard-me" : "leaderboard-row", rank: e.rank },
      "aria-current": mine(e) ? "true" : null,
    },
    h("span", { class: "rank" }, e.rank),
    h("span", { class: "who" }, e.name, mine(e) ? h("span", { class: "me-tag" }, t("me")) : null),
    h("span", { class: "kg" }, kg(e.kg))))) : h("p", { class: "muted" }, t("board_empty")),
    me && !inTop ? h("p", { class: "board-row me outside", dataset: { testid: "leaderboard-me" } },
      h("span", { class: "rank" }, me.rank), h("span", { class: "who" }, state.user?.nickname || t("me"), h("span", { class: "me-tag" }, t("me"))), h("span", { class: "kg" }, kg(me.kg))) : null,
    !me && state.user ? h("p", { class: "muted small" }, t("not_ranked")) : null);
}

// -- language ----------------------------------------------------------------------------------------------
async function switchLanguage(to) {
  await setLang(typeof to === "string" ? to : lang() === "zh" ? "en" : "zh");  // the button: zh <-> en
  try { localStorage.setItem(LANG_KEY, lang()); } catch { /* no storage */ }
  const url = new URL(location.href);
  if (lang() !== "zh") url.searchParams.set("lang", lang());
  else url.searchParams.delete("lang");
  history.replaceState(null, "", url);
  renderAll();
  // What the API words itself (calculator labels, item labels, anonymous names) comes again in this language.
  const jobs = [];
  if (state.scenario) {
    jobs.push(api("GET", `/api/v1/scenarios/${encodeURIComponent(state.scenario.code)}`)
      .then((s) => { state.scenario = s; }).catch(() => {}));
  }
  if (state.footprint) {
    jobs.push(api("GET", `/api/v1/footprints/${encodeURIComponent(state.footprint.id)}`)
      .then((fp) => { state.footprint = fp; }).catch(() => {}));
  }
  if (state.boards) jobs.push(loadBoards());
  await Promise.all(jobs);
  renderAll();
}

// -- start, like the mini-program's onLoad(query) ------------------------------------------------------------
async function start() {
  const params = new URLSearchParams(location.search);
  let stored = null;
  try { stored = localStorage.getItem(LANG_KEY); } catch { /* no storage */ }
  await setLang(params.get("lang") || stored || "zh");
  $("#lang-toggle").addEventListener("click", () => switchLanguage());
  const menu = $("#lang-select");
  for (const code of LANGUAGES) menu.append(h("option", { value: code, lang: code }, LANGUAGE_NAMES[code]));
  menu.addEventListener("change", () => switchLanguage(menu.value));
  renderAll();
  await Promise.all([loadScenarios(), token() ? loadProfile() : null]);
  calculator.el.addEventListener("input", () => saveSession({ model: calculator.model }));
  calculator.el.addEventListener("change", () => saveSession({ model: calculator.model }));
  const scan = params.get("scene") ? { scene: params.get("scene") } : params.get("q") ? { q: params.get("q") } : null;
  if (scan && !(await restoreScan(scan))) await resolve(scan);
  document.body.dataset.ready = "1";
}

start();
