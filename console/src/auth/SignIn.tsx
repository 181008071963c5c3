import { Alert, Button, Form, Input, Space } from "antd";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { api, unwrap } from "../api/client";
import { errorText } from "../api/errors";
import { useI18n } from "../i18n/i18n";
import { LangSwitch } from "../shared/LangSwitch";
import { startSession } from "./session";

interface Credentials {
  username: string;
  password: string;
}

/** Only a path of this console: never a link elsewhere after signing in. */
export function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/login") ? next : "/";
}

export default function SignIn() {
  const { t, lang } = useI18n();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const expired = params.get("expired") === "1";
  // While the user types, fetch the screen most of them open next: it is ready on sign-in.
  useEffect(() => {
    void import("../areas/vouchers/VoucherSearch");
  }, []);

  async function submit(values: Credentials) {
    setBusy(true);
    setError(null);
    try {
      const token = await unwrap(api.POST("/api/v1/auth/login", { body: values }));
      startSession(token.access_token, token.expires_in);
      client.clear();
      navigate(safeNext(params.get("next")), { replace: true });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div style={{ minHeight: "100vh", display: "grid", placeItems: "center", background: "#f0f2f5" }}>
      <main className="kefu-card" style={{ width: 380 }}>
        <header style={{ display: "flex", justifyContent: "space-between", alignItems: "center" }}>
          <h1 style={{ fontSize: 18, margin: "0 0 16px" }}>{t("app_title")}</h1>
          <LangSwitch />
        </header>
        <Space direction="vertical" style={{ width: "100%" }}>
          {expired && <Alert type="warning" showIcon message={t("signed_out_expired")} />}
          {error !== null && <Alert type="error" showIcon message={errorText(error, lang)} role="alert" />}
          <Form<Credentials> layout="vertical" onFinish={submit} requiredMark={false}>
            <Form.Item label={t("username")} name="username" rules={[{ required: true, message: t("username_required") }]}>
              <Input autoComplete="username" autoFocus />
            </Form.Item>
            <Form.Item label={t("password")} name="password" rules={[{ required: true, message: t("password_required") }]}>
              <Input.Password autoComplete="current-password" />
            </Form.Item>
            <Button type="primary" htmlType="submit" block loading={busy}>
              {t("sign_in")}
            </Button>
          </Form>
          <Link to="/board">{t("board")}</Link>
        </Space>
      </main>
    </div>
  );
}
