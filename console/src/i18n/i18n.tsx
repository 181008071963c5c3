import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";
import { en, zh, type TextKey } from "./texts";

export type Lang = "zh-CN" | "en-US";
const STORAGE = "kefu.lang";

export function storedLang(): Lang {
  return localStorage.getItem(STORAGE) === "en-US" ? "en-US" : "zh-CN";
}

// Labels registered by the screens that load them (rentalTexts.ts, reportsTexts.ts, refundTexts.ts, messagesTexts.ts).
const loaded: Record<Lang, Record<string, string>> = { "zh-CN": {}, "en-US": {} };

export function registerTexts(zhTable: Record<string, string>, enTable: Record<string, string>): void {
  Object.assign(loaded["zh-CN"], zhTable);
  Object.assign(loaded["en-US"], enTable);
}

export function textOf(lang: Lang, key: TextKey): string {
  const own: Record<string, string> = lang === "en-US" ? en : zh;
  return own[key] ?? loaded[lang][key] ?? key;
}

interface I18n {
  lang: Lang;
  t: (key: TextKey) => string;
  setLang: (lang: Lang) => void;
}

const Context = createContext<I18n>({
  lang: "zh-CN",
  t: (key) => textOf("zh-CN", key),
  setLang: () => undefined,
});

export function I18nProvider({ children, initial }: { children: ReactNode; initial?: Lang }) {
  const [lang, setLangState] = useState<Lang>(initial ?? storedLang());
  const setLang = useCallback((next: Lang) => {
    localStorage.setItem(STORAGE, next);
    document.documentElement.lang = next;
    setLangState(next);
  }, []);
  const value = useMemo(() => ({ lang, setLang, t: (key: TextKey) => textOf(lang, key) }), [lang, setLang]);
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

export function useI18n(): I18n {
  return useContext(Context);
}
