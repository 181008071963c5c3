import { Tag } from "antd";
import { useI18n } from "../../i18n/i18n";
import { sourceLabel, statusLabel } from "./labels";

export function SourceText({ source }: { source: string }) {
  const { t } = useI18n();
  const key = sourceLabel(source);
  return <>{key ? t(key) : source}</>;
}

export function StatusTag({ status }: { status: string }) {
  const { t } = useI18n();
  const key = statusLabel(status);
  const color = status === "available" ? "green" : status === "used" ? "blue" : status === "voided" ? "red" : "default";
  return <Tag color={color}>{key ? t(key) : status}</Tag>;
}
