// UI strings of the preview page, from the one catalogue (app/translations/<lang>/LC_MESSAGES/messages.po):
// `make i18n` writes app/static/i18n/<lang>.json (the fallback rule applied), loaded here. Labels of the
// calculator, footprint items and error messages come from the API itself (Accept-Language).

export const LANGUAGES = ["zh", "en", "fr", "hi", "bn", "sw"];
/** Each language's name in itself, for the language menu. */
export const LANGUAGE_NAMES = { zh: "中文", en: "English", fr: "Français", hi: "हिन्दी", bn: "বাংলা", sw: "Kiswahili" };
const LATIN_SCRIPT = new Set(["en", "fr", "sw"]);
const HTML_LANG = { zh: "zh-CN", en: "en", fr: "fr", hi: "hi", bn: "bn", sw: "sw" };
const INTL_LOCALE = { zh: "zh-CN", en: "en-GB", fr: "fr-FR", hi: "hi-IN", bn: "bn-IN", sw: "sw-KE" };

const loaded = {};
let STRINGS = {};
let current = "zh";

async function load(code) {
  if (!loaded[code]) {
    const response = await fetch(`/static/i18n/${code}.json`, { headers: { Accept: "application/json" } });
    loaded[code] = response.ok ? (await response.json()).preview : {};
  }
  return loaded[code];
}

/** Switch to a language (one of LANGUAGES, else Chinese) once its strings are loaded. */
export async function setLang(code) {
  const next = LANGUAGES.includes(code) ? code : "zh";
  STRINGS = await load(next);
  current = next;
}

/** `<html lang>` of the page. */
export function htmlLang() {
  return HTML_LANG[current];
}

/** The locale numbers are formatted in. */
export function intlLocale() {
  return INTL_LOCALE[current];
}

/** Whether a text kept in Chinese and English (`x` / `x_en`) is shown in English (the fallback rule). */
export function prefersEnglish() {
  return LATIN_SCRIPT.has(current);
}

/** `lang=` for links and images (none for the default, Chinese). */
export function langQuery() {
  return current === "zh" ? "" : `lang=${current}`;
}

export function lang() {
  return current;
}

/** The Accept-Language the API gets, so its labels and messages match the page. */
export function acceptLanguage() {
  return current === "zh" ? "zh-CN" : current;
}

/** t("steps.scan"), t("rank_n", {n: 3}); a missing key shows itself, never crashes the page. */
export function t(key, vars) {
  let value = STRINGS[key];
  if (value === undefined) value = key;
  if (typeof value === "string" && vars) {
    value = value.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
  }
  return value;
}

/** The text in the page's language from an API object's `x` / `x_en` pair. */
export function pick(obj, field) {
  if (!obj) return "";
  // A scenario carries its texts in the other guest languages; then the fallback rule (Latin script: English).
  const own = obj.texts?.[lang()]?.[field];
  if (own) return own;
  if (prefersEnglish() && obj[`${field}_en`]) return obj[`${field}_en`];
  return obj[field] ?? "";
}
