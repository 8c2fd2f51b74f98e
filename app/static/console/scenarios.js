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
  GRIDS, KINDS, bi, errorBox, field, fill, fromLocalInput, h, input, kg, kindLabel, num, scenarioFields, select,
  showError, showOk, slot, statusChip, submitting, textsFields, when,
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
  h("span", { class: "card-foot" }, h("code", {}, s.code), ` · ${doors.length} 个入口 doors`,
    s.stats ? ` · ${num(s.stats.participants)} 人 · ${kg(s.stats.neutralized_kg)}` : null)));
}

export async function renderScenarios(main, ctx) {
  fill(main, h("p", { class: "muted" }, "加载中… Loading…"));
  const role = me().role;
  const list = await loadScenarios(true);
  if (!ctx.alive()) return;
  const intro = role === "venue_staff"
    ? h("p", { class: "lead" }, "这些是分配给您的场景：可查看入口并下载二维码海报。", h("span", { class: "en", lang: "en" }, "Scenarios assigned to you: their doors and QR posters."))
    : h("p", { class: "lead" }, role === "admin" ? "平台上的全部场景。" : `${me().organization || ""} 的场景。`,
      h("span", { class: "en", lang: "en" }, role === "admin" ? "Every scenario on the platform." : "Your organisation's scenarios."));
  fill(main,
    h("div", { class: "page-head" }, h("h1", {}, bi(role === "venue_staff" ? "我的场景" : "场景", role === "venue_staff" ? "My scenarios" : "Scenarios")),
      can.manageScenarios(role) ? h("a", { class: "btn btn-primary", href: "#/scenarios", dataset: { testid: "new-scenario" },
        onclick: (e) => { e.preventDefault(); const d = document.querySelector("#create-scenario"); d.open = true; d.scrollIntoView({ block: "start" }); d.querySelector("input")?.focus(); } },
      "＋ 新建场景 ", h("span", { lang: "en" }, "New scenario")) : null),
    intro,
    list.length ? h("ul", { class: "cards", dataset: { testid: "scenario-list" } }, list.map(scenarioCard))
      : h("p", { class: "empty", dataset: { testid: "scenario-empty" } }, role === "venue_staff"
        ? bi("还没有分配给您的场景，请联系主办方。", "No scenario is assigned to you yet; ask the organiser.") : bi("还没有场景。", "No scenarios yet.")),
    can.manageScenarios(role) ? createScenarioForm() : null);
}

// -- the create form --------------------------------------------------------------------------------------------
function doorRows(rows, box) {
  const draw = () => fill(box, rows.map((row, i) => h("div", { class: "door-row", dataset: { testid: "door-row" } },
    field({ label: `入口 ${i + 1} 标签`, en: "Tag", name: `doors.${i}.tag`,
      input: input(`doors.${i}.tag`, { value: row.tag, pattern: "[A-Za-z0-9_-]{1,24}", placeholder: "door1", oninput: (e) => { row.tag = e.target.value; } }) }),
    field({ label: "名称", en: "Label", name: `doors.${i}.label`,
      input: input(`doors.${i}.label`, { value: row.label, placeholder: "东门 East gate", oninput: (e) => { row.label = e.target.value; } }) }),
    h("button", { type: "button", class: "btn btn-link remove-item", dataset: { testid: "remove-door-row" },
      onclick: () => { rows.splice(i, 1); draw(); } }, "删除 Remove"))));
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
    kind: select("kind", KINDS.map(([v, zh, en]) => [v, `${zh} ${en}`])),
    title: input("title"),
    title_en: input("title_en"),
    venue: input("venue"),
    city: input("city"),
    city_en: input("city_en"),
    grid: select("grid", GRIDS.map(([v, zh, en]) => [v, `${zh} ${en}`])),
    starts_at: input("starts_at", { type: "datetime-local" }),
    ends_at: input("ends_at", { type: "datetime-local" }),
    open_until: input("open_until", { type: "datetime-local" }),
    status: select("status", [["draft", "草稿（暂不开放）Draft"], ["active", "立即开放 Open now"]]),
    organizer: me().role === "admin" ? input("organizer", { placeholder: "主办单位名称 Organisation name" }) : null,
  };
  const texts = textsFields();
  const form = h("form", { novalidate: true, dataset: { testid: "create-scenario-form" } },
    h("div", { class: "grid2" },
      field({ label: "场景代码", en: "Code", name: "code", input: f.code, required: true, hint: "印在二维码里：字母、数字、- 或 _ · Goes into the QR codes" }),
      field({ label: "类型", en: "Kind", name: "kind", input: f.kind, required: true }),
      scenarioFields(f),
      field({ label: "城市（英文）", en: "City (English)", name: "city_en", input: f.city_en }),
      f.organizer ? field({ label: "主办单位", en: "Organiser (admin)", name: "organizer", input: f.organizer }) : null),
    texts.box,
    h("fieldset", { class: "section" }, h("legend", { class: "section-title" }, bi("入口（每个入口一张二维码海报）", "Doors (one QR poster each)")),
      doorBox,
      h("button", { type: "button", class: "btn btn-small", dataset: { testid: "add-door-row" }, onclick: () => { doors.push({ tag: "", label: "" }); redraw(); } }, "＋ 添加入口 Add a door")),
    messages,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "btn btn-primary", dataset: { testid: "create-scenario" } }, "创建场景 ", h("span", { lang: "en" }, "Create"))));
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
    h("summary", {}, bi("新建场景", "New scenario")), form);
}

// -- one scenario and its tabs ----------------------------------------------------------------------------------
const SCENARIO_TABS = [
  ["dashboard", ["实时数据", "Dashboard"], can.manageScenarios],
  ["doors", ["入口与海报", "Doors & posters"], can.scenarios],
  ["settings", ["场景设置", "Settings"], can.manageScenarios],
  ["staff", ["场馆人员", "Venue staff"], can.manageScenarios],
  ["event", ["活动碳中和", "Event neutralisation"], can.manageScenarios],
];

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
    fill(main, errorBox(new ApiError(404, "scenario_not_found", "没有这个场景，或您无权管理。 No such scenario, or not one you manage.")),
      h("a", { href: "#/scenarios" }, "← 返回场景列表 Back to scenarios"));
    return;
  }
  const headMessages = slot("scenario-error");
  const body = h("section", { class: "tab-body", dataset: { testid: `panel-${tab}` } });
  const header = h("div", { class: "scenario-head" });
  const drawHeader = () => fill(header,
    h("a", { class: "back", href: "#/scenarios" }, "← 场景 Scenarios"),
    h("div", { class: "page-head" },
      h("div", {}, h("h1", { dataset: { testid: "scenario-title" } }, scenario.title),
        h("p", { class: "muted" }, h("code", {}, scenario.code), " · ", kindLabel(scenario.kind), " · ", statusChip(scenario.status, "scenario-status"),
          scenario.organizer ? ` · ${scenario.organizer}` : "")),
      can.manageScenarios(role) ? h("div", { class: "head-actions" },
        scenario.status !== "active" ? h("button", { type: "button", class: "btn btn-primary", dataset: { testid: "open-scenario" }, onclick: (e) => setStatus(e.currentTarget, "active") }, "开放 ", h("span", { lang: "en" }, "Open")) : null,
        scenario.status === "active" ? h("button", { type: "button", class: "btn", dataset: { testid: "close-scenario" }, onclick: (e) => setStatus(e.currentTarget, "closed") }, "关闭 ", h("span", { lang: "en" }, "Close")) : null) : null),
    headMessages,
    h("nav", { class: "subtabs", "aria-label": "场景 Scenario" }, tabs.map(([key, [zh, en]]) => h("a", {
      href: `#/scenarios/${encodeURIComponent(code)}/${key}`, class: ["subtab", key === tab ? "current" : null],
      "aria-current": key === tab ? "page" : null, dataset: { testid: `subtab-${key}` },
    }, zh, h("span", { class: "en", lang: "en" }, en)))));

  async function setStatus(button, status) {
    if (status === "closed" && !confirm("关闭后嘉宾扫码将无法参与。确定关闭？\nGuests can no longer take part once closed. Close it?")) return;
    button.disabled = true;
    showError(headMessages, null);
    try {
      scenario = await api("PATCH", `/scenarios/${encodeURIComponent(code)}`, { body: { status } });
      forgetScenarios();
      drawHeader();
      showOk(headMessages, status === "active" ? "场景已开放，嘉宾现在可以扫码参与。 The scenario is open." : "场景已关闭。 The scenario is closed.");
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

