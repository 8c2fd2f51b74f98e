// Projects and sales (#/projects, #/projects/CODE): what each offset project sold, for admins and its owner.
import { api, listOf } from "./api.js";
import { me } from "./session.js";
import { bi, both, en, fill, h, num, pair, showError, slot, statusChip, when, withEn, yuan, zh } from "./ui.js";

export async function renderProjects(main, ctx) {
  fill(main, h("p", { class: "muted" }, both("common.loading")));
  const rows = listOf(await api("GET", "/projects"));
  if (!ctx.alive()) return;
  const { role, organization } = me();
  fill(main,
    h("div", { class: "page-head" }, h("h1", {}, bi(...pair("projects.title")))),
    role === "admin" ? h("p", { class: "lead" }, withEn("projects.intro_admin"))
      : h("p", { class: "lead" }, zh("projects.intro_org", { org: organization || "" }), h("span", { class: "en", lang: "en" }, en("projects.intro_own"))),
    rows.length ? h("div", { class: "table-wrap" }, h("table", { class: "table", dataset: { testid: "project-list" } },
      h("thead", {}, h("tr", {}, h("th", {}, both("projects.project")), h("th", {}, both("projects.owner")), h("th", { class: "num" }, both("projects.orders")),
        h("th", { class: "num" }, both("projects.kg_sold")), h("th", { class: "num" }, both("projects.gross")), h("th", { class: "num" }, both("projects.owner_share")))),
      h("tbody", {}, rows.map((p) => h("tr", { dataset: { testid: `project-${p.code}` } },
        h("td", {}, h("a", { href: `#/projects/${encodeURIComponent(p.code)}` }, p.name), h("br"), h("code", { class: "small" }, p.code),
          p.active === false ? h("span", { class: "muted small" }, ` ${both("projects.inactive")}`) : null),
        h("td", {}, p.owner ?? ""),
        h("td", { class: "num" }, num(p.orders)),
        h("td", { class: "num", dataset: { testid: "kg-sold" } }, num(p.kg_sold)),
        h("td", { class: "num" }, yuan(p.gross_fen)),
        h("td", { class: "num", dataset: { testid: "owner-fen" } }, yuan(p.owner_fen)))))))
      : h("p", { class: "empty" }, bi(...pair("projects.empty"))));
}

export async function renderProjectSales(main, ctx, code) {
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
          h("thead", {}, h("tr", {}, h("th", {}, both("sales.paid_at")), h("th", {}, both("sales.order")), h("th", { class: "num" }, "kg"),
            h("th", { class: "num" }, both("sales.amount")), h("th", { class: "num" }, both("sales.owner")), h("th", {}, both("fields.status")), h("th", {}, both("sales.certificate")))),
          h("tbody", {}, rows.map((s) => h("tr", { dataset: { testid: "sale" } },
            h("td", {}, when(s.paid_at)), h("td", {}, h("code", { class: "small" }, s.out_trade_no)), h("td", { class: "num" }, num(s.kg)),
            h("td", { class: "num" }, yuan(s.amount_fen)), h("td", { class: "num" }, yuan(s.owner_fen)),
            h("td", {}, statusChip(s.status), s.refunded_at ? h("span", { class: "small muted" }, ` ${when(s.refunded_at)}`) : null),
            h("td", {}, s.certificate ? h("a", { href: `/verify/${encodeURIComponent(s.certificate)}`, target: "_blank", rel: "noopener" }, s.certificate) : "")))))) 
          : h("p", { class: "empty" }, bi(...pair("sales.empty"))),
        h("div", { class: "actions" },
          h("span", { class: "muted small" }, `${num(total)} ${both("sales.count_unit")} · ${offset + 1}–${Math.min(total, offset + limit)}`),
          offset > 0 ? h("button", { type: "button", class: "btn btn-small", onclick: () => { offset = Math.max(0, offset - limit); load(); } }, `← ${both("sales.previous")}`) : null,
          offset + limit < total ? h("button", { type: "button", class: "btn btn-small", onclick: () => { offset += limit; load(); } }, `${both("sales.next")} →`) : null));
    } catch (error) {
      showError(messages, error);
    }
  };
  fill(main, h("a", { class: "back", href: "#/projects" }, `← ${both("sales.back")}`),
    h("div", { class: "page-head" }, h("h1", {}, bi(...pair("sales.title")), " ", h("code", {}, code))), messages, box);

  await load();
}

