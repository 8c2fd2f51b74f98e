// Staff accounts (#/accounts, admins): the list with enable/disable, and the form for a new account.
import { api, listOf } from "./api.js";
import { me } from "./session.js";
import { ROLES, bi, field, fill, h, input, select, showError, showOk, slot, submitting } from "./ui.js";

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
            h("td", {}, a.id === me()?.id ? null : h("button", {
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

export function renderAccounts(main) {
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

