import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { ConfigProvider } from "antd";
import enUS from "antd/locale/en_US";
import zhCN from "antd/locale/zh_CN";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router-dom";
import { ApiError } from "./api/errors";
import App from "./App";
import "./shared/console.css";
import { I18nProvider, useI18n } from "./i18n/i18n";

// Reads are retried on a transient failure only; commands never are (they carry their
// Idempotency-Key and are sent again only by the user's own Retry).
const queries = new QueryClient({
  defaultOptions: {
    queries: {
      retry: (count, error) => count < 2 && error instanceof ApiError && error.transient,
      refetchOnWindowFocus: false,
    },
    mutations: { retry: false },
  },
});

function Localized() {
  const { lang } = useI18n();
  return (
    <ConfigProvider locale={lang === "en-US" ? enUS : zhCN} button={{ autoInsertSpace: false }}>
      <App />
    </ConfigProvider>
  );
}

createRoot(document.getElementById("root") as HTMLElement).render(
  <StrictMode>
    <QueryClientProvider client={queries}>
      <I18nProvider>
        <BrowserRouter>
          <Localized />
        </BrowserRouter>
      </I18nProvider>
    </QueryClientProvider>
  </StrictMode>,
);
