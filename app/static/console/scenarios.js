// Scenarios: the list (cards), the create form, and one scenario with its tabs (#/scenarios/CODE/TAB),
// each tab drawn by its own module.
import { ApiError, api } from "./api.js";
import { renderAssignments } from "./assignments.js";
import { renderDashboard } from "./dashboard.js";
import { renderDoors } from "./doors.js";
import { renderEvent } from "./event.js";
import { can, forgetScenarios, loadScenarios, me } from "./session.js";
import { renderSettings } from "./settings.js";
import {
  GRIDS, KINDS, bi, both, dotted, en, errorBox, field, fill, fromLocalInput, h, inline, input, kg, kindLabel, num, pair, scenarioFields,
  select, showError, showOk, slot, statusChip, submitting, textsFields, when, withEn, zh,
} from "./ui.js";

// -- the list ---------------------------------------------------------------------------------------------------
function scenarioCard(s) {
  const doors = s.doors || [];
  return h("li", {}, h("a", {
    class: `scenario-card kind-${s.kind}`, href: `#/scenarios/${encodeURIComponent(s.code)}`,
    dataset: { testid: `scenario-${s.code}`, status: s.status },
  },
  h("span", { class: "card-band" }, h("span", {}, kindLabel(s.kind)), statusChip(s.status)),
  h("strong", { class: "card-title" }, s.title),
  s.title_en ? h("span", { class: "card-sub", lang: "en" }, s.title_en) : null,
  h("span", { class: "card-meta" }, [s.venue, s.city].filter(Boolean).join(" · ")),
  s.starts_at ? h("span", { class: "card-meta" }, `${when(s.starts_at)} – ${when(s.ends_at)}`) : null,
  h("span", { class: "card-foot" }, h("code", {}, s.code), ` · ${doors.length} ${both("scenarios.doors_unit")}`,
    s.stats ? ` · ${num(s.stats.participants)} ${zh("scenarios.people_unit")} · ${kg(s.stats.neutralized_kg)}` : null)));
}

export async function renderScenarios(main, ctx) {
  fill(main, h("p", { class: "muted" }, both("common.loading")));
  const role = me().role;
  const list = await loadScenarios(true);
  if (!ctx.alive()) return;
  const intro = role === "venue_staff" ? h("p", { class: "lead" }, withEn("scenarios.intro_staff"))
    : role === "admin" ? h("p", { class: "lead" }, withEn("scenarios.intro_admin"))
      : h("p", { class: "lead" }, zh("scenarios.intro_org", { org: me().organization || "" }),
        h("span", { class: "en", lang: "en" }, en("scenarios.intro_own")));
  fill(main,
    h("div", { class: "page-head" }, h("h1", {}, bi(...pair(role === "venue_staff" ? "tabs.my_scenarios" : "tabs.scenarios"))),
      can.manageScenarios(role) ? h("a", { class: "btn btn-primary", href: "#/scenarios", dataset: { testid: "new-scenario" },
        onclick: (e) => { e.preventDefault(); const d = document.querySelector("#create-scenario"); d.open = true; d.scrollIntoView({ block: "start" }); d.querySelector("input")?.focus(); } },
      "＋ ", inline("scenarios.new")) : null),
    intro,
    list.length ? h("ul", { class: "cards", dataset: { testid: "scenario-list" } }, list.map(scenarioCard))
      : h("p", { class: "empty", dataset: { testid: "scenario-empty" } }, role === "venue_staff"
        ? bi(...pair("scenarios.empty_staff")) : bi(...pair("scenarios.empty"))),
    can.manageScenarios(role) ? createScenarioForm() : null);
}

// -- the create form --------------------------------------------------------------------------------------------
function doorRows(rows, box) {
  const draw = () => fill(box, rows.map((row, i) => h("div", { class: "door-row", dataset: { testid: "door-row" } },
    field({ label: zh("scenarios.door_n_tag", { n: i + 1 }), en: en("doors.tag"), name: `doors.${i}.tag`,
      input: input(`doors.${i}.tag`, { value: row.tag, pattern: "[A-Za-z0-9_-]{1,24}", placeholder: "door1", oninput: (e) => { row.tag = e.target.value; } }) }),
    field({ key: "doors.label", name: `doors.${i}.label`,
      input: input(`doors.${i}.label`, { value: row.label, placeholder: both("scenarios.door_label_example"), oninput: (e) => { row.label = e.target.value; } }) }),
    h("button", { type: "button", class: "btn btn-link remove-item", dataset: { testid: "remove-door-row" },
      onclick: () => { rows.splice(i, 1); draw(); } }, both("common.remove")))));
  draw();
  return draw;
}

function createScenarioForm() {
  const messages = slot("create-error");
  const doors = [{ tag: "", label: "" }];
  const doorBox = h("div", { class: "door-rows" });
  const redraw = doorRows(doors, doorBox);
  const f = {
    code: input("code", { placeholder: "EXPO2026", pattern: "[A-Za-z0-9_-]{1,24}", autocomplete: "off" }),
    kind: select("kind", KINDS.map(([v, z, e]) => [v, `${z} ${e}`])),
    title: input("title"),
    title_en: input("title_en"),
    venue: input("venue"),
    city: input("city"),
    city_en: input("city_en"),
    grid: select("grid", GRIDS.map(([v, z, e]) => [v, `${z} ${e}`])),
    starts_at: input("starts_at", { type: "datetime-local" }),
    ends_at: input("ends_at", { type: "datetime-local" }),
    open_until: input("open_until", { type: "datetime-local" }),
    status: select("status", [["draft", both("scenarios.status_draft", null, "")], ["active", both("scenarios.status_open_now")]]),
    organizer: me().role === "admin" ? input("organizer", { placeholder: both("scenarios.organizer_placeholder") }) : null,
  };
  const texts = textsFields();
  const form = h("form", { novalidate: true, dataset: { testid: "create-scenario-form" } },
    h("div", { class: "grid2" },
      field({ key: "scenarios.code", name: "code", input: f.code, required: true, hint: dotted("scenarios.code_hint") }),
      field({ key: "scenarios.kind", name: "kind", input: f.kind, required: true }),
      scenarioFields(f),
      field({ key: "fields.city_en", name: "city_en", input: f.city_en }),
      f.organizer ? field({ key: "scenarios.organizer", name: "organizer", input: f.organizer }) : null),
    texts.box,
    h("fieldset", { class: "section" }, h("legend", { class: "section-title" }, bi(...pair("scenarios.doors_legend"))),
      doorBox,
      h("button", { type: "button", class: "btn btn-small", dataset: { testid: "add-door-row" }, onclick: () => { doors.push({ tag: "", label: "" }); redraw(); } }, `＋ ${both("doors.add")}`)),
    messages,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "btn btn-primary", dataset: { testid: "create-scenario" } }, inline("scenarios.create"))));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    submitting(form, messages, async () => {
      const body = { code: f.code.value.trim(), kind: f.kind.value, title: f.title.value.trim(), status: f.status.value };
      for (const key of ["title_en", "venue", "city", "city_en"]) if (f[key].value.trim()) body[key] = f[key].value.trim();
      const languageTexts = texts.value();
      if (Object.keys(languageTexts).length) body.texts = languageTexts;
      if (f.grid.value) body.grid = f.grid.value;
      for (const key of ["starts_at", "ends_at", "open_until"]) if (f[key].value) body[key] = fromLocalInput(f[key].value);
      if (f.organizer?.value.trim()) body.organizer = f.organizer.value.trim();
      const given = doors.filter((d) => d.tag.trim() || d.label.trim());
      if (given.length) body.doors = given.map((d) => ({ tag: d.tag.trim(), label: d.label.trim() || null }));
      const created = await api("POST", "/scenarios", { body });
      forgetScenarios();
      location.hash = `#/scenarios/${encodeURIComponent(created.code)}/doors`;
    });
  });
  return h("details", { class: "card create", id: "create-scenario", dataset: { testid: "create-scenario-box" } },
    h("summary", {}, bi(...pair("scenarios.new"))), form);
}

// -- one scenario and its tabs ----------------------------------------------------------------------------------
const SCENARIO_TABS = [
  ["dashboard", can.manageScenarios],
  ["doors", can.scenarios],
  ["settings", can.manageScenarios],
  ["staff", can.manageScenarios],
  ["event", can.manageScenarios],
].map(([key, allowed]) => [key, pair(`subtabs.${key}`), allowed]);

export async function renderScenario(main, ctx, code, tab) {
  const role = me().role;
  const tabs = SCENARIO_TABS.filter(([, , allowed]) => allowed(role));
  if (!tab || !tabs.some(([key]) => key === tab)) {
    location.replace(`#/scenarios/${encodeURIComponent(code)}/${tabs[0][0]}`);
    return;
  }
  const list = await loadScenarios();
  if (!ctx.alive()) return;
  let scenario = list.find((s) => s.code === code);
  if (!scenario) {
    forgetScenarios();
    scenario = (await loadScenarios()).find((s) => s.code === code);
  }
  if (!scenario) {
    fill(main, errorBox(new ApiError(404, "scenario_not_found", both("scenario.not_found"))),
      h("a", { href: "#/scenarios" }, `← ${both("scenario.back_to_list")}`));
    return;
  }
  const headMessages = slot("scenario-error");
  const body = h("section", { class: "tab-body", dataset: { testid: `panel-${tab}` } });
  const header = h("div", { class: "scenario-head" });
  const drawHeader = () => fill(header,
    h("a", { class: "back", href: "#/scenarios" }, `← ${both("tabs.scenarios")}`),
    h("div", { class: "page-head" },
      h("div", {}, h("h1", { dataset: { testid: "scenario-title" } }, scenario.title),
        h("p", { class: "muted" }, h("code", {}, scenario.code), " · ", kindLabel(scenario.kind), " · ", statusChip(scenario.status, "scenario-status"),
          scenario.organizer ? ` · ${scenario.organizer}` : "")),
      can.manageScenarios(role) ? h("div", { class: "head-actions" },
        scenario.status !== "active" ? h("button", { type: "button", class: "btn btn-primary", dataset: { testid: "open-scenario" }, onclick: (e) => setStatus(e.currentTarget, "active") }, inline("scenario.open")) : null,
        scenario.status === "active" ? h("button", { type: "button", class: "btn", dataset: { testid: "close-scenario" }, onclick: (e) => setStatus(e.currentTarget, "closed") }, inline("scenario.close")) : null) : null),
    headMessages,
    h("nav", { class: "subtabs", "aria-label": both("scenario.nav_label") }, tabs.map(([key, [tzh, ten]]) => h("a", {
      href: `#/scenarios/${encodeURIComponent(code)}/${key}`, class: ["subtab", key === tab ? "current" : null],
      "aria-current": key === tab ? "page" : null, dataset: { testid: `subtab-${key}` },
    }, tzh, h("span", { class: "en", lang: "en" }, ten)))));

  async function setStatus(button, status) {
    if (status === "closed" && !confirm(both("scenario.close_confirm", null, "\n"))) return;
    button.disabled = true;
    showError(headMessages, null);
    try {
      scenario = await api("PATCH", `/scenarios/${encodeURIComponent(code)}`, { body: { status } });
      forgetScenarios();
      drawHeader();
      showOk(headMessages, both(status === "active" ? "scenario.opened" : "scenario.closed"));

    } catch (error) {
      showError(headMessages, error);
      button.disabled = false;
    }
  }
  drawHeader();
  fill(main, header, body);
  const sub = { ...ctx, code, scenario: () => scenario, updated: (s) => { scenario = s; forgetScenarios(); drawHeader(); } };
  if (tab === "dashboard") await renderDashboard(body, sub);
  else if (tab === "doors") await renderDoors(body, sub);
  else if (tab === "settings") renderSettings(body, sub);
  else if (tab === "staff") await renderAssignments(body, sub);
  else if (tab === "event") await renderEvent(body, sub);
}

