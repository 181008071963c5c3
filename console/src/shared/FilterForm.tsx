// Pieces every filter form shares: the "to" date not before the "from" date, and the
// Search / Reset buttons.
import { Button, Space } from "antd";
import type { FormRule } from "antd";
import { useI18n } from "../i18n/i18n";

/** The end of a date range may not come before its start (both optional). */
export function notBefore(fromField: string, message: string): FormRule {
  return ({ getFieldValue }) => ({
    validator(_, to?: string) {
      const from = getFieldValue(fromField) as string | undefined;
      return !to || !from || from <= to ? Promise.resolve() : Promise.reject(new Error(message));
    },
  });
}

export function SearchButtons({ onReset }: { onReset: () => void }) {
  const { t } = useI18n();
  return (
    <Space>
      <Button type="primary" htmlType="submit">
        {t("search")}
      </Button>
      <Button onClick={onReset}>{t("reset")}</Button>
    </Space>
  );
}
