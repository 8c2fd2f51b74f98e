// Money and China time, shared by the guest preview and the staff console. Money is integer fen and
// stays integer here (no float division); times are shown in Asia/Shanghai, the product's time zone,
// whatever the browser's own zone or language.

const groups = new Intl.NumberFormat("zh-CN", { maximumFractionDigits: 0 });

/** Integer fen -> "¥1,234.50" (grouped whole yuan, two-digit fen); "–" when there is no amount. */
export function yuan(fen) {
  if (fen === null || fen === undefined) return "–";
  const negative = fen < 0;
  const abs = Math.abs(Math.trunc(fen));
  return `${negative ? "-" : ""}¥${groups.format(Math.floor(abs / 100))}.${String(abs % 100).padStart(2, "0")}`;
}

/** "1234.5" (yuan as typed) -> 123450 fen, exactly; null when it is not an amount (at most two decimals). */
export function fenFromYuan(text) {
  const m = /^\s*(-)?(\d{1,12})(?:\.(\d{1,2}))?\s*$/.exec(String(text));
  if (!m) return null;
  const fen = Number(m[2]) * 100 + Number((m[3] || "").padEnd(2, "0"));
  return m[1] ? -fen : fen;
}

const china = new Intl.DateTimeFormat("en-GB", {
  timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
  minute: "2-digit", second: "2-digit", hourCycle: "h23",
});

/** An instant's year, month, day, hour, minute and second (two digits each) in China time; null if invalid. */
function chinaParts(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return null;
  return Object.fromEntries(china.formatToParts(d).map((p) => [p.type, p.value]));
}

/**
 * ISO time -> "2021-09-07 09:00" in China time, the same in every language.
 * {time: false} gives the day alone ("2021-09-07"), {seconds: true} "2021-09-07 09:00:05".
 * "" for no time; an unreadable one is shown as it came.
 */
export function when(iso, { time = true, seconds = false } = {}) {
  if (!iso) return "";
  const p = chinaParts(iso);
  if (!p) return iso;
  const day = `${p.year}-${p.month}-${p.day}`;
  return time ? `${day} ${p.hour}:${p.minute}${seconds ? `:${p.second}` : ""}` : day;
}

/** ISO -> the value of an <input type="datetime-local"> in China time ("" for none). */
export function toLocalInput(iso) {
  if (!iso) return "";
  const p = chinaParts(iso);
  return p ? `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}` : "";
}

/** An <input type="datetime-local"> value (China time) -> ISO with +08:00, or null when empty. */
export function fromLocalInput(value) {
  if (!value) return null;
  return `${value.length === 16 ? `${value}:00` : value}+08:00`;
}
