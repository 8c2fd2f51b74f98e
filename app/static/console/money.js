// Balance and payouts (#/money): what a project owner is owed and was paid, the monthly statement CSV,
// and (admins) recording a payout.
import { ApiError, api, listOf } from "./api.js";
import { me } from "./session.js";
import {
  bi, both, dotted, download, en, fenFromYuan, field, fill, h, inline, input, pair, showError, showOk, slot, submitting, when, withEn, yuan, zh,
} from "./ui.js";

function monthNow() {
  const full = when(new Date().toISOString());
  return full.slice(0, 7);
}

export async function renderMoney(main, ctx) {
  const admin = me().role === "admin";
  const messages = slot("money-error");
  const summary = h("div", { dataset: { testid: "balance-box" } });
  const org = input("organization", { placeholder: both("money.org_placeholder"), list: "org-options" });
  const orgOptions = h("datalist", { id: "org-options" });
  const month = input("month", { type: "month", value: monthNow() });

  const load = async () => {
    showError(messages, null);
    if (admin && !org.value.trim()) {
      fill(summary, h("p", { class: "muted" }, bi(...pair("money.choose_org"))));
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
        h("li", { class: "total", dataset: { testid: "balance-owed", value: b.owed_fen } }, h("span", { class: "total-value" }, yuan(b.owed_fen)), h("span", { class: "total-label" }, withEn("money.owed", { gap: true }))),
        h("li", { class: "total", dataset: { testid: "balance-paid", value: b.paid_out_fen } }, h("span", { class: "total-value" }, yuan(b.paid_out_fen)), h("span", { class: "total-label" }, withEn("money.paid_out", { gap: true }))),
        h("li", { class: "total total-key", dataset: { testid: "balance-outstanding", value: b.outstanding_fen } }, h("span", { class: "total-value" }, yuan(b.outstanding_fen)), h("span", { class: "total-label" }, withEn("money.outstanding", { gap: true })))),
      h("section", { class: "card" }, h("h3", {}, bi(...pair("money.payouts"))),
        listOf(r).length ? h("div", { class: "table-wrap" }, h("table", { class: "table", dataset: { testid: "payout-list" } },
          h("thead", {}, h("tr", {}, h("th", {}, both("money.date")), h("th", { class: "num" }, both("money.amount")), h("th", {}, both("money.bank_reference")), h("th", {}, both("money.note")))),
          h("tbody", {}, listOf(r).map((p) => h("tr", { dataset: { testid: "payout", reference: p.bank_reference } },
            h("td", {}, p.paid_on), h("td", { class: "num" }, yuan(p.amount_fen)), h("td", {}, h("code", {}, p.bank_reference)), h("td", {}, p.note || ""))))))
          : h("p", { class: "empty" }, bi(...pair("money.empty")))));
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
  } }, `⬇ ${zh("money.statement")} CSV · ${en("money.statement")}`);

  let payoutForm = null;
  if (admin) {
    const formMessages = slot("payout-error");
    const amount = input("amount", { inputmode: "decimal", placeholder: "1000.00" });
    const reference = input("bank_reference", { placeholder: "CMB20261122-0001" });
    const paidOn = input("paid_on", { type: "date", value: when(new Date().toISOString()).slice(0, 10) });
    const note = input("note");
    payoutForm = h("form", { class: "card", novalidate: true, dataset: { testid: "payout-form" } },
      h("h3", {}, bi(...pair("money.record_title"))),
      h("p", { class: "small muted" }, withEn("money.record_note")),
      h("div", { class: "grid2" },
        field({ key: "money.amount_yuan", name: "amount_fen", input: amount, required: true }),
        field({ key: "money.bank_reference", name: "bank_reference", input: reference, required: true }),
        field({ key: "money.paid_on", name: "paid_on", input: paidOn, required: true }),
        field({ key: "money.note", name: "note", input: note })),
      formMessages,
      h("div", { class: "actions" }, h("button", { type: "submit", class: "btn btn-primary", dataset: { testid: "record-payout" } }, inline("money.record"))));
    payoutForm.addEventListener("submit", (e) => {
      e.preventDefault();
      submitting(payoutForm, formMessages, async () => {
        const fen = fenFromYuan(amount.value);
        if (fen === null || fen === 0) {
          throw Object.assign(new ApiError(422, "validation_error", both("money.amount_invalid")),
            { fields: { amount_fen: [dotted("money.amount_example", { example: "1000.00" })] } });
        }
        // The organisation typed now (not the one shown last), so a payout never lands on the wrong owner.
        const organization = org.value.trim();
        if (!organization) throw Object.assign(new ApiError(422, "validation_error", both("money.org_required")), { fields: {} });
        const r = await api("POST", "/payouts", { body: { organization, amount_fen: fen, bank_reference: reference.value.trim(), paid_on: paidOn.value, note: note.value.trim() || null } });
        showOk(formMessages, `${zh("money.recorded", { amount: yuan(r.amount_fen), reference: r.bank_reference })}${both("money.outstanding")}: ${yuan(r.balance?.outstanding_fen)}`);
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
    h("div", { class: "page-head" }, h("h1", {}, bi(...pair("money.title")))),
    h("p", { class: "lead" }, withEn("money.intro")),
    admin ? h("form", { class: "toolbar", dataset: { testid: "org-form" }, onsubmit: (e) => { e.preventDefault(); load(); } },
      field({ key: "money.org", name: "organization", input: org }), orgOptions,
      h("button", { type: "submit", class: "btn btn-small", dataset: { testid: "load-org" } }, inline("money.show"))) : null,
    messages, summary,
    h("div", { class: "toolbar" }, field({ key: "money.month", name: "month", input: month }), statementButton),

    payoutForm);
  await load();
}

