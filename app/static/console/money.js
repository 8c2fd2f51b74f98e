// Balance and payouts (#/money): what a project owner is owed and was paid, the monthly statement CSV,
// and (admins) recording a payout.
import { ApiError, api, listOf } from "./api.js";
import { me } from "./session.js";
import { bi, download, fenFromYuan, field, fill, h, input, showError, showOk, slot, submitting, when, yuan } from "./ui.js";

function monthNow() {
  const full = when(new Date().toISOString());
  return full.slice(0, 7);
}

export async function renderMoney(main, ctx) {
  const admin = me().role === "admin";
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
      await download("/statements.csv", { organization, month: month.value }, `statement-${organization || me().organization || "org"}-${month.value}.csv`);
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

