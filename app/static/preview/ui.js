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

/** A decorative QR-like pattern for a poster card, deterministic per scenario code (not scannable). */
export function fauxCode(text, size = 21) {
  let seed = 2166136261;
  for (const ch of text) seed = Math.imul(seed ^ ch.codePointAt(0), 16777619) >>> 0;
  const rand = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 4294967296;
  };
  const finder = (x, y) => {
    for (const [fx, fy] of [[0, 0], [size - 7, 0], [0, size - 7]]) {
      const dx = x - fx;
      const dy = y - fy;
      if (dx >= -1 && dx <= 7 && dy >= -1 && dy <= 7) {
        if (dx < 0 || dy < 0 || dx > 6 || dy > 6) return 0;
        const ring = Math.max(Math.abs(dx - 3), Math.abs(dy - 3));
        return ring === 2 ? 0 : 1;
      }
    }
    return null;
  };
  let d = "";
  for (let y = 0; y < size; y += 1) {
    for (let x = 0; x < size; x += 1) {
      const f = finder(x, y);
      if (f === 1 || (f === null && rand() < 0.47)) d += `M${x} ${y}h1v1h-1z`;
    }
  }
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `-1 -1 ${size + 2} ${size + 2}`);
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.classList.add("faux-code");
  const bg = document.createElementNS(ns, "rect");
  bg.setAttribute("x", "-1");
  bg.setAttribute("y", "-1");
  bg.setAttribute("width", String(size + 2));
  bg.setAttribute("height", String(size + 2));
  bg.setAttribute("class", "faux-code-bg");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", d);
  path.setAttribute("class", "faux-code-ink");
  svg.append(bg, path);
  return svg;
}
