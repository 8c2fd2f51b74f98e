// A scenario's live dashboard: totals, the funnel, participants and kg over time, doors, the leaderboard,
// polled every 10 seconds while the page is visible; CSV exports of orders and certificates.
import { api } from "./api.js";
import { lineChart } from "./chart.js";
import { bi, download, field, fill, h, kg, num, select, showError, slot, when, yuan } from "./ui.js";

const DASHBOARD_POLL_MS = 10_000;
const TOTALS = [
  ["scans", "扫码次数", "Scans", (v) => num(v)],
  ["guests", "扫码人数", "Guests", (v) => num(v)],
  ["participants", "参与人数", "Participants", (v) => num(v)],
  ["neutralized_kg", "已中和", "Neutralised", kg],
  ["certificates", "证书", "Certificates", (v) => num(v)],
  ["amount_fen", "金额", "Amount", yuan],
];
const FUNNEL = [["scanned", "扫码", "Scanned"], ["computed", "计算", "Computed"], ["ordered", "下单", "Ordered"], ["paid", "支付", "Paid"]];

export async function renderDashboard(root, ctx) {
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
        h("div", { class: "table-wrap" }, h("table", { class: "table table-doors", dataset: { testid: "door-stats" } },
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

