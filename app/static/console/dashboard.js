// A scenario's live dashboard: totals, the funnel, participants and kg over time, doors, the leaderboard,
// polled every 10 seconds while the page is visible; CSV exports of orders and certificates.
import { api } from "./api.js";
import { lineChart } from "./chart.js";
import { bi, both, download, field, fill, h, kg, num, pair, select, showError, slot, when, yuan } from "./ui.js";

const DASHBOARD_POLL_MS = 10_000;
const TOTALS = [
  ["scans", (v) => num(v)],
  ["guests", (v) => num(v)],
  ["participants", (v) => num(v)],
  ["neutralized_kg", kg],
  ["certificates", (v) => num(v)],
  ["amount_fen", yuan],
].map(([key, fmt]) => [key, ...pair(`dashboard.totals.${key}`), fmt]);
const FUNNEL = ["scanned", "computed", "ordered", "paid"].map((key) => [key, ...pair(`dashboard.funnel.${key}`)]);

export async function renderDashboard(root, ctx) {
  const messages = slot("dashboard-error");
  const content = h("div", { dataset: { testid: "dashboard" } }, h("p", { class: "muted" }, both("common.loading")));
  const bucket = select("bucket", [["", both("dashboard.bucket_auto")], ["hour", both("dashboard.bucket_hour")], ["day", both("dashboard.bucket_day")]]);
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
  } }, `⬇ ${both(`dashboard.csv_${name}`)} CSV`);

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
    fill(stamp, `${both("dashboard.updated")} ${when(d.generated_at, { seconds: true })} · ${both("dashboard.auto_refresh", { s: DASHBOARD_POLL_MS / 1000 })}`);
    stamp.dataset.generatedAt = d.generated_at || "";
    fill(content,
      h("ul", { class: "totals" }, TOTALS.map(([key, zh, en, fmt]) => h("li", { class: "total", dataset: { testid: `total-${key}`, value: t[key] ?? "" } },
        h("span", { class: "total-value" }, fmt(t[key] ?? 0)), h("span", { class: "total-label" }, zh, h("span", { class: "en", lang: "en" }, en))))),
      t.event_kg ? h("p", { class: "small muted", dataset: { testid: "total-event-kg" } }, `${both("dashboard.event_kg")}: ${kg(t.event_kg)}`) : null,
      h("div", { class: "dash-grid" },
        h("section", { class: "card" }, h("h3", {}, bi(...pair("dashboard.funnel_title"))),
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
        h("section", { class: "card" }, h("h3", {}, bi(...pair("dashboard.chart_title"))),
          h("div", { class: "legend" }, h("span", { class: "key key-participants" }, `${both("dashboard.totals.participants")}（${both("dashboard.axis_left")}）`),
            h("span", { class: "key key-kg" }, `kg CO₂e（${both("dashboard.axis_right")}）`)),
          lineChart(d.series || [], [
            { key: "participants", label: both("dashboard.totals.participants"), axis: "left", cls: "line-participants", digits: 0 },
            { key: "kg", label: "kg CO₂e", axis: "right", cls: "line-kg", digits: 0 },
          ], { bucket: d.bucket, title: both("dashboard.chart_label") }))),
      h("section", { class: "card" }, h("h3", {}, bi(...pair("dashboard.by_door"))),
        h("div", { class: "table-wrap" }, h("table", { class: "table table-doors", dataset: { testid: "door-stats" } },
          h("thead", {}, h("tr", {}, h("th", {}, both("dashboard.door")), h("th", { class: "num" }, both("dashboard.scans")), h("th", { class: "num" }, both("dashboard.guests")),
            h("th", { class: "num" }, both("dashboard.paid")), h("th", { class: "num" }, "kg"))),
          h("tbody", {}, (d.doors || []).map((door) => h("tr", { dataset: { testid: `door-stats-${door.tag ?? "none"}` } },
            h("td", {}, door.tag ? h("code", {}, door.tag) : h("span", { class: "muted" }, `（${both("dashboard.no_door")}）`), door.label ? ` ${door.label}` : "",
              door.defined === false && door.tag ? h("span", { class: "muted small" }, ` ${both("dashboard.undefined_door")}`) : null),
            h("td", { class: "num", dataset: { testid: "scans" } }, num(door.scans)),
            h("td", { class: "num", dataset: { testid: "guests" } }, num(door.guests)),
            h("td", { class: "num", dataset: { testid: "paid" } }, num(door.paid_guests)),
            h("td", { class: "num", dataset: { testid: "kg" } }, num(door.kg, 1)))))))),
      h("section", { class: "card" }, h("h3", {}, bi(...pair("dashboard.leaderboard", { n: 10 }))),
        (d.leaderboard || []).length ? h("ol", { class: "board", dataset: { testid: "leaderboard" } }, d.leaderboard.map((row) => h("li", {},
          h("span", { class: "rank" }, `#${row.rank}`), h("span", { class: "name" }, row.name), h("span", { class: "kg" }, kg(row.kg)))))
          : h("p", { class: "empty" }, bi(...pair("dashboard.board_empty")))));
  }

  fill(root,
    h("div", { class: "toolbar" }, field({ key: "dashboard.bucket", name: "bucket", input: bucket }),
      h("button", { type: "button", class: "btn btn-small", dataset: { testid: "dashboard-refresh" }, onclick: () => load() }, `↻ ${both("dashboard.refresh")}`),

      csv("orders"), csv("certificates"), stamp),
    messages, content);
  await load();
  schedule();
}

