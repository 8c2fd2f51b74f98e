// The console's strings from the one catalogue (app/translations/<lang>/LC_MESSAGES/messages.po): `make i18n`
// writes app/static/i18n/<lang>.json, whose "console" part this loads. The console shows Chinese first and
// English beside it, so both are loaded once, before any page module draws. Every text the console writes
// is asked for here by its key (app/ui_strings.py's CONSOLE); no page module writes Chinese or English itself.
const load = async (lang) => {
  const response = await fetch(`/static/i18n/${lang}.json`, { headers: { Accept: "application/json" } });
  return response.ok ? (await response.json()).console || {} : {};
};
const [ZH, EN] = await Promise.all([load("zh"), load("en")]);

/** `{name}` placeholders filled from vars, as the preview's t() does; unknown names are left as they are. */
function format(text, vars) {
  return vars ? text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m)) : text;
}

/** [Chinese, English] of a console key: pair("roles.admin") -> ["平台管理员", "Platform admin"];
 * pair("dashboard.leaderboard", {n: 10}) fills the placeholders of both. */
export function pair(key, vars) {
  return [format(ZH[key] ?? EN[key] ?? key, vars), format(EN[key] ?? key, vars)];
}

/** The Chinese alone, where the page shows no English beside it (an image's alt, a unit after a number). */
export function zh(key, vars) {
  return pair(key, vars)[0];
}

/** The English alone. */
export function en(key, vars) {
  return pair(key, vars)[1];
}

/** Both as one plain text, Chinese first: both("common.loading") -> "加载中… Loading…" (options, buttons, prompts). */
export function both(key, vars, sep = " ") {
  return pair(key, vars).join(sep);
}

/** Both with a middle dot between them: dotted("chart.empty") -> "暂无数据 · No data yet". */
export function dotted(key, vars) {
  return both(key, vars, " · ");
}
