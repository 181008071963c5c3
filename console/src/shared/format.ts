// Money and times, formatted in one place: yuan with two decimals, the business time zone.

export const BUSINESS_TZ = "Asia/Shanghai";

/** Yuan with two decimals from integer cents (1050 → "¥10.50"), never through a float sum. */
export function yuanFromCents(cents: number): string {
  if (!Number.isInteger(cents)) throw new Error(`cents must be an integer: ${cents}`);
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  const yuan = Math.floor(abs / 100).toLocaleString("en-US");
  return `${sign}¥${yuan}.${String(abs % 100).padStart(2, "0")}`;
}

/** Yuan from the API's decimal string ("10.5" → "¥10.50"); the string is parsed, not floated. */
export function yuan(decimal: string): string {
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(decimal.trim());
  if (!match) return decimal;
  const [, sign, whole, frac = ""] = match;
  return yuanFromCents(Number(`${sign}${whole}${frac.padEnd(2, "0")}`) || 0);
}

const timeFormat = new Intl.DateTimeFormat("sv-SE", {
  timeZone: BUSINESS_TZ,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hour12: false,
});

/** "2018-12-30 10:13:22" in Asia/Shanghai, whatever the browser's own zone. */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return timeFormat.format(at);
}

/** A calendar day as the API sends it ("2018-12-30") stays that day: no zone shift. */
export function day(isoDay: string | null | undefined): string {
  return isoDay ? isoDay.slice(0, 10) : "—";
}

/** A local wall-clock time in Asia/Shanghai ("2026-12-06T18:00") as an aware ISO string. */
export function shanghaiIso(local: string): string {
  const trimmed = local.length === 16 ? `${local}:00` : local;
  return `${trimmed}+08:00`;
}

/** Integer cents from a typed yuan amount ("10.5" → 1050), or null when it is not one. */
export function centsFromYuan(typed: string): number | null {
  const match = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(typed.trim());
  if (!match) return null;
  const [, whole = "0", frac = ""] = match;
  return Number(whole) * 100 + Number(frac.padEnd(2, "0"));
}
