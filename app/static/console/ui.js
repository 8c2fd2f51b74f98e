// DOM and formatting helpers. Text from the API always goes in as text nodes, never as HTML.
// Money and China time are ../shared/format.js's (the preview's too), re-exported here for the pages.
import { ApiError, fetchBlob } from "./api.js";
import { fill, h, uid } from "../shared/dom.js";

export { fill, h, uid };
export { fenFromYuan, fromLocalInput, toLocalInput, when, yuan } from "../shared/format.js";

/** Chinese first, English beneath or beside it: bi("场景", "Scenarios"). */
export function bi(zh, en) {
  return [h("span", { class: "zh" }, zh), en ? h("span", { class: "en", lang: "en" }, en) : null];
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

/** A labelled form field: field({label, en, name, testid, input, hint, required}). */
export function field({ label, en, name, input, hint, required = false, wide = false }) {
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
    ? h("p", { class: "small" }, "您的角色无权进行此操作。", h("span", { lang: "en" }, " Your role may not do this.")) : null;
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

export const KINDS = [
  ["conference", "会议", "Conference"], ["scenic", "景区", "Scenic area"], ["supermarket", "超市", "Supermarket"],
  ["restaurant", "餐厅", "Restaurant"], ["hotel", "酒店", "Hotel"], ["life", "生活", "Daily life"],
];
export const GRIDS = [
  ["", "（不填）", "none"], ["north", "华北电网", "North"], ["northeast", "东北电网", "Northeast"],
  ["east", "华东电网", "East"], ["central", "华中电网", "Central"], ["northwest", "西北电网", "Northwest"],
  ["south", "南方电网", "South"], ["southwest", "西南电网", "Southwest"],
];
// The scenario's fields as both the create and the settings forms show them (each passes the inputs it has).
const SCENARIO_FIELDS = [
  ["title", "名称", "Title", true], ["title_en", "英文名称", "Title in English"], ["venue", "场馆", "Venue"],
  ["venue_en", "场馆（英文）", "Venue in English"], ["city", "城市", "City"], ["grid", "电网区域", "Grid region"],
  ["status", "状态", "Status"], ["starts_at", "开始时间（北京时间）", "Starts (China time)"], ["ends_at", "结束时间", "Ends"],
  ["open_until", "扫码截止", "Open until"],
];

export function scenarioFields(f) {
  return SCENARIO_FIELDS.filter(([name]) => f[name]).map(([name, label, en, required = false]) => field({ label, en, name, input: f[name], required }));
}

export const ROLES = {
  admin: ["平台管理员", "Platform admin"],
  organizer: ["主办方", "Organiser"],
  venue_staff: ["场馆工作人员", "Venue staff"],
  project_owner: ["项目业主", "Project owner"],
};
const STATUSES = {
  draft: ["草稿", "Draft"], active: ["进行中", "Open"], closed: ["已关闭", "Closed"],
  pending: ["待支付", "Awaiting payment"], paid: ["已支付", "Paid"], fulfilled: ["已完成", "Fulfilled"],
  refunded: ["已退款", "Refunded"], review: ["人工复核", "Under review"],
};

export function kindLabel(kind) {
  const k = KINDS.find(([v]) => v === kind);
  return k ? `${k[1]} ${k[2]}` : kind;
}

export function statusChip(status, testid = "status") {
  const [zh, en] = STATUSES[status] || [status, ""];
  return h("span", { class: ["chip", `chip-${status}`], dataset: { testid, status } }, zh, en ? h("span", { class: "en", lang: "en" }, en) : null);
}
