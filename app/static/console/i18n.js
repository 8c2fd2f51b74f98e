// The console's strings from the one catalogue (app/translations/<lang>/LC_MESSAGES/messages.po): `make i18n`
// writes app/static/i18n/<lang>.json, whose "console" part this loads. The console shows Chinese first and
// English beside it, so both are loaded once, before any page module draws.
const load = async (lang) => {
  const response = await fetch(`/static/i18n/${lang}.json`, { headers: { Accept: "application/json" } });
  return response.ok ? (await response.json()).console || {} : {};
};
const [ZH, EN] = await Promise.all([load("zh"), load("en")]);

/** [Chinese, English] of a console key: pair("roles.admin") -> ["平台管理员", "Platform admin"]. */
export function pair(key) {
  return [ZH[key] ?? EN[key] ?? key, EN[key] ?? key];
}
