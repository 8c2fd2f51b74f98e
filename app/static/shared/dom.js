// DOM helpers shared by the guest preview and the staff console. Text always goes in as text nodes,
// never as HTML, so nothing an API returns can inject markup.

/**
 * h("button", {class: "btn", onclick: fn, dataset: {testid: "x"}}, "text", child, [more])
 * Attributes: class, dataset, on<event>, value, checked, boolean attributes (true/false), everything else as attribute.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = Array.isArray(value) ? value.filter(Boolean).join(" ") : value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "value") el.value = value;
    else if (key === "checked") el.checked = Boolean(value);
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** An id unique in the page, for label/aria wiring. */
let serial = 0;
export function uid(prefix) {
  serial += 1;
  return `${prefix}-${serial}`;
}
