import type { TextKey } from "../../i18n/texts";

export const SOURCES = ["bubble", "telecom_points", "e_coupon"] as const;
export const STATUSES = ["available", "used", "voided", "expired"] as const;

export function sourceLabel(source: string): TextKey | null {
  return (SOURCES as readonly string[]).includes(source) ? (`source_${source}` as TextKey) : null;
}

export function statusLabel(status: string): TextKey | null {
  return (STATUSES as readonly string[]).includes(status) ? (`status_${status}` as TextKey) : null;
}
