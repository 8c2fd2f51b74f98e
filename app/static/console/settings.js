// A scenario's settings tab: its title, venue, grid region, times and description, in the guests' languages.
import { api } from "./api.js";
import {
  GRIDS, both, field, fill, fromLocalInput, h, inline, input, scenarioFields, select, showOk, slot, submitting, textsFields, toLocalInput,
} from "./ui.js";

export function renderSettings(root, ctx) {
  const s = ctx.scenario();
  const messages = slot("settings-message");
  const text = (name, attrs = {}) => input(name, { value: s[name] ?? "", ...attrs });
  const f = {
    title: text("title"), title_en: text("title_en"), venue: text("venue"), venue_en: text("venue_en"), city: text("city"),
    city_en: text("city_en"),
    grid: select("grid", GRIDS.map(([v, z, e]) => [v, `${z} ${e}`])),
    description: h("textarea", { name: "description", rows: 3, dataset: { testid: "input-description" } }, s.description ?? ""),
    description_en: h("textarea", { name: "description_en", rows: 3, lang: "en", dataset: { testid: "input-description_en" } }, s.description_en ?? ""),
    starts_at: input("starts_at", { type: "datetime-local", value: toLocalInput(s.starts_at) }),
    ends_at: input("ends_at", { type: "datetime-local", value: toLocalInput(s.ends_at) }),
    open_until: input("open_until", { type: "datetime-local", value: toLocalInput(s.open_until) }),
  };
  f.grid.value = s.grid || "";
  const texts = textsFields(s);
  const form = h("form", { class: "card", novalidate: true, dataset: { testid: "settings-form" } },
    h("div", { class: "grid2" },
      scenarioFields(f),
      field({ key: "fields.city_en", name: "city_en", input: f.city_en })),
    field({ key: "fields.description", name: "description", input: f.description, wide: true }),
    field({ key: "fields.description_en", name: "description_en", input: f.description_en, wide: true }),
    texts.box,
    messages,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "btn btn-primary", dataset: { testid: "save-settings" } }, inline("settings.save"))));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    submitting(form, messages, async () => {
      const body = { title: f.title.value.trim() };
      for (const key of ["title_en", "venue", "venue_en", "city", "city_en", "description", "description_en"]) body[key] = f[key].value.trim() || null;
      body.texts = texts.value();
      body.grid = f.grid.value || null;
      for (const key of ["starts_at", "ends_at", "open_until"]) body[key] = fromLocalInput(f[key].value);
      const updated = await api("PATCH", `/scenarios/${encodeURIComponent(ctx.code)}`, { body });
      ctx.updated(updated);
      showOk(messages, both("settings.saved"));

    });
  });
  fill(root, form);
}

