import { Alert, Button } from "antd";
import { errorText } from "../api/errors";
import { useI18n } from "../i18n/i18n";

/** A list that could not load: what went wrong, in words, and a way to try again. */
export function ListError({ error, retry }: { error: unknown; retry: () => void }) {
  const { t, lang } = useI18n();
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      message={t("load_failed")}
      description={errorText(error, lang)}
      action={<Button onClick={retry}>{t("retry_load")}</Button>}
      style={{ marginBottom: 16 }}
    />
  );
}
