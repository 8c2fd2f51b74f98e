// Projects and sales (#/projects, #/projects/CODE): what each offset project sold, for admins and its owner.
import { api, listOf } from "./api.js";
import { me } from "./session.js";
import { bi, fill, h, num, showError, slot, statusChip, when, yuan } from "./ui.js";

export async function renderProjects(main, ctx) {
  fill(main, h("p", { class: "muted" }, "加载中… Loading…"));
  const rows = listOf(await api("GET", "/projects"));
  if (!ctx.alive()) return;
  const { role, organization } = me();
  fill(main,
    h("div", { class: "page-head" }, h("h1", {}, bi("项目销售", "Projects and sales"))),
    h("p", { class: "lead" }, role === "admin" ? "全部减排项目的销售。" : `${organization || ""} 的减排项目。`,
      h("span", { class: "en", lang: "en" }, role === "admin" ? "Sales of every project." : "Your organisation's projects.")),
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

