// A scenario's venue-staff tab: who is assigned to it (they may see its doors and print posters).
import { api, listOf } from "./api.js";
import { bi, both, field, fill, h, inline, input, pair, showError, slot, submitting, withEn } from "./ui.js";

export async function renderAssignments(root, ctx) {
  const messages = slot("assignments-error");
  const listBox = h("div", {});
  const path = `/scenarios/${encodeURIComponent(ctx.code)}/assignments`;
  const refresh = async () => {
    try {
      const rows = listOf(await api("GET", path));
      if (!ctx.alive()) return;
      fill(listBox, rows.length ? h("ul", { class: "people", dataset: { testid: "assignment-list" } }, rows.map((r) => h("li", { dataset: { testid: "assignment", email: r.email } },
        h("span", {}, h("strong", {}, r.name), " ", h("span", { class: "muted" }, r.email)),
        h("button", { type: "button", class: "btn btn-link btn-small remove-item", dataset: { testid: "unassign" }, onclick: async (e) => {
          e.currentTarget.disabled = true;
          try {
            await api("DELETE", `${path}/${r.staff_id}`);
          } catch (error) {
            showError(messages, error);
          }
          refresh();
        } }, both("staff.unassign")))))
        : h("p", { class: "empty" }, bi(...pair("staff.empty"))));
    } catch (error) {
      showError(messages, error);
    }
  };
  const email = input("email", { type: "email", placeholder: "venue@example.com" });
  const form = h("form", { class: "card", novalidate: true, dataset: { testid: "assign-form" } },
    h("h3", {}, bi(...pair("staff.assign_title"))),
    h("p", { class: "small muted" }, withEn("staff.note")),
    field({ key: "staff.email", name: "email", input: email, required: true }),
    messages,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "btn btn-primary", dataset: { testid: "assign" } }, inline("staff.assign"))));

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    submitting(form, messages, async () => {
      await api("POST", path, { body: { email: email.value.trim() } });
      email.value = "";
      await refresh();
    });
  });
  fill(root, listBox, form);
  await refresh();
}

