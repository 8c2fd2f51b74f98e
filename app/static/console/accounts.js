// Staff accounts (#/accounts, admins): the list with enable/disable, and the form for a new account.
import { api, listOf } from "./api.js";
import { me } from "./session.js";
import {
  ROLES, bi, both, en, field, fill, h, inline, input, pair, select, showError, showOk, slot, submitting, withEn, zh,
} from "./ui.js";

function accountList() {
  const box = h("div", { class: "card", dataset: { testid: "account-list" } });
  const messages = slot("account-list-error");
  const refresh = async () => {
    try {
      const rows = listOf(await api("GET", "/accounts", { query: { limit: 200 } }));
      fill(box, h("h3", {}, bi(...pair("accounts.all"))), messages,
        h("div", { class: "table-wrap" }, h("table", { class: "table" },
          h("thead", {}, h("tr", {}, ["accounts.name", "common.email", "accounts.role", "accounts.org_column", "fields.status"]
            .map((key) => h("th", {}, both(key))), h("th", {}))),
          h("tbody", {}, rows.map((a) => h("tr", { dataset: { testid: "account-row", email: a.email, active: String(a.active) } },
            h("td", {}, a.name), h("td", {}, a.email), h("td", {}, (ROLES[a.role] || [a.role]).join(" ")),
            h("td", {}, a.organization || "–"),
            h("td", {}, bi(...pair(a.active ? "accounts.active" : "accounts.disabled"))),
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
            }, both(a.active ? "accounts.disable" : "accounts.enable")))))))));
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
    role: select("role", Object.entries(ROLES).map(([v, [z, e]]) => [v, `${z} ${e}`])),
    organization: input("organization", { placeholder: both("accounts.org_placeholder") }),
  };
  f.role.value = "organizer";
  const form = h("form", { class: "card", novalidate: true, dataset: { testid: "account-form" } },
    h("h3", {}, bi(...pair("accounts.new"))),
    h("div", { class: "grid2" },
      field({ key: "common.email", name: "email", input: f.email, required: true }),
      field({ key: "accounts.name", name: "name", input: f.name, required: true }),
      field({ label: zh("accounts.password", { n: 10 }), en: en("accounts.password", { n: 10 }), name: "password", input: f.password, required: true }),
      field({ key: "accounts.role", name: "role", input: f.role, required: true }),
      field({ key: "accounts.org_field", name: "organization", input: f.organization })),
    messages,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "btn btn-primary", dataset: { testid: "create-account" } }, inline("accounts.create"))));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    submitting(form, messages, async () => {
      const body = { email: f.email.value.trim(), name: f.name.value.trim(), password: f.password.value, role: f.role.value };
      if (f.organization.value.trim()) body.organization = f.organization.value.trim();
      const created = await api("POST", "/accounts", { body });
      f.password.value = "";
      showOk(messages, `${both("accounts.created")}: ${created.name} <${created.email}> · ${(ROLES[created.role] || [created.role]).join(" ")}${created.organization ? ` · ${created.organization}` : ""}`);
      f.email.value = "";
      f.name.value = "";
      await list.refresh();
    });
  });
  fill(main, h("div", { class: "page-head" }, h("h1", {}, bi(...pair("tabs.accounts")))),
    h("p", { class: "lead" }, withEn("accounts.intro")),

    form, list.box);
}

