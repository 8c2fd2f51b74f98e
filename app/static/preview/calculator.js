// The calculator form, generated from `scenario.calculator.sections` (nothing here knows the sections
// of a particular scenario). Field types: select, number, integer, boolean, place. Repeatable sections
// (travel legs) get add/remove up to max_items. Values live in a plain model, so the form can be drawn
// again (another language) without losing what the guest typed.
import { api } from "./api.js";
import { prefersEnglish, t } from "./i18n.js";
import { fill, h, uid, unitLabel } from "./ui.js";

/** The selected travel mode's option decides which fields apply (metro and bus have no places, etc.). */
function relevant(field, option) {
  if (option === undefined) return true; // a section without travel modes: every field applies
  if (!option) return field.name !== "passengers"; // no mode chosen yet: people in the vehicle wait for one
  if (field.type === "place" && option.places === false) return false;
  if (field.name === "passengers" && !option.per_vehicle) return false;
  return true;
}

function selectedOption(section, item) {
  const selectField = section.fields.find((f) => f.type === "select" && f.options?.some((o) => "places" in o || "per_vehicle" in o));
  if (!selectField) return undefined;
  return selectField.options.find((o) => o.value === item[selectField.name]) || null;
}

function initialValue(field) {
  if (field.type === "boolean") return field.default === true;
  if (field.type === "place") return { id: null, text: "", place: null };
  if (field.default === undefined || field.default === null) return "";
  return String(field.default);
}

function isDefault(field, value) {
  if (field.type === "boolean") return value === (field.default === true);
  if (field.type === "place") return !value.id && !value.text.trim();
  const s = String(value ?? "").trim();
  if (s === "") return true;
  if (field.default === undefined || field.default === null) return false;
  if (field.type === "select") return s === String(field.default);
  return Number(s) === Number(field.default);
}

function placeText(place) {
  if (!place) return "";
  const name = prefersEnglish() ? place.name_en || place.name : place.name;
  return place.iata ? `${name} (${place.iata})` : name;
}

export class Calculator {
  constructor({ onSubmit }) {
    this.onSubmit = onSubmit;
    this.sections = [];
    this.model = {};
    this.el = h("form", { class: "calculator", novalidate: true, dataset: { testid: "calculator" } });
    this.el.addEventListener("submit", (event) => {
      event.preventDefault();
      this.onSubmit();
    });
  }

  /** Draw the form for these sections, keeping values already typed for the same keys. */
  render(sections, extra = []) {
    this.sections = sections;
    for (const section of sections) {
      if (section.repeatable) {
        if (!Array.isArray(this.model[section.key])) this.model[section.key] = [this.newItem(section)];
      } else if (!this.model[section.key] || Array.isArray(this.model[section.key])) {
        this.model[section.key] = Object.fromEntries(section.fields.map((f) => [f.name, initialValue(f)]));
      } else {
        for (const f of section.fields) if (!(f.name in this.model[section.key])) this.model[section.key][f.name] = initialValue(f);
      }
    }
    this.formError = h("div", { class: "form-error", role: "alert", hidden: true, dataset: { testid: "calc-error" } });
    fill(this.el, sections.map((s) => this.renderSection(s)), this.formError, extra);
  }

  newItem(section) {
    return Object.fromEntries(section.fields.map((f) => [f.name, initialValue(f)]));
  }

  renderSection(section) {
    const box = h("fieldset", { class: "section", dataset: { path: section.key, testid: `section-${section.key}` } });
    const legend = h("legend", { class: "section-title" }, section.label);
    box.append(legend);
    if (section.hint) box.append(h("p", { class: "section-hint" }, section.hint));
    if (section.rules?.length) box.append(h("ul", { class: "section-rules" }, section.rules.map((r) => h("li", {}, r))));
    box.append(h("p", { class: "block-error", role: "alert", hidden: true }));
    if (section.repeatable) {
      const list = h("ol", { class: "items" });
      const add = h("button", {
        type: "button", class: "btn btn-ghost add-item", dataset: { testid: `add-${section.key}` },
      });
      const limit = section.max_items || Infinity;
      const redraw = (focusIndex) => {
        const items = this.model[section.key];
        fill(list, items.map((item, index) => this.renderItem(section, item, index, redraw)));
        fill(add, "+ ", section.key === "travel" ? t("add_item") : t("add_item_generic"));
        add.disabled = items.length >= limit;
        if (focusIndex !== undefined) list.children[focusIndex]?.querySelector("select, input")?.focus();
      };
      add.addEventListener("click", () => {
        const items = this.model[section.key];
        if (items.length >= limit) return;
        items.push(this.newItem(section));
        redraw(items.length - 1);
      });
      redraw();
      box.append(list, h("div", { class: "add-row" }, add,
        Number.isFinite(limit) ? h("span", { class: "muted small" }, t("max_items", { n: limit })) : null));
    } else {
      const values = this.model[section.key];
      box.append(h("div", { class: "fields" }, section.fields.map((f) => this.renderField(f, values, `${section.key}.${f.name}`))));
    }
    return box;
  }

  renderItem(section, item, index, redraw) {
    const path = `${section.key}.${index}`;
    const li = h("li", { class: "item", dataset: { path, testid: `${section.key}-item` } });
    const title = section.key === "travel" ? t("item_n", { n: index + 1 }) : `#${index + 1}`;
    const remove = h("button", {
      type: "button", class: "btn btn-link remove-item", dataset: { testid: "remove-item" },
      "aria-label": `${t("remove_item")} ${title}`,
      onclick: () => {
        this.model[section.key].splice(index, 1);
        redraw(Math.max(0, Math.min(index, this.model[section.key].length - 1)));
      },
    }, t("remove_item"));
    const fields = section.fields.map((f) => this.renderField(f, item, `${path}.${f.name}`, () => this.applyRelevance(section, item, li)));
    li.append(
      h("div", { class: "item-head" }, h("span", { class: "item-title" }, title), remove),
      h("p", { class: "block-error", role: "alert", hidden: true }),
      h("div", { class: "fields" }, fields),
    );
    this.applyRelevance(section, item, li);
    return li;
  }

  applyRelevance(section, item, li) {
    const option = selectedOption(section, item);
    for (const field of section.fields) {
      const wrap = li.querySelector(`:scope > .fields > [data-name="${field.name}"]`);
      if (wrap) wrap.hidden = !relevant(field, option);
    }
    for (const combo of li.querySelectorAll("input[role=combobox]")) combo.dataset.placeKind = option?.place_kind || "any";
  }

  renderField(field, values, path, onChange) {
    const id = uid("f");
    const errorId = `${id}-error`;
    const wrap = h("div", {
      class: ["field", `field-${field.type}`], dataset: { path, name: field.name, testid: `field-${path}` },
    });
    const error = h("p", { class: "field-error", id: errorId, hidden: true, dataset: { testid: `error-${path}` } });
    const unit = field.unit ? unitLabel(field.unit) : "";
    const common = { id, name: path, "aria-describedby": errorId, dataset: { testid: `input-${path}` } };
    const changed = () => {
      this.clearFieldError(wrap);
      if (onChange) onChange();
    };

    if (field.type === "boolean") {
      const input = h("input", { ...common, type: "checkbox", checked: values[field.name] === true, class: "switch" });
      input.addEventListener("change", () => { values[field.name] = input.checked; changed(); });
      wrap.append(h("label", { class: "check", for: id }, input, h("span", {}, field.label)), error);
      return wrap;
    }

    const label = h("label", { for: id, class: "field-label" }, field.label,
      field.required ? h("span", { class: "req", "aria-hidden": "true" }, " *") : null);
    let control;
    if (field.type === "select") {
      const hasDefault = field.default !== undefined && field.default !== null;
      const select = h("select", { ...common, required: field.required || undefined },
        field.required && hasDefault ? null : h("option", { value: "" }, field.required ? t("choose") : "—"),
        (field.options || []).map((o) => h("option", { value: o.value }, o.label)));
      select.value = values[field.name] ?? "";
      select.addEventListener("change", () => { values[field.name] = select.value; changed(); });
      control = select;
    } else if (field.type === "number" || field.type === "integer") {
      const input = h("input", {
        ...common, type: "number", inputmode: field.type === "integer" ? "numeric" : "decimal",
        step: field.type === "integer" ? "1" : "any", min: field.min, max: field.max,
        required: field.required || undefined, value: values[field.name] ?? "",
      });
      input.addEventListener("input", () => { values[field.name] = input.value; changed(); });
      control = h("div", { class: "with-unit" }, input, unit ? h("span", { class: "unit", "aria-hidden": "true" }, unit) : null);
      if (unit) input.setAttribute("aria-label", `${field.label} (${unit})`);
    } else if (field.type === "place") {
      control = placeCombo({ common, value: values[field.name], onChange: changed });
    } else {
      const input = h("input", { ...common, type: "text", value: values[field.name] ?? "" });
      input.addEventListener("input", () => { values[field.name] = input.value; changed(); });
      control = input;
    }
    wrap.append(label, control, error);
    return wrap;
  }

  // -- the request body ------------------------------------------------------------------------------
  /** {body, problems}: the footprint request for these values; problems are inputs the browser could not read. */
  payload(scenarioCode, scanId) {
    const body = { scenario: scenarioCode };
    if (scanId) body.scan_id = scanId;
    const problems = {};
    for (const section of this.sections) {
      if (section.repeatable) {
        const items = [];
        this.model[section.key].forEach((item) => {
          const option = selectedOption(section, item);
          if (section.fields.every((f) => isDefault(f, item[f.name]))) return; // an untouched, empty leg
          items.push(this.sectionValues(section, item, `${section.key}.${items.length}`, option, problems));
        });
        if (items.length) body[section.key] = items;
      } else {
        const values = this.model[section.key];
        if (section.fields.every((f) => isDefault(f, values[f.name]))) continue; // left as it came
        body[section.key] = this.sectionValues(section, values, section.key, selectedOption(section, values), problems);
      }
    }
    return { body, problems };
  }

  sectionValues(section, values, path, option, problems) {
    const out = {};
    for (const field of section.fields) {
      if (!relevant(field, option)) continue;
      const value = values[field.name];
      const fieldPath = `${path}.${field.name}`;
      if (field.type === "boolean") {
        out[field.name] = value === true;
      } else if (field.type === "place") {
        if (value.id) out[field.name] = value.id;
        else if (/^[A-Za-z]{3}$/.test(value.text.trim())) out[field.name] = value.text.trim().toUpperCase();
        else if (value.text.trim()) out[field.name] = value.text.trim();
      } else if (field.type === "number" || field.type === "integer") {
        const input = this.el.querySelector(`[data-path="${CSS.escape(fieldPath)}"] input`);
        if (input?.validity.badInput) {
          problems[fieldPath] = [t("enter_number")];
          continue;
        }
        const s = String(value ?? "").trim();
        if (s !== "") out[field.name] = Number(s);
      } else {
        const s = String(value ?? "").trim();
        if (s !== "") out[field.name] = s;
      }
    }
    return out;
  }

  // -- errors ----------------------------------------------------------------------------------------
  /** Show a 422's fields next to their inputs; returns the ones no input matched, as text lines. */
  showErrors(fields, message) {
    this.clearErrors();
    const unmatched = [];
    let first = null;
    for (const [path, messages] of Object.entries(fields || {})) {
      const text = Array.isArray(messages) ? messages.join(" ") : String(messages);
      const target = this.el.querySelector(`[data-path="${CSS.escape(path)}"]`);
      if (target?.classList.contains("field") && !target.hidden) {
        const error = target.querySelector(".field-error");
        error.textContent = text;
        error.hidden = false;
        target.classList.add("invalid");
        target.querySelector("input, select")?.setAttribute("aria-invalid", "true");
        first ??= target;
        continue;
      }
      // A leg or a section as a whole (travel.0, stay), or a field of one: the nearest block says it.
      let block = target;
      let prefix = path;
      while (!block && prefix.includes(".")) {
        prefix = prefix.slice(0, prefix.lastIndexOf("."));
        block = this.el.querySelector(`[data-path="${CSS.escape(prefix)}"]`);
      }
      const blockError = block?.querySelector(":scope > .block-error");
      if (blockError) {
        const rest = path === prefix ? "" : `${path.slice(prefix.length + 1)}: `;
        blockError.textContent = [blockError.textContent, `${rest}${text}`].filter(Boolean).join(" ");
        blockError.hidden = false;
        block.classList.add("invalid");
        first ??= block;
      } else {
        unmatched.push(path === "_schema" ? text : `${path}: ${text}`);
      }
    }
    fill(this.formError, h("strong", {}, message || t("fix_fields")),
      unmatched.length ? h("ul", {}, unmatched.map((line) => h("li", {}, line))) : null);
    this.formError.hidden = false;
    const reduce = matchMedia("(prefers-reduced-motion: reduce)").matches;
    (first || this.formError).scrollIntoView({ block: "center", behavior: reduce ? "auto" : "smooth" });
    return unmatched;
  }

  showMessage(message) {
    this.clearErrors();
    fill(this.formError, h("strong", {}, message));
    this.formError.hidden = false;
  }

  clearFieldError(wrap) {
    wrap.classList.remove("invalid");
    const error = wrap.querySelector(".field-error");
    if (error) { error.hidden = true; error.textContent = ""; }
    wrap.querySelector("[aria-invalid]")?.removeAttribute("aria-invalid");
  }

  clearErrors() {
    for (const wrap of this.el.querySelectorAll(".invalid")) {
      this.clearFieldError(wrap);
      const block = wrap.querySelector(":scope > .block-error");
      if (block) { block.hidden = true; block.textContent = ""; }
    }
    if (this.formError) { this.formError.hidden = true; this.formError.replaceChildren(); }
  }
}

// -- place autocomplete (GET /api/v1/places?q=) ----------------------------------------------------------
function placeCombo({ common, value, onChange }) {
  const listId = `${common.id}-list`;
  if (value.place) value.text = placeText(value.place);
  const input = h("input", {
    ...common, type: "text", role: "combobox", "aria-autocomplete": "list", "aria-expanded": "false",
    "aria-controls": listId, autocomplete: "off", autocapitalize: "off", spellcheck: "false",
    placeholder: t("place_placeholder"), value: value.text, enterkeyhint: "search",
  });
  const list = h("ul", { class: "combo-list", role: "listbox", id: listId, hidden: true, dataset: { testid: "place-options" } });
  const wrap = h("div", { class: ["combo", value.id ? "chosen" : null] }, input, list);
  let results = [];
  let active = -1;
  let seq = 0;
  let timer = null;

  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  };
  const open = () => {
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  };
  const choose = (place) => {
    value.id = place.id;
    value.place = place;
    value.text = placeText(place);
    input.value = value.text;
    wrap.classList.add("chosen");
    close();
    onChange();
  };
  const highlight = (index) => {
    active = index;
    [...list.children].forEach((li, i) => li.setAttribute("aria-selected", String(i === index)));
    const li = list.children[index];
    if (li?.id) {
      input.setAttribute("aria-activedescendant", li.id);
      li.scrollIntoView({ block: "nearest" });
    }
  };
  const message = (text) => {
    if (!focused()) return;
    fill(list, h("li", { class: "combo-note", role: "presentation" }, text));
    results = [];
    open();
  };
  const focused = () => document.activeElement === input;
  const draw = () => {
    if (!focused()) return; // the guest moved on before the answer came
    if (!results.length) return message(t("place_none"));
    fill(list, results.map((place, i) => h("li", {
      id: `${listId}-${i}`, role: "option", "aria-selected": "false", class: "combo-option",
      dataset: { testid: "place-option", placeId: place.id },
      onmousedown: (event) => { event.preventDefault(); choose(place); },
    },
    h("span", { class: "combo-name" }, prefersEnglish() ? place.name_en || place.name : place.name),
    place.iata ? h("span", { class: "iata" }, place.iata) : null,
    h("span", { class: "combo-meta" }, [t(`place_kind.${place.kind}`), place.country].filter(Boolean).join(" · ")))));
    open();
    highlight(0);
  };
  const search = async () => {
    const q = input.value.trim();
    if (!q) { close(); return; }
    const mine = ++seq;
    message(t("place_searching"));
    try {
      const data = await api("GET", "/api/v1/places", { query: { q: q.slice(0, 64), limit: 10 } });
      if (mine !== seq) return;
      results = data.data;
      if (input.dataset.placeKind === "airport") {
        // Flights are between airports: show those first (a city still works, from its centre).
        results = [...results.filter((p) => p.kind === "airport"), ...results.filter((p) => p.kind !== "airport")];
      }
      draw();
    } catch (error) {
      if (mine === seq) message(error.message);
    }
  };

  input.addEventListener("input", () => {
    value.text = input.value;
    value.id = null;
    value.place = null;
    wrap.classList.remove("chosen");
    onChange();
    clearTimeout(timer);
    timer = setTimeout(search, 180);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (list.hidden) { if (input.value.trim()) search(); return; }
      if (!results.length) return;
      const step = event.key === "ArrowDown" ? 1 : -1;
      highlight((active + step + results.length) % results.length);
    } else if (event.key === "Enter" && !list.hidden) {
      event.preventDefault();
      if (results[active]) choose(results[active]);
    } else if (event.key === "Escape" && !list.hidden) {
      event.preventDefault();
      close();
    }
  });
  input.addEventListener("blur", () => {
    clearTimeout(timer);
    seq += 1; // an answer still on its way is for nobody now
    setTimeout(close, 120);
  });
  return wrap;
}
