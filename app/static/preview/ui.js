// Small DOM and formatting helpers. Text from the API always goes in as text nodes, never as HTML.
// Money and China time are ../shared/format.js's (the console's too), re-exported here.
import { intlLocale, lang, t } from "./i18n.js";
import { fill, h, uid } from "../shared/dom.js";

export { fill, h, uid };
export { when, yuan } from "../shared/format.js";

const numberFormats = {};
function numberFormat(digits) {
  const key = `${lang()}:${digits}`;
  numberFormats[key] ??= new Intl.NumberFormat(intlLocale(), {
    minimumFractionDigits: digits, maximumFractionDigits: digits,
  });
  return numberFormats[key];
}

/** 451.7 -> "451.7 kg"; kilograms come rounded to 0.1 from the API. */
export function kg(value) {
  const digits = Number.isInteger(value) ? 0 : 1;
  return `${numberFormat(digits).format(value)} kg`;
}

export function plain(value, digits = 0) {
  return numberFormat(digits).format(value);
}

/** The unit the calculator sends (night, meal, km…) in the page's language. */
export function unitLabel(unit) {
  if (!unit) return "";
  const label = t(`units.${unit}`);
  return label === `units.${unit}` ? unit : label;
}

/** A random idempotency key; crypto.randomUUID needs a secure context, a phone on a LAN address has none. */
export function uuid() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

