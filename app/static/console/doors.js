// A scenario's doors tab: its entrances, the QR poster of each (PNG or PDF), adding and removing doors.
import { api, listOf } from "./api.js";
import { can, me } from "./session.js";
import { bi, download, field, fill, h, input, select, showError, slot, submitting } from "./ui.js";

const PAPERS = [["a4", "A4"], ["a5", "A5"], ["tent", "桌牌 Table tent"]];

export async function renderDoors(root, ctx) {
  const role = me().role;
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

