// DOM and formatting helpers. Text from the API always goes in as text nodes, never as HTML; the console's own
// texts come from the catalogue by key (./i18n.js, re-exported here with the helpers that draw them).
// Money and China time are ../shared/format.js's (the preview's too), re-exported here for the pages.
import { ApiError, fetchBlob } from "./api.js";
import { fill, h, uid } from "../shared/dom.js";
import { pair } from "./i18n.js";

export { fill, h, uid };
export { both, dotted, en, pair, zh } from "./i18n.js";
export { fenFromYuan, fromLocalInput, toLocalInput, when, yuan } from "../shared/format.js";

/** Chinese first, English beneath or beside it: bi(...pair("tabs.scenarios")). */
export function bi(zh, en) {
  return [h("span", { class: "zh" }, zh), en ? h("span", { class: "en", lang: "en" }, en) : null];
}

/** A key's Chinese as text, then its English in a muted `.en` span (paragraphs, labels); `gap` puts a space
 * between them: withEn("signin.intro"). */
export function withEn(key, { vars, gap = false } = {}) {
  const [zh, en] = pair(key, vars);
  return [gap ? `${zh} ` : zh, h("span", { class: "en", lang: "en" }, en)];
}

/** A key's Chinese, a space, its English in a plain `lang="en"` span (buttons): inline("signin.submit"). */
export function inline(key, vars) {
  const [zh, en] = pair(key, vars);
  return [`${zh} `, h("span", { lang: "en" }, en)];
}

const formats = {};
function numberFormat(digits) {
  formats[digits] ??= new Intl.NumberFormat("zh-CN", { minimumFractionDigits: 0, maximumFractionDigits: digits });
  return formats[digits];
}

export function num(value, digits = 0) {
  if (value === null || value === undefined || value === "") return "–";
  return numberFormat(digits).format(Number(value));
}

export function kg(value) {
  return `${num(value, 1)} kg`;
}

/** A labelled form field: field({key, name, input, hint, required}), the label being the key's pair
 * (or field({label, en, ...}) with the texts given). */
export function field({ key, label, en, name, input, hint, required = false, wide = false }) {
  if (key) [label, en] = pair(key);
  const id = input.id || uid(`f-${name}`);
  input.id = id;
  input.name ||= name;
  if (required) input.required = true;
  const error = h("p", { class: "field-error", id: `${id}-error`, hidden: true, dataset: { testid: `error-${name}` } });
  input.setAttribute("aria-describedby", `${id}-error`);
  return h("div", { class: ["field", wide ? "field-wide" : null], dataset: { field: name } },
    h("label", { class: "field-label", for: id }, label, required ? h("span", { class: "req", "aria-hidden": "true" }, " *") : null,
      en ? h("span", { class: "en", lang: "en" }, en) : null),
    input,
    hint ? h("p", { class: "hint" }, hint) : null,
    error);
}

export function input(name, attrs = {}) {
  return h("input", { type: "text", name, dataset: { testid: `input-${name}` }, ...attrs });
}

export function select(name, options, attrs = {}) {
  return h("select", { name, dataset: { testid: `input-${name}` }, ...attrs },
    options.map(([value, label]) => h("option", { value }, label)));
}

/** Clear the field messages of a form, then show each of the API's `fields` next to its input. */
export function showFieldErrors(form, fields) {
  for (const box of form.querySelectorAll(".field.invalid")) box.classList.remove("invalid");
  for (const p of form.querySelectorAll(".field-error")) {
    p.hidden = true;
    p.textContent = "";
  }
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  const unplaced = {};
  for (const [path, messages] of Object.entries(fields || {})) {
    const box = form.querySelector(`.field[data-field="${CSS.escape(path)}"]`);
    const text = Array.isArray(messages) ? messages.join(" ") : typeof messages === "object" ? JSON.stringify(messages) : String(messages);
    if (!box) {
      unplaced[path] = text;
      continue;
    }
    box.classList.add("invalid");
    const control = box.querySelector("input, select, textarea");
    control?.setAttribute("aria-invalid", "true");
    const p = box.querySelector(".field-error");
    p.textContent = text;
    p.hidden = false;
  }
  return unplaced;
}

/** A message box for an error (the API's message, its code and request id). */
export function errorBox(error) {
  const fields = error.unplaced && Object.keys(error.unplaced).length
    ? h("ul", {}, Object.entries(error.unplaced).map(([k, v]) => h("li", {}, k === "_schema" ? v : `${k}: ${v}`))) : null;
  const denied = error.status === 403 && error.code !== "csrf_failed"
    ? h("p", { class: "small" }, inline("common.denied")) : null;
  return h("div", { class: "error-box", role: "alert", dataset: { code: error.code || "" } },
    h("strong", {}, error.message || String(error)),
    fields, denied,
    error instanceof ApiError && error.code
      ? h("p", { class: "error-code" }, `${error.code}${error.requestId ? ` · ${error.requestId}` : ""}`) : null);
}

/** A slot for messages: slot("create-error"); showError(slot, error) fills it, showError(slot, null) clears. */
export function slot(testid) {
  return h("div", { class: "slot", dataset: { testid } });
}

export function showError(el, error) {
  if (error && !(error instanceof ApiError)) console.error(error); // a bug of the page, not the API's answer
  fill(el, error ? errorBox(error) : null);
  el.dataset.code = error?.code || "";
}

export function showOk(el, ...message) {
  fill(el, h("div", { class: "ok-box", role: "status" }, message));
  el.dataset.code = "";
}

/** Submit handling for a form: clears messages, runs `work`, shows the API's error next to its fields. */
export async function submitting(form, messages, work) {
  const button = form.querySelector('button[type="submit"]');
  showFieldErrors(form, {});
  showError(messages, null);
  if (button) {
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
  }
  try {
    return await work();
  } catch (error) {
    if (error instanceof ApiError && error.fields) error.unplaced = showFieldErrors(form, error.fields);
    showError(messages, error);
    return undefined;
  } finally {
    if (button) {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  }
}

/** Download a file from the API: fetched with the session, saved under `filename`. */
export async function download(path, query, filename) {
  const blob = await fetchBlob(path, query);
  const url = URL.createObjectURL(blob);
  const a = h("a", { href: url, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

// The shared vocabulary (kinds, grids, scenario fields, roles, statuses) comes from the one catalogue:
// app/static/i18n/<lang>.json's "console" part (make i18n), Chinese first and English beside it.
export const KINDS = ["conference", "scenic", "supermarket", "restaurant", "hotel", "life"].map((v) => [v, ...pair(`kinds.${v}`)]);
export const GRIDS = ["", "north", "northeast", "east", "central", "northwest", "south", "southwest"].map((v) => [v, ...pair(`grids.${v || "none"}`)]);
// The scenario's fields as both the create and the settings forms show them (each passes the inputs it has).
const SCENARIO_FIELDS = ["title", "title_en", "venue", "venue_en", "city", "grid", "status", "starts_at", "ends_at", "open_until"]
  .map((name) => [name, ...pair(`fields.${name}`), name === "title"]);

export function scenarioFields(f) {
  return SCENARIO_FIELDS.filter(([name]) => f[name]).map(([name, label, en, required = false]) => field({ label, en, name, input: f[name], required }));
}

const TEXT_LANGS = [["fr", "Français"], ["hi", "हिन्दी"], ["bn", "বাংলা"], ["sw", "Kiswahili"]];
const TEXT_FIELDS = [["title", "fields.title", 200], ["venue", "texts.venue", 200], ["city", "fields.city", 64],
  ["description", "fields.description", 2000]];

/** The scenario's texts in the other guest languages (`texts` of the API), folded away: a box for the form and
 * value(), the `texts` to send (only what was typed). Field names follow the API's error keys. */
export function textsFields(s = {}) {
  const inputs = {};
  const box = h("details", { class: "section texts", dataset: { testid: "texts-languages" }, open: Object.keys(s.texts || {}).length > 0 },
    h("summary", { class: "section-title" }, inline("texts.summary")),
    h("p", { class: "muted small" }, inline("texts.fallback_note")),
    TEXT_LANGS.map(([code, name]) => h("fieldset", { class: "grid2", lang: code, dataset: { testid: `texts-${code}` } },
      h("legend", {}, name),
      TEXT_FIELDS.map(([key, label, max]) => {
        const name = `texts.${code}.value.${key}`;
        const value = s.texts?.[code]?.[key] ?? "";
        const el = key === "description"
          ? h("textarea", { name, rows: 2, maxlength: max, dataset: { testid: `input-texts-${code}-${key}` } }, value)
          : input(name, { value, maxlength: max, dataset: { testid: `input-texts-${code}-${key}` } });
        inputs[`${code}.${key}`] = el;
        return field({ key: label, name, input: el, wide: key === "description" });

      }))));
  const value = () => {
    const out = {};
    for (const [code] of TEXT_LANGS) {
      const texts = {};
      for (const [key] of TEXT_FIELDS) { const v = inputs[`${code}.${key}`].value.trim(); if (v) texts[key] = v; }
      if (Object.keys(texts).length) out[code] = texts;
    }
    return out;
  };
  return { box, value };
}

export const ROLES = Object.fromEntries(["admin", "organizer", "venue_staff", "project_owner"].map((r) => [r, pair(`roles.${r}`)]));
const STATUSES = Object.fromEntries(["draft", "active", "closed", "pending", "paid", "fulfilled", "refunded", "review"].map((st) => [st, pair(`statuses.${st}`)]));

export function kindLabel(kind) {
  const k = KINDS.find(([v]) => v === kind);
  return k ? `${k[1]} ${k[2]}` : kind;
}

export function statusChip(status, testid = "status") {
  const [zh, en] = STATUSES[status] || [status, ""];
  return h("span", { class: ["chip", `chip-${status}`], dataset: { testid, status } }, zh, en ? h("span", { class: "en", lang: "en" }, en) : null);
}
