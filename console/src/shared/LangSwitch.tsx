import { Button } from "antd";
import { useI18n } from "../i18n/i18n";

export function LangSwitch() {
  const { t, lang, setLang } = useI18n();
  return (
    <Button type="link" size="small" onClick={() => setLang(lang === "zh-CN" ? "en-US" : "zh-CN")}>
      {t("lang_switch")}
    </Button>
  );
}
