// The staff console: sign-in, then per role the views it may use, each a plain client of the staff API.
// Views are chosen by the URL's hash (#/scenarios/CODE/dashboard), so a reload or a shared link lands
// on the same view. Each view draws itself into #view and registers its timers for clean-up.
import { ApiError, api, listOf, setCsrf, setSignedOutHandler } from "./api.js";
import { lineChart } from "./chart.js";
import { renderEvent } from "./event.js";
import {
  GRIDS, KINDS, ROLES, bi, download, errorBox, fenFromYuan, field, fill, fromLocalInput, h, input, kg, kindLabel,
  num, select, showError, showOk, slot, statusChip, submitting, toLocalInput, when, yuan,
} from "./ui.js";

const DASHBOARD_POLL_MS = 10_000;
const PAPERS = [["a4", "A4"], ["a5", "A5"], ["tent", "桌牌 Table tent"]];
const $ = (selector) => document.querySelector(selector);

const state = { me: null, scenarios: null };
let view = null; // {alive, cleanups}

// -- roles ------------------------------------------------------------------------------------------------------
const can = {
  scenarios: (r) => ["admin", "organizer", "venue_staff"].includes(r),
  manageScenarios: (r) => ["admin", "organizer"].includes(r),
  projects: (r) => ["admin", "project_owner"].includes(r),
  accounts: (r) => r === "admin",
};

function tabsFor(role) {
  const tabs = [];
  if (can.scenarios(role)) tabs.push(["scenarios", role === "venue_staff" ? ["我的场景", "My scenarios"] : ["场景", "Scenarios"]]);
  if (can.projects(role)) tabs.push(["projects", ["项目销售", "Projects"]], ["money", ["结算与打款", "Balance & payouts"]]);
  if (can.accounts(role)) tabs.push(["accounts", ["账号", "Accounts"]]);
  return tabs;
}

function homeFor(role) {
  return can.scenarios(role) ? "#/scenarios" : "#/projects";
}

// -- view lifecycle --------------------------------------------------------------------------------------------
function startView() {
  if (view) {
    view.alive = false;
    for (const fn of view.cleanups) fn();
  }
  const current = { alive: true, cleanups: [] };
  view = current;
  return {
    alive: () => current.alive,
    onCleanup: (fn) => current.cleanups.push(fn),
  };
}

function parseHash() {
  const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  return parts;
}

async function route() {
  const ctx = startView();
  const main = $("#view");
  if (!state.me) {
    renderSignIn(main);
    return;
  }
  const role = state.me.role;
  const [section, code, tab] = parseHash();
  renderChrome(section);
  if (!section) {
    location.replace(homeFor(role));
    return;
  }
  try {
    if (section === "scenarios" && code) await renderScenario(main, ctx, code, tab);
    else if (section === "scenarios") await renderScenarios(main, ctx);
    else if (section === "projects" && code) await renderProjectSales(main, ctx, code);
    else if (section === "projects") await renderProjects(main, ctx);
    else if (section === "money") await renderMoney(main, ctx);
    else if (section === "accounts") renderAccounts(main, ctx);
    else fill(main, h("p", {}, bi("没有这个页面。", "No such page."), " ", h("a", { href: homeFor(role) }, "返回 Back")));
  } catch (error) {
    if (!ctx.alive()) return;
    const box = slot("view-error");
    fill(main, box);
    showError(box, error);
  }
  if (ctx.alive()) $("#main").focus({ preventScroll: true });
}

// -- chrome: who is signed in, tabs -----------------------------------------------------------------------------
function renderChrome(section) {
  const who = $("#whoami");
  const tabs = $("#tabs");
  if (!state.me) {
    who.hidden = true;
    tabs.hidden = true;
    return;
  }
  const [zh, en] = ROLES[state.me.role] || [state.me.role, ""];
  who.hidden = false;
  fill(who,
    h("span", { class: "who", dataset: { testid: "whoami-name" } }, state.me.name),
    h("span", { class: "role-chip", dataset: { testid: "whoami-role", role: state.me.role } }, zh, h("span", { class: "en", lang: "en" }, en)),
    state.me.organization ? h("span", { class: "org", dataset: { testid: "whoami-org" } }, state.me.organization) : null,
    h("button", { type: "button", class: "btn-signout", dataset: { testid: "sign-out" }, onclick: signOut }, "退出 ", h("span", { lang: "en" }, "Sign out")));
  tabs.hidden = false;
  fill(tabs, tabsFor(state.me.role).map(([key, [tzh, ten]]) => h("a", {
    href: `#/${key}`, class: ["tab", section === key ? "current" : null], "aria-current": section === key ? "page" : null,
    dataset: { testid: `tab-${key}` },
  }, tzh, h("span", { class: "en", lang: "en" }, ten))));
}

// -- sign-in ----------------------------------------------------------------------------------------------------
function renderSignIn(main, notice) {
  renderChrome();
  const messages = slot("signin-error");
  const email = input("email", { type: "email", autocomplete: "username", required: true });
  const password = input("password", { type: "password", autocomplete: "current-password", required: true });
  const form = h("form", { class: "card signin", novalidate: true, dataset: { testid: "signin-form" } },
    h("h1", {}, bi("工作人员登录", "Staff sign-in")),
    h("p", { class: "muted" }, "平台管理员、主办方、场馆工作人员和项目业主使用。", h("span", { class: "en", lang: "en" }, "For platform admins, organisers, venue staff and project owners.")),
    notice ? h("div", { class: "notice-box", role: "status" }, notice) : null,
    field({ label: "邮箱", en: "Email", name: "email", input: email, required: true }),
    field({ label: "密码", en: "Password", name: "password", input: password, required: true }),
    messages,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "btn btn-primary btn-wide", dataset: { testid: "signin-button" } }, "登录 ", h("span", { lang: "en" }, "Sign in"))));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    submitting(form, messages, async () => {
      const session = await api("POST", "/session", { body: { email: email.value.trim(), password: password.value } });
      password.value = "";
      signedIn(session);
      if (!parseHash().length) location.hash = homeFor(session.staff.role);
      else route();
    });
  });
  fill(main, form);
  email.focus();
}

function signedIn(session) {
  setCsrf(session.csrf_token);
  state.me = session.staff;
  state.scenarios = null;
}

async function signOut() {
  try {
    await api("DELETE", "/session");
  } catch {
    /* the session may already be gone; signing out locally is what matters */
  }
  setCsrf(null);
  state.me = null;
  startView();
  history.replaceState(null, "", "/console");
  renderSignIn($("#view"), ["您已退出。", h("span", { class: "en", lang: "en" }, " You are signed out.")]);
}

setSignedOutHandler(() => {
  if (!state.me) return;
  state.me = null;
  startView();
  renderSignIn($("#view"), ["登录已过期，请重新登录。", h("span", { class: "en", lang: "en" }, " Your session has ended; please sign in again.")]);
});

// -- scenarios --------------------------------------------------------------------------------------------------
async function loadScenarios(force = false) {
  if (!state.scenarios || force) state.scenarios = listOf(await api("GET", "/scenarios"));
  return state.scenarios;
}

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

async function renderScenarios(main, ctx) {
  fill(main, h("p", { class: "muted" }, "加载中… Loading…"));
  const role = state.me.role;
  const list = await loadScenarios(true);
  if (!ctx.alive()) return;
  const intro = role === "venue_staff"
    ? h("p", { class: "lead" }, "这些是分配给您的场景：可查看入口并下载二维码海报。", h("span", { class: "en", lang: "en" }, "Scenarios assigned to you: their doors and QR posters."))
    : h("p", { class: "lead" }, role === "admin" ? "平台上的全部场景。" : `${state.me.organization || ""} 的场景。`,
      h("span", { class: "en", lang: "en" }, role === "admin" ? "Every scenario on the platform." : "Your organisation's scenarios."));
  fill(main,
    h("div", { class: "page-head" }, h("h1", {}, bi(role === "venue_staff" ? "我的场景" : "场景", role === "venue_staff" ? "My scenarios" : "Scenarios")),
      can.manageScenarios(role) ? h("a", { class: "btn btn-primary", href: "#/scenarios", dataset: { testid: "new-scenario" },
        onclick: (e) => { e.preventDefault(); const d = $("#create-scenario"); d.open = true; d.scrollIntoView({ block: "start" }); d.querySelector("input")?.focus(); } },
      "＋ 新建场景 ", h("span", { lang: "en" }, "New scenario")) : null),
    intro,
    list.length ? h("ul", { class: "cards", dataset: { testid: "scenario-list" } }, list.map(scenarioCard))
      : h("p", { class: "empty", dataset: { testid: "scenario-empty" } }, role === "venue_staff"
        ? bi("还没有分配给您的场景，请联系主办方。", "No scenario is assigned to you yet; ask the organiser.") : bi("还没有场景。", "No scenarios yet.")),
    can.manageScenarios(role) ? createScenarioForm() : null);
}

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

// The scenario's fields as both the create and the settings forms show them (each passes the inputs it has).
const SCENARIO_FIELDS = [
  ["title", "名称", "Title", true], ["title_en", "英文名称", "Title in English"], ["venue", "场馆", "Venue"],
  ["venue_en", "场馆（英文）", "Venue in English"], ["city", "城市", "City"], ["grid", "电网区域", "Grid region"],
  ["status", "状态", "Status"], ["starts_at", "开始时间（北京时间）", "Starts (China time)"], ["ends_at", "结束时间", "Ends"],
  ["open_until", "扫码截止", "Open until"],
];

function scenarioFields(f) {
  return SCENARIO_FIELDS.filter(([name]) => f[name]).map(([name, label, en, required = false]) => field({ label, en, name, input: f[name], required }));
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
    grid: select("grid", GRIDS.map(([v, zh, en]) => [v, `${zh} ${en}`])),
    starts_at: input("starts_at", { type: "datetime-local" }),
    ends_at: input("ends_at", { type: "datetime-local" }),
    open_until: input("open_until", { type: "datetime-local" }),
    status: select("status", [["draft", "草稿（暂不开放）Draft"], ["active", "立即开放 Open now"]]),
    organizer: state.me.role === "admin" ? input("organizer", { placeholder: "主办单位名称 Organisation name" }) : null,
  };
  const form = h("form", { novalidate: true, dataset: { testid: "create-scenario-form" } },
    h("div", { class: "grid2" },
      field({ label: "场景代码", en: "Code", name: "code", input: f.code, required: true, hint: "印在二维码里：字母、数字、- 或 _ · Goes into the QR codes" }),
      field({ label: "类型", en: "Kind", name: "kind", input: f.kind, required: true }),
      scenarioFields(f),
      f.organizer ? field({ label: "主办单位", en: "Organiser (admin)", name: "organizer", input: f.organizer }) : null),
    h("fieldset", { class: "section" }, h("legend", { class: "section-title" }, bi("入口（每个入口一张二维码海报）", "Doors (one QR poster each)")),
      doorBox,
      h("button", { type: "button", class: "btn btn-small", dataset: { testid: "add-door-row" }, onclick: () => { doors.push({ tag: "", label: "" }); redraw(); } }, "＋ 添加入口 Add a door")),
    messages,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "btn btn-primary", dataset: { testid: "create-scenario" } }, "创建场景 ", h("span", { lang: "en" }, "Create"))));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    submitting(form, messages, async () => {
      const body = { code: f.code.value.trim(), kind: f.kind.value, title: f.title.value.trim(), status: f.status.value };
      for (const key of ["title_en", "venue", "city"]) if (f[key].value.trim()) body[key] = f[key].value.trim();
      if (f.grid.value) body.grid = f.grid.value;
      for (const key of ["starts_at", "ends_at", "open_until"]) if (f[key].value) body[key] = fromLocalInput(f[key].value);
      if (f.organizer?.value.trim()) body.organizer = f.organizer.value.trim();
      const given = doors.filter((d) => d.tag.trim() || d.label.trim());
      if (given.length) body.doors = given.map((d) => ({ tag: d.tag.trim(), label: d.label.trim() || null }));
      const created = await api("POST", "/scenarios", { body });
      state.scenarios = null;
      location.hash = `#/scenarios/${encodeURIComponent(created.code)}/doors`;
    });
  });
  return h("details", { class: "card create", id: "create-scenario", dataset: { testid: "create-scenario-box" } },
    h("summary", {}, bi("新建场景", "New scenario")), form);
}

const SCENARIO_TABS = [
  ["dashboard", ["实时数据", "Dashboard"], can.manageScenarios],
  ["doors", ["入口与海报", "Doors & posters"], can.scenarios],
  ["settings", ["场景设置", "Settings"], can.manageScenarios],
  ["staff", ["场馆人员", "Venue staff"], can.manageScenarios],
  ["event", ["活动碳中和", "Event neutralisation"], can.manageScenarios],
];

async function renderScenario(main, ctx, code, tab) {
  const role = state.me.role;
  const tabs = SCENARIO_TABS.filter(([, , allowed]) => allowed(role));
  if (!tab || !tabs.some(([key]) => key === tab)) {
    location.replace(`#/scenarios/${encodeURIComponent(code)}/${tabs[0][0]}`);
    return;
  }
  const list = await loadScenarios();
  if (!ctx.alive()) return;
  let scenario = list.find((s) => s.code === code);
  if (!scenario) {
    state.scenarios = null;
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
      state.scenarios = null;
      drawHeader();
      showOk(headMessages, status === "active" ? "场景已开放，嘉宾现在可以扫码参与。 The scenario is open." : "场景已关闭。 The scenario is closed.");
    } catch (error) {
      showError(headMessages, error);
      button.disabled = false;
    }
  }
  drawHeader();
  fill(main, header, body);
  const sub = { ...ctx, code, scenario: () => scenario, updated: (s) => { scenario = s; state.scenarios = null; drawHeader(); } };
  if (tab === "dashboard") await renderDashboard(body, sub);
  else if (tab === "doors") await renderDoors(body, sub);
  else if (tab === "settings") renderSettings(body, sub);
  else if (tab === "staff") await renderAssignments(body, sub);
  else if (tab === "event") await renderEvent(body, sub);
}

// -- doors and posters ------------------------------------------------------------------------------------------
async function renderDoors(root, ctx) {
  const role = state.me.role;
  const messages = slot("doors-error");
  const listBox = h("div", {});
  const paper = select("paper", PAPERS);
  let doors = ctx.scenario().doors || [];

  const refresh = async () => {
    try {
      doors = listOf(await api("GET", `/scenarios/${encodeURIComponent(ctx.code)}/doors`));
    } catch (error) {
      showError(messages, error);
    }
    if (ctx.alive()) draw();
  };

  async function poster(button, door, ext) {
    showError(messages, null);
    button.disabled = true;
    try {
      await download(`/scenarios/${encodeURIComponent(ctx.code)}/posters/${encodeURIComponent(door.tag)}.${ext}`,
        { paper: paper.value }, `${ctx.code}-${door.tag}-${paper.value}.${ext}`);
    } catch (error) {
      showError(messages, error);
    } finally {
      button.disabled = false;
    }
  }

  async function remove(button, door) {
    if (!confirm(`删除入口 ${door.tag}？已印刷的海报仍可扫码，扫码数据保留。\nRemove door ${door.tag}? Printed posters keep working.`)) return;
    button.disabled = true;
    try {
      await api("DELETE", `/scenarios/${encodeURIComponent(ctx.code)}/doors/${encodeURIComponent(door.tag)}`);
      await refresh();
    } catch (error) {
      showError(messages, error);
      button.disabled = false;
    }
  }

  function draw() {
    fill(listBox, doors.length ? h("ul", { class: "doors", dataset: { testid: "door-list" } }, doors.map((d) => h("li", { class: "door card", dataset: { testid: `door-${d.tag}` } },
      h("div", { class: "door-main" },
        h("strong", { class: "door-tag" }, d.tag), d.label ? h("span", { class: "door-label" }, d.label) : null,
        h("p", { class: "small muted door-link" }, h("span", {}, "印刷链接 Link: "), h("code", { dataset: { testid: "door-link" } }, d.link)),
        h("p", { class: "small muted" }, h("span", {}, "小程序码 scene: "), h("code", {}, d.scene))),
      h("div", { class: "door-actions" },
        h("button", { type: "button", class: "btn btn-small", dataset: { testid: "poster-png" }, onclick: (e) => poster(e.currentTarget, d, "png") }, "⬇ PNG"),
        h("button", { type: "button", class: "btn btn-small", dataset: { testid: "poster-pdf" }, onclick: (e) => poster(e.currentTarget, d, "pdf") }, "⬇ PDF"),
        can.manageScenarios(role) ? h("button", { type: "button", class: "btn btn-link btn-small remove-item", dataset: { testid: "remove-door" }, onclick: (e) => remove(e.currentTarget, d) }, "删除 Remove") : null))))
      : h("p", { class: "empty" }, bi("还没有入口。", "No doors yet.")));
  }

  let addForm = null;
  if (can.manageScenarios(role)) {
    const addMessages = slot("add-door-error");
    const tag = input("tag", { placeholder: "door3", pattern: "[A-Za-z0-9_-]{1,24}" });
    const label = input("label", { placeholder: "南门 South gate" });
    addForm = h("form", { class: "card", novalidate: true, dataset: { testid: "add-door-form" } },
      h("h3", {}, bi("添加入口", "Add a door")),
      h("div", { class: "grid2" }, field({ label: "标签", en: "Tag", name: "tag", input: tag, required: true }), field({ label: "名称", en: "Label", name: "label", input: label })),
      addMessages,
      h("div", { class: "actions" }, h("button", { type: "submit", class: "btn btn-primary", dataset: { testid: "add-door" } }, "添加 ", h("span", { lang: "en" }, "Add"))));
    addForm.addEventListener("submit", (e) => {
      e.preventDefault();
      submitting(addForm, addMessages, async () => {
        await api("POST", `/scenarios/${encodeURIComponent(ctx.code)}/doors`, { body: { tag: tag.value.trim(), label: label.value.trim() || null } });
        tag.value = "";
        label.value = "";
        await refresh();
      });
    });
  }
  fill(root,
    h("p", { class: "lead" }, "每个入口一张海报：二维码指向该入口，扫码数据按入口统计。", h("span", { class: "en", lang: "en" }, "One poster per door; its QR code names the door, and scans are counted per door.")),
    h("div", { class: "toolbar" }, field({ label: "纸张", en: "Paper", name: "paper", input: paper })),
    messages, listBox, addForm);
  draw();
  refresh();
}

// -- settings ---------------------------------------------------------------------------------------------------
function renderSettings(root, ctx) {
  const s = ctx.scenario();
  const messages = slot("settings-message");
  const text = (name, attrs = {}) => input(name, { value: s[name] ?? "", ...attrs });
  const f = {
    title: text("title"), title_en: text("title_en"), venue: text("venue"), venue_en: text("venue_en"), city: text("city"),
    grid: select("grid", GRIDS.map(([v, zh, en]) => [v, `${zh} ${en}`])),
    description: h("textarea", { name: "description", rows: 3, dataset: { testid: "input-description" } }, s.description ?? ""),
    starts_at: input("starts_at", { type: "datetime-local", value: toLocalInput(s.starts_at) }),
    ends_at: input("ends_at", { type: "datetime-local", value: toLocalInput(s.ends_at) }),
    open_until: input("open_until", { type: "datetime-local", value: toLocalInput(s.open_until) }),
  };
  f.grid.value = s.grid || "";
  const form = h("form", { class: "card", novalidate: true, dataset: { testid: "settings-form" } },
    h("div", { class: "grid2" },
      scenarioFields(f)),
    field({ label: "简介", en: "Description", name: "description", input: f.description, wide: true }),
    messages,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "btn btn-primary", dataset: { testid: "save-settings" } }, "保存 ", h("span", { lang: "en" }, "Save"))));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    submitting(form, messages, async () => {
      const body = { title: f.title.value.trim() };
      for (const key of ["title_en", "venue", "venue_en", "city", "description"]) body[key] = f[key].value.trim() || null;
      body.grid = f.grid.value || null;
      for (const key of ["starts_at", "ends_at", "open_until"]) body[key] = fromLocalInput(f[key].value);
      const updated = await api("PATCH", `/scenarios/${encodeURIComponent(ctx.code)}`, { body });
      ctx.updated(updated);
      showOk(messages, "已保存。 Saved.");
    });
  });
  fill(root, form);
}

// -- venue staff assignments ------------------------------------------------------------------------------------
async function renderAssignments(root, ctx) {
  const messages = slot("assignments-error");
  const listBox = h("div", {});
  const path = `/scenarios/${encodeURIComponent(ctx.code)}/assignments`;
  const refresh = async () => {
    try {
      const rows = listOf(await api("GET", path));
      if (!ctx.alive()) return;
      fill(listBox, rows.length ? h("ul", { class: "people", dataset: { testid: "assignment-list" } }, rows.map((r) => h("li", { dataset: { testid: "assignment", email: r.email } },
        h("span", {}, h("strong", {}, r.name), " ", h("span", { class: "muted" }, r.email)),
        h("button", { type: "button", class: "btn btn-link btn-small remove-item", dataset: { testid: "unassign" }, onclick: async (e) => {
          e.currentTarget.disabled = true;
          try {
            await api("DELETE", `${path}/${r.staff_id}`);
          } catch (error) {
            showError(messages, error);
          }
          refresh();
        } }, "移除 Remove"))))
        : h("p", { class: "empty" }, bi("还没有分配场馆工作人员。", "No venue staff assigned yet.")));
    } catch (error) {
      showError(messages, error);
    }
  };
  const email = input("email", { type: "email", placeholder: "venue@example.com" });
  const form = h("form", { class: "card", novalidate: true, dataset: { testid: "assign-form" } },
    h("h3", {}, bi("分配场馆工作人员", "Assign venue staff")),
    h("p", { class: "small muted" }, "被分配的人员可以查看本场景的入口并下载海报，不能修改任何内容。", h("span", { class: "en", lang: "en" }, "They may see this scenario's doors and print posters, nothing more.")),
    field({ label: "工作人员邮箱", en: "Staff email", name: "email", input: email, required: true }),
    messages,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "btn btn-primary", dataset: { testid: "assign" } }, "分配 ", h("span", { lang: "en" }, "Assign"))));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    submitting(form, messages, async () => {
      await api("POST", path, { body: { email: email.value.trim() } });
      email.value = "";
      await refresh();
    });
  });
  fill(root, listBox, form);
  await refresh();
}

// -- dashboard --------------------------------------------------------------------------------------------------
const TOTALS = [
  ["scans", "扫码次数", "Scans", (v) => num(v)],
  ["guests", "扫码人数", "Guests", (v) => num(v)],
  ["participants", "参与人数", "Participants", (v) => num(v)],
  ["neutralized_kg", "已中和", "Neutralised", kg],
  ["certificates", "证书", "Certificates", (v) => num(v)],
  ["amount_fen", "金额", "Amount", yuan],
];
const FUNNEL = [["scanned", "扫码", "Scanned"], ["computed", "计算", "Computed"], ["ordered", "下单", "Ordered"], ["paid", "支付", "Paid"]];

async function renderDashboard(root, ctx) {
  const messages = slot("dashboard-error");
  const content = h("div", { dataset: { testid: "dashboard" } }, h("p", { class: "muted" }, "加载中… Loading…"));
  const bucket = select("bucket", [["", "自动 Auto"], ["hour", "按小时 Hourly"], ["day", "按天 Daily"]]);
  const stamp = h("span", { class: "small muted", dataset: { testid: "dashboard-updated" } });
  const path = `/scenarios/${encodeURIComponent(ctx.code)}`;
  let timer = null;
  let loading = false;

  const csv = (name) => h("button", { type: "button", class: "btn btn-small", dataset: { testid: `csv-${name}` }, onclick: async (e) => {
    const button = e.currentTarget;
    button.disabled = true;
    showError(messages, null);
    try {
      await download(`${path}/${name}.csv`, null, `${ctx.code}-${name}.csv`);
    } catch (error) {
      showError(messages, error);
    } finally {
      button.disabled = false;
    }
  } }, `⬇ ${name === "orders" ? "订单 Orders" : "证书 Certificates"} CSV`);

  async function load() {
    if (loading || !ctx.alive()) return;
    loading = true;
    try {
      const d = await api("GET", `${path}/dashboard`, { query: { bucket: bucket.value } });
      if (!ctx.alive()) return;
      showError(messages, null);
      draw(d);
    } catch (error) {
      if (ctx.alive()) showError(messages, error);
    } finally {
      loading = false;
    }
  }

  function schedule() {
    clearTimeout(timer);
    if (!ctx.alive()) return;
    timer = setTimeout(async () => {
      if (document.visibilityState === "visible") await load();
      schedule();
    }, DASHBOARD_POLL_MS);
  }
  const onVisible = () => {
    if (document.visibilityState === "visible" && ctx.alive()) {
      load();
      schedule();
    }
  };
  document.addEventListener("visibilitychange", onVisible);
  ctx.onCleanup(() => {
    clearTimeout(timer);
    document.removeEventListener("visibilitychange", onVisible);
  });
  bucket.addEventListener("change", load);

  function draw(d) {
    const t = d.totals || {};
    const f = d.funnel || {};
    const top = Math.max(1, f.scanned || 0, ...FUNNEL.map(([k]) => f[k] || 0));
    fill(stamp, `更新于 Updated ${when(d.generated_at, { seconds: true })} · 每 10 秒自动刷新 refreshes every 10 s`);
    stamp.dataset.generatedAt = d.generated_at || "";
    fill(content,
      h("ul", { class: "totals" }, TOTALS.map(([key, zh, en, fmt]) => h("li", { class: "total", dataset: { testid: `total-${key}`, value: t[key] ?? "" } },
        h("span", { class: "total-value" }, fmt(t[key] ?? 0)), h("span", { class: "total-label" }, zh, h("span", { class: "en", lang: "en" }, en))))),
      t.event_kg ? h("p", { class: "small muted", dataset: { testid: "total-event-kg" } }, `另有主办方活动碳中和 Plus the organiser's event neutralisation: ${kg(t.event_kg)}`) : null,
      h("div", { class: "dash-grid" },
        h("section", { class: "card" }, h("h3", {}, bi("转化漏斗（人数）", "Funnel (guests)")),
          h("ol", { class: "funnel", dataset: { testid: "funnel" } }, FUNNEL.map(([key, zh, en], i) => {
            const value = f[key] || 0;
            const prev = i ? f[FUNNEL[i - 1][0]] || 0 : null;
            const bar = h("span", { class: "funnel-bar" });
            bar.style.width = `${Math.max(2, (value / top) * 100)}%`;
            return h("li", { dataset: { testid: `funnel-${key}`, value } },
              h("span", { class: "funnel-label" }, zh, h("span", { class: "en", lang: "en" }, en)),
              h("span", { class: "funnel-track" }, bar),
              h("span", { class: "funnel-value" }, num(value), prev ? h("span", { class: "muted small" }, ` ${Math.round((value / prev) * 100)}%`) : null));
          }))),
        h("section", { class: "card" }, h("h3", {}, bi("参与人数与中和量（累计）", "Participants and kg (cumulative)")),
          h("div", { class: "legend" }, h("span", { class: "key key-participants" }, "参与人数 Participants（左 left）"), h("span", { class: "key key-kg" }, "kg CO₂e（右 right）")),
          lineChart(d.series || [], [
            { key: "participants", label: "参与人数 Participants", axis: "left", cls: "line-participants", digits: 0 },
            { key: "kg", label: "kg CO₂e", axis: "right", cls: "line-kg", digits: 0 },
          ], { bucket: d.bucket, title: "参与人数与中和量 Participants and kg over time" }))),
      h("section", { class: "card" }, h("h3", {}, bi("各入口", "By door")),
        h("div", { class: "table-wrap" }, h("table", { class: "table", dataset: { testid: "door-stats" } },
          h("thead", {}, h("tr", {}, h("th", {}, "入口 Door"), h("th", { class: "num" }, "扫码 Scans"), h("th", { class: "num" }, "人数 Guests"),
            h("th", { class: "num" }, "已支付 Paid"), h("th", { class: "num" }, "kg"))),
          h("tbody", {}, (d.doors || []).map((door) => h("tr", { dataset: { testid: `door-stats-${door.tag ?? "none"}` } },
            h("td", {}, door.tag ? h("code", {}, door.tag) : h("span", { class: "muted" }, "（无入口 none）"), door.label ? ` ${door.label}` : "",
              door.defined === false && door.tag ? h("span", { class: "muted small" }, " 未登记 not defined") : null),
            h("td", { class: "num", dataset: { testid: "scans" } }, num(door.scans)),
            h("td", { class: "num", dataset: { testid: "guests" } }, num(door.guests)),
            h("td", { class: "num", dataset: { testid: "paid" } }, num(door.paid_guests)),
            h("td", { class: "num", dataset: { testid: "kg" } }, num(door.kg, 1)))))))),
      h("section", { class: "card" }, h("h3", {}, bi("排行榜（前 10）", "Leaderboard (top 10)")),
        (d.leaderboard || []).length ? h("ol", { class: "board", dataset: { testid: "leaderboard" } }, d.leaderboard.map((row) => h("li", {},
          h("span", { class: "rank" }, `#${row.rank}`), h("span", { class: "name" }, row.name), h("span", { class: "kg" }, kg(row.kg)))))
          : h("p", { class: "empty" }, bi("还没有人上榜。", "Nobody yet."))));
  }

  fill(root,
    h("div", { class: "toolbar" }, field({ label: "时间粒度", en: "Bucket", name: "bucket", input: bucket }),
      h("button", { type: "button", class: "btn btn-small", dataset: { testid: "dashboard-refresh" }, onclick: () => load() }, "↻ 刷新 Refresh"),
      csv("orders"), csv("certificates"), stamp),
    messages, content);
  await load();
  schedule();
}

// -- projects and money -----------------------------------------------------------------------------------------
async function renderProjects(main, ctx) {
  fill(main, h("p", { class: "muted" }, "加载中… Loading…"));
  const rows = listOf(await api("GET", "/projects"));
  if (!ctx.alive()) return;
  fill(main,
    h("div", { class: "page-head" }, h("h1", {}, bi("项目销售", "Projects and sales"))),
    h("p", { class: "lead" }, state.me.role === "admin" ? "全部减排项目的销售。" : `${state.me.organization || ""} 的减排项目。`,
      h("span", { class: "en", lang: "en" }, state.me.role === "admin" ? "Sales of every project." : "Your organisation's projects.")),
    rows.length ? h("div", { class: "table-wrap" }, h("table", { class: "table", dataset: { testid: "project-list" } },
      h("thead", {}, h("tr", {}, h("th", {}, "项目 Project"), h("th", {}, "业主 Owner"), h("th", { class: "num" }, "订单 Orders"),
        h("th", { class: "num" }, "售出 kg sold"), h("th", { class: "num" }, "销售额 Gross"), h("th", { class: "num" }, "业主所得 Owner's share"))),
      h("tbody", {}, rows.map((p) => h("tr", { dataset: { testid: `project-${p.code}` } },
        h("td", {}, h("a", { href: `#/projects/${encodeURIComponent(p.code)}` }, p.name), h("br"), h("code", { class: "small" }, p.code),
          p.active === false ? h("span", { class: "muted small" }, " 已停用 inactive") : null),
        h("td", {}, p.owner ?? ""),
        h("td", { class: "num" }, num(p.orders)),
        h("td", { class: "num", dataset: { testid: "kg-sold" } }, num(p.kg_sold)),
        h("td", { class: "num" }, yuan(p.gross_fen)),
        h("td", { class: "num", dataset: { testid: "owner-fen" } }, yuan(p.owner_fen)))))))
      : h("p", { class: "empty" }, bi("没有项目。", "No projects.")));
}

async function renderProjectSales(main, ctx, code) {
  const limit = 50;
  let offset = 0;
  const box = h("div", {});
  const messages = slot("sales-error");
  const load = async () => {
    try {
      const r = await api("GET", `/projects/${encodeURIComponent(code)}/sales`, { query: { offset, limit } });
      if (!ctx.alive()) return;
      const rows = listOf(r);
      const total = r.total ?? r.pagination?.total ?? rows.length;
      fill(box,
        rows.length ? h("div", { class: "table-wrap" }, h("table", { class: "table", dataset: { testid: "sales" } },
          h("thead", {}, h("tr", {}, h("th", {}, "支付时间 Paid"), h("th", {}, "订单号 Order"), h("th", { class: "num" }, "kg"),
            h("th", { class: "num" }, "金额 Amount"), h("th", { class: "num" }, "业主所得 Owner"), h("th", {}, "状态 Status"), h("th", {}, "证书 Certificate"))),
          h("tbody", {}, rows.map((s) => h("tr", { dataset: { testid: "sale" } },
            h("td", {}, when(s.paid_at)), h("td", {}, h("code", { class: "small" }, s.out_trade_no)), h("td", { class: "num" }, num(s.kg)),
            h("td", { class: "num" }, yuan(s.amount_fen)), h("td", { class: "num" }, yuan(s.owner_fen)),
            h("td", {}, statusChip(s.status), s.refunded_at ? h("span", { class: "small muted" }, ` ${when(s.refunded_at)}`) : null),
            h("td", {}, s.certificate ? h("a", { href: `/verify/${encodeURIComponent(s.certificate)}`, target: "_blank", rel: "noopener" }, s.certificate) : "")))))) 
          : h("p", { class: "empty" }, bi("还没有销售。", "No sales yet.")),
        h("div", { class: "actions" },
          h("span", { class: "muted small" }, `${num(total)} 笔 sales · ${offset + 1}–${Math.min(total, offset + limit)}`),
          offset > 0 ? h("button", { type: "button", class: "btn btn-small", onclick: () => { offset = Math.max(0, offset - limit); load(); } }, "← 上一页 Previous") : null,
          offset + limit < total ? h("button", { type: "button", class: "btn btn-small", onclick: () => { offset += limit; load(); } }, "下一页 Next →") : null));
    } catch (error) {
      showError(messages, error);
    }
  };
  fill(main, h("a", { class: "back", href: "#/projects" }, "← 项目 Projects"),
    h("div", { class: "page-head" }, h("h1", {}, bi("项目销售明细", "Project sales"), " ", h("code", {}, code))), messages, box);
  await load();
}

function monthNow() {
  const full = when(new Date().toISOString());
  return full.slice(0, 7);
}

async function renderMoney(main, ctx) {
  const admin = state.me.role === "admin";
  const messages = slot("money-error");
  const summary = h("div", { dataset: { testid: "balance-box" } });
  const org = input("organization", { placeholder: "项目业主单位名称 Owner organisation", list: "org-options" });
  const orgOptions = h("datalist", { id: "org-options" });
  const month = input("month", { type: "month", value: monthNow() });

  const load = async () => {
    showError(messages, null);
    if (admin && !org.value.trim()) {
      fill(summary, h("p", { class: "muted" }, bi("请输入或选择一个项目业主单位。", "Enter or choose a project owner's organisation.")));
      return;
    }
    try {
      const r = await api("GET", "/payouts", { query: { organization: admin ? org.value.trim() : undefined } });
      if (!ctx.alive()) return;
      if (admin && r.organization?.name) org.value = r.organization.name;
      drawSummary(r);
    } catch (error) {
      fill(summary);
      showError(messages, error);
    }
  };

  function drawSummary(r) {
    const b = r.balance || {};
    fill(summary,
      h("h2", { dataset: { testid: "balance-org" } }, r.organization?.name || ""),
      h("ul", { class: "totals" },
        h("li", { class: "total", dataset: { testid: "balance-owed", value: b.owed_fen } }, h("span", { class: "total-value" }, yuan(b.owed_fen)), h("span", { class: "total-label" }, "应得 ", h("span", { class: "en", lang: "en" }, "Owed"))),
        h("li", { class: "total", dataset: { testid: "balance-paid", value: b.paid_out_fen } }, h("span", { class: "total-value" }, yuan(b.paid_out_fen)), h("span", { class: "total-label" }, "已打款 ", h("span", { class: "en", lang: "en" }, "Paid out"))),
        h("li", { class: "total total-key", dataset: { testid: "balance-outstanding", value: b.outstanding_fen } }, h("span", { class: "total-value" }, yuan(b.outstanding_fen)), h("span", { class: "total-label" }, "待打款 ", h("span", { class: "en", lang: "en" }, "Outstanding")))),
      h("section", { class: "card" }, h("h3", {}, bi("打款记录", "Payouts")),
        listOf(r).length ? h("div", { class: "table-wrap" }, h("table", { class: "table", dataset: { testid: "payout-list" } },
          h("thead", {}, h("tr", {}, h("th", {}, "日期 Paid on"), h("th", { class: "num" }, "金额 Amount"), h("th", {}, "银行流水号 Bank reference"), h("th", {}, "备注 Note"))),
          h("tbody", {}, listOf(r).map((p) => h("tr", { dataset: { testid: "payout", reference: p.bank_reference } },
            h("td", {}, p.paid_on), h("td", { class: "num" }, yuan(p.amount_fen)), h("td", {}, h("code", {}, p.bank_reference)), h("td", {}, p.note || ""))))))
          : h("p", { class: "empty" }, bi("还没有打款记录。", "No payouts yet."))));
  }

  const statementButton = h("button", { type: "button", class: "btn btn-small", dataset: { testid: "statement-csv" }, onclick: async (e) => {
    const button = e.currentTarget;
    button.disabled = true;
    showError(messages, null);
    try {
      const organization = admin ? org.value.trim() : undefined;
      await download("/statements.csv", { organization, month: month.value }, `statement-${organization || state.me.organization || "org"}-${month.value}.csv`);
    } catch (error) {
      showError(messages, error);
    } finally {
      button.disabled = false;
    }
  } }, "⬇ 月度对账单 CSV · Monthly statement");

  let payoutForm = null;
  if (admin) {
    const formMessages = slot("payout-error");
    const amount = input("amount", { inputmode: "decimal", placeholder: "1000.00" });
    const reference = input("bank_reference", { placeholder: "CMB20261122-0001" });
    const paidOn = input("paid_on", { type: "date", value: when(new Date().toISOString()).slice(0, 10) });
    const note = input("note");
    payoutForm = h("form", { class: "card", novalidate: true, dataset: { testid: "payout-form" } },
      h("h3", {}, bi("登记打款", "Record a payout")),
      h("p", { class: "small muted" }, "登记已完成的银行转账；负数金额表示冲正。", h("span", { class: "en", lang: "en" }, "Record a bank transfer already made; a negative amount corrects one.")),
      h("div", { class: "grid2" },
        field({ label: "金额（元）", en: "Amount (yuan)", name: "amount_fen", input: amount, required: true }),
        field({ label: "银行流水号", en: "Bank reference", name: "bank_reference", input: reference, required: true }),
        field({ label: "打款日期", en: "Paid on", name: "paid_on", input: paidOn, required: true }),
        field({ label: "备注", en: "Note", name: "note", input: note })),
      formMessages,
      h("div", { class: "actions" }, h("button", { type: "submit", class: "btn btn-primary", dataset: { testid: "record-payout" } }, "登记 ", h("span", { lang: "en" }, "Record"))));
    payoutForm.addEventListener("submit", (e) => {
      e.preventDefault();
      submitting(payoutForm, formMessages, async () => {
        const fen = fenFromYuan(amount.value);
        if (fen === null || fen === 0) {
          throw Object.assign(new ApiError(422, "validation_error", "请填写金额，最多两位小数。 Enter an amount in yuan, at most two decimals."),
            { fields: { amount_fen: ["例如 1000.00 · e.g. 1000.00"] } });
        }
        // The organisation typed now (not the one shown last), so a payout never lands on the wrong owner.
        const organization = org.value.trim();
        if (!organization) throw Object.assign(new ApiError(422, "validation_error", "请先填写项目业主单位。 Enter the owner organisation first."), { fields: {} });
        const r = await api("POST", "/payouts", { body: { organization, amount_fen: fen, bank_reference: reference.value.trim(), paid_on: paidOn.value, note: note.value.trim() || null } });
        showOk(formMessages, `已登记 ${yuan(r.amount_fen)}（${r.bank_reference}）。待打款 Outstanding: ${yuan(r.balance?.outstanding_fen)}`);
        amount.value = "";
        reference.value = "";
        note.value = "";
        await load();
      });
    });
    // Owners to choose from: the organisations behind the projects.
    api("GET", "/projects").then((r) => {
      const owners = [...new Set(listOf(r).map((p) => p.owner).filter(Boolean))];
      fill(orgOptions, owners.map((o) => h("option", { value: o })));
    }).catch(() => {});
  }

  fill(main,
    h("div", { class: "page-head" }, h("h1", {}, bi("结算与打款", "Balance and payouts"))),
    h("p", { class: "lead" }, "应得 = 已售减排量扣除支付手续费和平台服务费后归项目业主的部分；待打款 = 应得 − 已打款。",
      h("span", { class: "en", lang: "en" }, "Owed is the owner's share of sales after fees; outstanding is owed minus paid out.")),
    admin ? h("form", { class: "toolbar", dataset: { testid: "org-form" }, onsubmit: (e) => { e.preventDefault(); load(); } },
      field({ label: "项目业主单位", en: "Owner organisation", name: "organization", input: org }), orgOptions,
      h("button", { type: "submit", class: "btn btn-small", dataset: { testid: "load-org" } }, "查看 ", h("span", { lang: "en" }, "Show"))) : null,
    messages, summary,
    h("div", { class: "toolbar" }, field({ label: "对账月份", en: "Statement month", name: "month", input: month }), statementButton),
    payoutForm);
  await load();
}

// -- accounts (admin) --------------------------------------------------------------------------------------------
function accountList() {
  const box = h("div", { class: "card", dataset: { testid: "account-list" } });
  const messages = slot("account-list-error");
  const refresh = async () => {
    try {
      const rows = listOf(await api("GET", "/accounts", { query: { limit: 200 } }));
      fill(box, h("h3", {}, bi("全部账号", "All accounts")), messages,
        h("div", { class: "table-wrap" }, h("table", { class: "table" },
          h("thead", {}, h("tr", {}, ["姓名 Name", "邮箱 Email", "角色 Role", "单位 Organisation", "状态 Status", ""].map((t) => h("th", {}, t)))),
          h("tbody", {}, rows.map((a) => h("tr", { dataset: { testid: "account-row", email: a.email, active: String(a.active) } },
            h("td", {}, a.name), h("td", {}, a.email), h("td", {}, (ROLES[a.role] || [a.role]).join(" ")),
            h("td", {}, a.organization || "–"),
            h("td", {}, a.active ? bi("启用", "Active") : bi("已停用", "Disabled")),
            h("td", {}, a.id === state.me?.id ? null : h("button", {
              type: "button", class: "btn btn-small", dataset: { testid: a.active ? "disable-account" : "enable-account" },
              onclick: async (e) => {
                e.currentTarget.disabled = true;
                try {
                  await api("PATCH", `/accounts/${a.id}`, { body: { active: !a.active } });
                } catch (error) {
                  showError(messages, error);
                }
                refresh();
              },
            }, a.active ? "停用 Disable" : "启用 Enable"))))))));
    } catch (error) {
      fill(box, messages);
      showError(messages, error);
    }
  };
  refresh();
  return { box, refresh };
}

function renderAccounts(main) {
  const list = accountList();
  const messages = slot("account-message");
  const f = {
    email: input("email", { type: "email", autocomplete: "off" }),
    name: input("name", { autocomplete: "off" }),
    password: input("password", { type: "password", autocomplete: "new-password", minlength: 10 }),
    role: select("role", Object.entries(ROLES).map(([v, [zh, en]]) => [v, `${zh} ${en}`])),
    organization: input("organization", { placeholder: "主办方或项目业主必填 Organisers and project owners" }),
  };
  f.role.value = "organizer";
  const form = h("form", { class: "card", novalidate: true, dataset: { testid: "account-form" } },
    h("h3", {}, bi("新建工作人员账号", "New staff account")),
    h("div", { class: "grid2" },
      field({ label: "邮箱", en: "Email", name: "email", input: f.email, required: true }),
      field({ label: "姓名", en: "Name", name: "name", input: f.name, required: true }),
      field({ label: "初始密码（至少 10 位）", en: "Password (10+ characters)", name: "password", input: f.password, required: true }),
      field({ label: "角色", en: "Role", name: "role", input: f.role, required: true }),
      field({ label: "所属单位", en: "Organisation", name: "organization", input: f.organization })),
    messages,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "btn btn-primary", dataset: { testid: "create-account" } }, "创建 ", h("span", { lang: "en" }, "Create"))));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    submitting(form, messages, async () => {
      const body = { email: f.email.value.trim(), name: f.name.value.trim(), password: f.password.value, role: f.role.value };
      if (f.organization.value.trim()) body.organization = f.organization.value.trim();
      const created = await api("POST", "/accounts", { body });
      f.password.value = "";
      showOk(messages, `已创建 Created: ${created.name} <${created.email}> · ${(ROLES[created.role] || [created.role]).join(" ")}${created.organization ? ` · ${created.organization}` : ""}`);
      f.email.value = "";
      f.name.value = "";
      await list.refresh();
    });
  });
  fill(main, h("div", { class: "page-head" }, h("h1", {}, bi("账号", "Accounts"))),
    h("p", { class: "lead" }, "为主办方、场馆工作人员和项目业主开设账号，并把初始密码安全地交给对方。",
      h("span", { class: "en", lang: "en" }, "Open accounts for organisers, venue staff and project owners; hand over the first password safely.")),
    form, list.box);
}

// -- start ------------------------------------------------------------------------------------------------------
async function boot() {
  try {
    signedIn(await api("GET", "/session"));
  } catch (error) {
    if (!(error instanceof ApiError) || (error.status !== 401 && error.status !== 403)) {
      const box = slot("boot-error");
      fill($("#view"), box);
      showError(box, error);
      return;
    }
    state.me = null;
  }
  window.addEventListener("hashchange", route);
  route();
}

boot();
