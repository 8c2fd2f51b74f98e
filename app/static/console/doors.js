// A scenario's doors tab: its entrances, the QR poster of each (PNG or PDF), adding and removing doors.
import { api, listOf } from "./api.js";
import { can, me } from "./session.js";
import { bi, both, download, field, fill, h, inline, input, pair, select, showError, slot, submitting, withEn } from "./ui.js";

const PAPERS = [["a4", "A4"], ["a5", "A5"], ["tent", both("doors.paper_tent")]];
const LANGS = ["zh", "en", "fr", "hi", "bn", "sw"].map((code) => [code, both(`langs.${code}`)]);
// The poster's second lines: by default English under Chinese and Chinese under the others (the API's rule).
const SECONDS = [["", both("doors.second_default")], ["none", both("doors.second_none")], ...LANGS];

export async function renderDoors(root, ctx) {
  const role = me().role;
  const messages = slot("doors-error");
  const listBox = h("div", {});
  const paper = select("paper", PAPERS);
  const lang = select("poster-lang", LANGS);
  const second = select("poster-second", SECONDS);
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
        { paper: paper.value, lang: lang.value, ...(second.value ? { second: second.value } : {}) },
        `${ctx.code}-${door.tag}-${paper.value}.${ext}`);
    } catch (error) {
      showError(messages, error);
    } finally {
      button.disabled = false;
    }
  }

  async function remove(button, door) {
    if (!confirm(both("doors.remove_confirm", { tag: door.tag }, "\n"))) return;
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
        h("p", { class: "small muted door-link" }, h("span", {}, `${both("doors.link")}: `), h("code", { dataset: { testid: "door-link" } }, d.link)),
        h("p", { class: "small muted" }, h("span", {}, `${both("doors.scene")}: `), h("code", {}, d.scene))),
      h("div", { class: "door-actions" },
        h("button", { type: "button", class: "btn btn-small", dataset: { testid: "poster-png" }, onclick: (e) => poster(e.currentTarget, d, "png") }, "⬇ PNG"),
        h("button", { type: "button", class: "btn btn-small", dataset: { testid: "poster-pdf" }, onclick: (e) => poster(e.currentTarget, d, "pdf") }, "⬇ PDF"),
        can.manageScenarios(role) ? h("button", { type: "button", class: "btn btn-link btn-small remove-item", dataset: { testid: "remove-door" }, onclick: (e) => remove(e.currentTarget, d) }, both("common.remove")) : null))))
      : h("p", { class: "empty" }, bi(...pair("doors.empty"))));
  }

  let addForm = null;
  if (can.manageScenarios(role)) {
    const addMessages = slot("add-door-error");
    const tag = input("tag", { placeholder: "door3", pattern: "[A-Za-z0-9_-]{1,24}" });
    const label = input("label", { placeholder: both("doors.label_example") });
    addForm = h("form", { class: "card", novalidate: true, dataset: { testid: "add-door-form" } },
      h("h3", {}, bi(...pair("doors.add"))),
      h("div", { class: "grid2" }, field({ key: "doors.tag", name: "tag", input: tag, required: true }), field({ key: "doors.label", name: "label", input: label })),
      addMessages,
      h("div", { class: "actions" }, h("button", { type: "submit", class: "btn btn-primary", dataset: { testid: "add-door" } }, inline("common.add"))));
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
    h("p", { class: "lead" }, withEn("doors.intro")),
    h("div", { class: "toolbar" }, field({ key: "doors.paper", name: "paper", input: paper }),
      field({ key: "doors.poster_lang", name: "poster-lang", input: lang }),
      field({ key: "doors.poster_second", name: "poster-second", input: second })),

    messages, listBox, addForm);
  draw();
  refresh();
}

