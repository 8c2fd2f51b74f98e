// Event neutralisation: the organiser prices the event (a form drawn from the API's definition), sees
// what guests already covered, quotes the top-up and pays it with WeChat Pay Native (a QR code the
// service renders), then gets the event certificate.
import { ApiError, api, listOf } from "./api.js";
import {
  bi, both, dotted, en, fill, h, kg, num, pair, showError, showFieldErrors, slot, statusChip, uid, when, withEn, yuan, zh,
} from "./ui.js";

const POLL_MS = 2000;
const FINAL = new Set(["fulfilled", "closed", "refunded", "review"]);
const sandbox = () => document.body.dataset.sandbox === "1";

// -- the form model --------------------------------------------------------------------------------------
function initial(f) {
  if (f.type === "boolean") return f.default === true;
  if (f.type === "group") return [];
  if (f.default === undefined || f.default === null) return "";
  return String(f.default);
}

function newItem(fields) {
  return Object.fromEntries(fields.map((f) => [f.name, initial(f)]));
}

/** The travel-mode option chosen in an item (decides which fields apply), undefined without modes. */
function modeOption(fields, item) {
  const modes = fields.find((f) => f.type === "select" && f.options?.some((o) => "per_vehicle" in o));
  if (!modes) return undefined;
  return modes.options.find((o) => o.value === item[modes.name]) || null;
}

function applies(f, option) {
  if (option === undefined) return true;
  if (f.type === "place" && option && option.places === false) return false;
  if (f.name === "passengers" && (!option || !option.per_vehicle)) return false;
  return true;
}

const placeIds = new Map(); // shown label -> place id (from /api/v1/places)

function numberOrNull(text) {
  const s = String(text ?? "").trim();
  return s === "" ? null : Number(s);
}

/** One travel leg (staff or attendee group) as the API wants it; null for an untouched row. */
function leg(fields, item) {
  const option = modeOption(fields, item);
  const distance = numberOrNull(item.distance_km);
  const from = String(item.from ?? "").trim();
  const to = String(item.to ?? "").trim();
  if (distance === null && !from && !to) return null;
  const out = { mode: item.mode || undefined };
  if (distance !== null) out.distance_km = distance;
  if (from) out.from = placeIds.get(from) || from;
  if (to) out.to = placeIds.get(to) || to;
  out.round_trip = Boolean(item.round_trip);
  const passengers = numberOrNull(item.passengers);
  if (option?.per_vehicle && passengers !== null && passengers !== 1) out.passengers = passengers;
  const people = numberOrNull(item.people);
  if (people !== null) out.people = people;
  return out;
}

function plainFields(fields, values) {
  const out = {};
  for (const f of fields) {
    if (f.type === "group") continue;
    const v = values[f.name];
    if (f.type === "boolean") out[f.name] = Boolean(v);
    else if (f.type === "number" || f.type === "integer") {
      const n = numberOrNull(v);
      if (n !== null) out[f.name] = n;
    } else if (v !== "" && v !== null && v !== undefined) out[f.name] = v;
  }
  return out;
}

/** The request body of POST /event/footprint from the model (sections the organiser left empty are left out). */
function footprintBody(sections, model) {
  const body = {};
  for (const s of sections) {
    const value = model[s.key];
    if (s.key === "venue") {
      Object.assign(body, plainFields(s.fields, value));
    } else if (s.key === "materials") {
      const rows = value.map((item) => plainFields(s.fields, item)).filter((r) => r.material && r.kg !== undefined);
      if (rows.length) body.materials = rows;
    } else if (s.repeatable) {
      const rows = value.map((item) => leg(s.fields, item)).filter(Boolean);
      if (rows.length) body[s.key] = rows;
    } else {
      const out = plainFields(s.fields, value);
      for (const f of s.fields.filter((g) => g.type === "group")) {
        const rows = (value[f.name] || []).map((item) => leg(f.fields, item)).filter(Boolean);
        if (rows.length) out[f.name] = rows;
      }
      const meaningful = Object.entries(out).some(([k, v]) => {
        const f = s.fields.find((g) => g.name === k);
        return Array.isArray(v) ? v.length > 0 : f && f.type !== "select" && f.type !== "boolean" && v !== 0;
      });
      if (meaningful) body[s.key] = out;
    }
  }
  return body;
}

// -- drawing the form ----------------------------------------------------------------------------------------
function control(f, path, values, onChange) {
  const testid = `input-${path}`;
  const value = values[f.name];
  const set = (v) => {
    values[f.name] = v;
    onChange?.(f);
  };
  if (f.type === "select") {
    const options = [f.required && !f.default ? h("option", { value: "" }, dotted("event.choose")) : null,
      !f.required && f.default === undefined ? h("option", { value: "" }, `（${dotted("event.none")}）`) : null,
      f.options.map((o) => h("option", { value: o.value }, o.label))];
    const el = h("select", { dataset: { testid }, onchange: (e) => set(e.target.value) }, options);
    el.value = value;
    return el;
  }
  if (f.type === "boolean") {
    return h("input", { type: "checkbox", class: "switch", checked: value, dataset: { testid }, onchange: (e) => set(e.target.checked) });
  }
  if (f.type === "place") {
    const list = uid("places");
    const el = h("input", {
      type: "text", list, value, autocomplete: "off", placeholder: dotted("event.place_placeholder"),
      dataset: { testid }, oninput: (e) => {
        set(e.target.value);
        suggest(e.target.value, datalist);
      },
    });
    const datalist = h("datalist", { id: list });
    return [el, datalist];
  }
  const el = h("input", {
    type: "number", inputmode: f.type === "integer" ? "numeric" : "decimal", step: f.type === "integer" ? "1" : "any",
    min: f.min, max: f.max, value, dataset: { testid }, oninput: (e) => set(e.target.value),
  });
  return f.unit ? h("span", { class: "with-unit" }, el, h("span", { class: "unit" }, f.unit === "night" ? zh("event.unit_night") : f.unit)) : el;
}

let suggestTimer = null;
function suggest(text, datalist) {
  clearTimeout(suggestTimer);
  const q = text.trim();
  if (q.length < 1 || placeIds.has(q)) return;
  suggestTimer = setTimeout(async () => {
    try {
      const found = listOf(await api("GET", "/api/v1/places", { query: { q, limit: 8 } }));
      fill(datalist, found.map((p) => {
        const label = `${p.name}${p.iata ? ` (${p.iata})` : ""}`;
        placeIds.set(label, p.id);
        return h("option", { value: label }, p.name_en || "");
      }));
    } catch {
      /* suggestions are a convenience; a typed IATA code still works */
    }
  }, 200);
}

function fieldBox(f, path, values, redraw) {
  const onChange = f.type === "select" && f.options?.some((o) => "per_vehicle" in o) ? redraw : null;
  const el = control(f, path, values, onChange);
  const first = Array.isArray(el) ? el[0] : el.querySelector?.("input") || el;
  const id = uid("ev");
  first.id = id;
  return h("div", { class: ["field", `field-${f.type}`], dataset: { field: path } },
    h("label", { class: "field-label", for: id }, f.label, f.required ? h("span", { class: "req", "aria-hidden": "true" }, " *") : null),
    el,
    h("p", { class: "field-error", hidden: true, dataset: { testid: `error-${path}` } }));
}

function fieldsRow(fields, prefix, values, redraw) {
  const option = modeOption(fields, values);
  return h("div", { class: "fields" }, fields.filter((f) => f.type !== "group" && applies(f, option))
    .map((f) => fieldBox(f, `${prefix}${f.name}`, values, redraw)));
}

function repeatable(listPath, fields, rows, maxItems, label) {
  const box = h("div", { class: "repeat", dataset: { testid: `list-${listPath}` } });
  const draw = () => {
    fill(box,
      h("ol", { class: "items" }, rows.map((item, i) => h("li", { class: "item", dataset: { testid: `item-${listPath}` } },
        h("div", { class: "item-head" }, h("span", { class: "item-title" }, `${label} ${i + 1}`),
          h("button", { type: "button", class: "btn btn-link remove-item", dataset: { testid: "remove-item" },
            onclick: () => { rows.splice(i, 1); draw(); } }, both("common.remove"))),
        fieldsRow(fields, `${listPath}.${i}.`, item, draw)))),
      h("div", { class: "add-row" }, h("button", {
        type: "button", class: "btn btn-small", disabled: rows.length >= (maxItems || 20), dataset: { testid: `add-${listPath}` },
        onclick: () => { rows.push(newItem(fields)); draw(); },
      }, `＋ ${both("common.add")}`)));
  };
  draw();
  return box;
}

function section(s, model) {
  const box = h("fieldset", { class: "section", dataset: { testid: `section-${s.key}`, part: s.part } },
    h("legend", { class: "section-title" }, s.label, h("span", { class: "chip chip-part" },
      both(s.part === "attendees" ? "event.part_attendees" : "event.part_operations"))));
  if (s.rules?.length) box.append(h("ul", { class: "section-rules" }, s.rules.map((r) => h("li", {}, r))));
  if (s.repeatable) {
    model[s.key] ||= [];
    box.append(repeatable(s.key, s.fields, model[s.key], s.max_items, zh(s.key === "materials" ? "event.item_material" : "event.item_trip")));
  } else {
    model[s.key] ||= newItem(s.fields);
    const values = model[s.key];
    const prefix = s.key === "venue" ? "" : `${s.key}.`;
    const row = h("div", {});
    const redraw = () => fill(row, fieldsRow(s.fields, prefix, values, redraw));
    redraw();
    box.append(row);
    for (const g of s.fields.filter((f) => f.type === "group")) {
      values[g.name] ||= [];
      box.append(h("div", { class: "group" }, h("p", { class: "group-title" }, g.label || both("event.groups")),
        repeatable(`${s.key}.${g.name}`, g.fields, values[g.name], g.max_items, zh("event.item_group"))));
    }
  }
  return box;
}

// -- results -------------------------------------------------------------------------------------------------
function footprintResult(fp, guests) {
  const bySection = {};
  for (const it of fp.items || []) (bySection[it.section] ||= []).push(it);
  return h("div", { class: "card result", dataset: { testid: "event-footprint", id: fp.id } },
    h("h3", {}, bi(...pair("event.footprint"))),
    h("table", { class: "table" },
      h("thead", {}, h("tr", {}, h("th", {}, both("event.item")), h("th", { class: "num" }, "kg CO₂e"), h("th", {}, both("event.factor")))),
      h("tbody", {}, (fp.items || []).map((it) => h("tr", { dataset: { testid: "event-item", section: it.section } },
        h("td", {}, it.label, it.people > 1 ? h("span", { class: "muted small" }, ` × ${num(it.people)}`) : null),
        h("td", { class: "num" }, num(it.kg, 1)),
        h("td", { class: "small muted" }, it.factor ? `${it.factor.value ?? ""} ${it.factor.unit ?? ""}`.trim() : ""))))),
    h("dl", { class: "kv" },
      h("dt", {}, bi(...pair("event.operations"))), h("dd", { dataset: { testid: "operations-kg" } }, kg(fp.operations_kg)),
      h("dt", {}, bi(...pair("event.attendees"))), h("dd", { dataset: { testid: "attendees-kg" } }, kg(fp.attendees_kg)),
      h("dt", {}, bi(...pair("event.total"))), h("dd", { dataset: { testid: "total-kg" } }, h("strong", {}, kg(fp.total_kg))),
      guests ? [h("dt", {}, bi(...pair("event.guests_neutralised"))),
        h("dd", { dataset: { testid: "guests-kg" } }, `${kg(guests.kg)} · ${num(guests.certificates)} ${both("event.certificates_unit")}`)] : null),
    h("p", { class: "small muted" }, `${fp.factor_set || ""} · ${when(fp.created_at)}`));
}

function quoteView(n, { onSandboxPay }) {
  const o = n.order || {};
  const cert = n.certificate;
  const box = h("div", { class: "card quote", dataset: { testid: "topup", status: o.status || "" } },
    h("h3", {}, bi(...pair("event.topup_title"))),
    h("dl", { class: "kv" },
      h("dt", {}, bi(...pair("event.quote_total"))), h("dd", { dataset: { testid: "quote-total" } }, kg(n.total_kg)),
      h("dt", {}, bi(...pair("event.credited"))),
      h("dd", { dataset: { testid: "quote-credited" } },
        `${kg(n.credited_guests_kg)}（${zh("event.credited_count", { n: num(n.guest_certificates) })} · ${en("event.credited_of", { kg: kg(n.guests_kg) })}）`),
      h("dt", {}, bi(...pair("event.topup_kg"))), h("dd", { dataset: { testid: "quote-topup" } }, h("strong", {}, kg(n.topup_kg))),
      h("dt", {}, bi(...pair("event.amount"))), h("dd", { dataset: { testid: "quote-amount" } }, h("strong", {}, yuan(n.amount_fen ?? o.amount_fen))),
      h("dt", {}, bi(...pair("event.order_status"))), h("dd", {}, statusChip(o.status, "topup-status"), " ", h("code", { class: "small" }, o.id || ""))));
  if (o.status === "pending" && o.qr_url) {
    box.append(h("div", { class: "pay" },
      h("img", { src: o.qr_url, alt: both("event.pay_qr_alt"), width: 220, height: 220, class: "qr", dataset: { testid: "pay-qr" } }),
      h("div", {},
        h("p", {}, bi(...pair("event.scan_to_pay"))),
        o.expires_at ? h("p", { class: "small muted" }, `${both("event.expires")} ${when(o.expires_at)}`) : null,
        h("p", { class: "small muted", dataset: { testid: "pay-waiting" } }, dotted("event.pay_waiting")),
        sandbox() && o.code_url ? h("button", { type: "button", class: "btn btn-pay", dataset: { testid: "pay-sandbox" },
          onclick: (e) => onSandboxPay(e.currentTarget, o.code_url) }, dotted("event.sandbox_pay")) : null)));
  }
  if (cert) {
    const fallback = h("p", { class: "fallback", hidden: true, dataset: { testid: "certificate-fallback" } },
      `${dotted("event.picture_unavailable")} `, h("a", { href: cert.verify_url }, cert.serial));
    const img = h("img", { src: cert.image_url, alt: `${zh("event.certificate")} ${cert.serial}`, class: "cert-image", dataset: { testid: "certificate-image" },
      onerror: () => { img.hidden = true; fallback.hidden = false; } });
    box.append(h("div", { class: "certificate", dataset: { testid: "event-certificate" } },
      h("h4", {}, bi(...pair("event.certificate"))),
      h("p", {}, h("strong", { dataset: { testid: "certificate-serial" } }, cert.serial), " ", statusChip(cert.status || "valid", "certificate-status"),
        " ", cert.kg !== undefined ? kg(cert.kg) : null),
      img, fallback,
      h("p", {}, h("a", { href: cert.verify_url, target: "_blank", rel: "noopener", dataset: { testid: "verify-link" } }, `${dotted("event.verify_page")} ↗`))));
  } else if (FINAL.has(o.status) && o.status !== "fulfilled") {
    box.append(h("p", { class: "muted" }, dotted("event.order_ended")));
  }
  return box;
}

/** The event tab of a scenario: ctx = {code, alive(), onCleanup(fn)}. */
export async function renderEvent(root, ctx) {
  const messages = slot("event-error");
  fill(root, h("p", { class: "muted" }, both("common.loading")));
  let state;
  try {
    state = await api("GET", `/scenarios/${encodeURIComponent(ctx.code)}/event`);
  } catch (error) {
    fill(root, messages);
    showError(messages, error);
    return;
  }
  if (!ctx.alive()) return;
  const sections = state.definition?.sections || [];
  const model = {};
  const form = h("form", { class: "calculator", novalidate: true, dataset: { testid: "event-form" } });
  const formMessages = slot("event-form-error");
  const resultBox = h("div", { dataset: { testid: "event-result" } });
  const topupBox = h("div", { dataset: { testid: "topup-box" } });
  let footprint = state.footprint;
  let projects = null;
  let timer = null;
  ctx.onCleanup(() => clearTimeout(timer));

  fill(form, sections.map((s) => section(s, model)), formMessages,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "btn btn-primary", dataset: { testid: "event-compute" } },
      dotted("event.compute"))));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    showFieldErrors(form, {});
    showError(formMessages, null);
    button.disabled = true;
    try {
      footprint = await api("POST", `/scenarios/${encodeURIComponent(ctx.code)}/event/footprint`, { body: footprintBody(sections, model) });
      drawResult();
      resultBox.scrollIntoView({ block: "start" });
    } catch (error) {
      if (error instanceof ApiError && error.fields) error.unplaced = showFieldErrors(form, error.fields);
      showError(formMessages, error);
    } finally {
      button.disabled = false;
    }
  });

  async function loadProjects() {
    if (projects) return projects;
    try {
      projects = listOf(await api("GET", "/api/v1/projects", { query: { scenario: ctx.code } }));
    } catch {
      projects = listOf(await api("GET", "/api/v1/projects"));
    }
    return projects;
  }

  async function drawResult() {
    if (!footprint) {
      fill(resultBox);
      return;
    }
    const quoteMessages = slot("topup-error");
    const pick = h("select", { dataset: { testid: "topup-project" } });
    const quoteButton = h("button", { type: "button", class: "btn btn-primary", dataset: { testid: "topup-quote" } }, dotted("event.quote"));
    fill(resultBox, footprintResult(footprint, state.guests),
      h("div", { class: "card" },
        h("h3", {}, bi(...pair("event.choose_project"))),
        h("div", { class: "row" }, h("label", { class: "sr-only", for: (pick.id = uid("proj")) }, both("event.project")), pick, quoteButton),
        quoteMessages));
    quoteButton.addEventListener("click", async () => {
      showError(quoteMessages, null);
      quoteButton.disabled = true;
      try {
        const n = await api("POST", `/scenarios/${encodeURIComponent(ctx.code)}/event/topups`,
          { body: { footprint_id: footprint.id, project: pick.value } });
        showTopup(n);
        topupBox.scrollIntoView({ block: "start" });
      } catch (error) {
        showError(quoteMessages, error);
      } finally {
        quoteButton.disabled = false;
      }
    });
    try {
      const list = await loadProjects();
      fill(pick, list.map((p) => h("option", { value: p.code }, `${p.name} · ${yuan(p.price_fen_per_tonne)}/t · ${zh("event.available")} ${num(p.available_kg)} kg`)));
    } catch (error) {
      showError(quoteMessages, error);
    }
  }

  function showTopup(n) {
    clearTimeout(timer);
    fill(topupBox, quoteView(n, { onSandboxPay }));
    const o = n.order || {};
    if (o.status && !FINAL.has(o.status) && ctx.alive()) timer = setTimeout(() => poll(o.id), POLL_MS);
  }

  async function poll(orderId) {
    if (!ctx.alive()) return;
    try {
      const n = await api("GET", `/scenarios/${encodeURIComponent(ctx.code)}/event/topups/${encodeURIComponent(orderId)}`);
      if (ctx.alive()) showTopup(n);
    } catch (error) {
      if (!ctx.alive()) return;
      showError(messages, error);
      timer = setTimeout(() => poll(orderId), POLL_MS * 3);
    }
  }

  async function onSandboxPay(button, codeUrl) {
    button.disabled = true;
    showError(messages, null);
    try {
      await api("POST", "/sandbox/wechatpay/confirm", { body: { code_url: codeUrl }, csrf: false });
      const id = topupBox.querySelector('[data-testid="topup"] code')?.textContent;
      if (id) {
        clearTimeout(timer);
        poll(id);
      }
    } catch (error) {
      showError(messages, error);
      button.disabled = false;
    }
  }

  // A top-up already under way (or done) comes first; a new one appears below the footprint it prices.
  const parts = state.neutralisation ? [messages, topupBox, form, resultBox] : [messages, form, resultBox, topupBox];
  fill(root,
    h("p", { class: "lead" }, withEn("event.intro")),

    parts);
  drawResult();
  if (state.neutralisation) showTopup(state.neutralisation);
}
