// The signed-in frame: the menu (only what the user's roles may use, from /auth/me), the
// header with the user, roles, unread messages and sign-out, and the return to sign-in
// when the token expires (with a message, and back to this page afterwards).
import { BellOutlined } from "@ant-design/icons";
import { useQuery } from "@tanstack/react-query";
import { Badge, Button, Layout, Menu, Result, Space, Spin, Tag, Typography } from "antd";
import { useEffect, useMemo, type ReactNode } from "react";
import { Link, Navigate, useLocation, useNavigate } from "react-router-dom";
import { api, unwrap, type RouteKey } from "./api/client";
import { useAuth } from "./auth/AuthProvider";
import { currentSession, onSessionExpired, sessionExpired } from "./auth/session";
import { useI18n } from "./i18n/i18n";
import type { TextKey } from "./i18n/texts";
import { LangSwitch } from "./shared/LangSwitch";

interface Entry {
  path: string;
  label: TextKey;
  needs: RouteKey;
}

/** The console's pages and the API route each one opens with; who may call it is the gateway's. */
export const PAGES: Entry[] = [
  { path: "/vouchers", label: "menu_vouchers", needs: "GET /api/v1/vouchers" },
  { path: "/messages/sms", label: "menu_sms", needs: "GET /api/v1/notify/sms" },
  { path: "/messages/code-lookup", label: "menu_code_lookup", needs: "GET /api/v1/notify/sms/latest-code" },
  { path: "/messages/inbox", label: "menu_inbox", needs: "GET /api/v1/notify/inbox/me" },
  { path: "/messages/announcements", label: "menu_announcements", needs: "GET /api/v1/notify/announcements" },
];

function useExpiryReturn() {
  const navigate = useNavigate();
  const location = useLocation();
  const here = location.pathname + location.search;
  useEffect(() => {
    const back = () => navigate(`/login?expired=1&next=${encodeURIComponent(here)}`, { replace: true });
    const stop = onSessionExpired(back);
    const session = currentSession();
    const timer = session ? window.setTimeout(sessionExpired, Math.max(0, session.expiresAt - Date.now())) : 0;
    return () => {
      stop();
      window.clearTimeout(timer);
    };
  }, [navigate, here]);
}

function Unread() {
  const { can } = useAuth();
  const { t } = useI18n();
  const allowed = can("GET /api/v1/notify/inbox/me/unread-count");
  const unread = useQuery({
    queryKey: ["inbox", "unread"],
    queryFn: () => unwrap(api.GET("/api/v1/notify/inbox/me/unread-count")),
    enabled: allowed,
    refetchInterval: 30_000,
  });
  if (!allowed) return null;
  return (
    <Link to="/messages/inbox" aria-label={`${t("inbox")} ${t("unread")} ${unread.data?.unread ?? 0}`}>
      <Badge count={unread.data?.unread ?? 0} size="small" data-testid="unread-count">
        <BellOutlined style={{ fontSize: 18 }} />
      </Badge>
    </Link>
  );
}

export function Shell({ children }: { children: ReactNode }) {
  const { me, loading, can, signOut } = useAuth();
  const { t } = useI18n();
  const location = useLocation();
  const navigate = useNavigate();
  useExpiryReturn();
  const pages = useMemo(() => PAGES.filter((p) => can(p.needs)), [can]);

  if (!currentSession()) {
    return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  }
  if (loading || !me) return <Spin fullscreen tip={t("loading")} />;

  const page = PAGES.find((p) => location.pathname.startsWith(p.path));
  let body = children;
  if (location.pathname === "/") {
    body = pages[0] ? <Navigate to={pages[0].path} replace /> : <Result status="info" title={t("nothing_to_open")} />;
  } else if (page && !can(page.needs)) {
    body = <Result status="403" title={t("nothing_to_open")} />;
  }

  return (
    <Layout style={{ minHeight: "100vh" }}>
      <Layout.Sider width={200} theme="light" breakpoint="lg" collapsedWidth={0}>
        <Typography.Title level={5} style={{ padding: "16px 24px", margin: 0 }}>
          {t("app_title")}
        </Typography.Title>
        <nav aria-label="menu">
          <Menu
            mode="inline"
            selectedKeys={page ? [page.path] : []}
            items={[
              ...pages.map((p) => ({ key: p.path, label: <Link to={p.path}>{t(p.label)}</Link> })),
              { key: "/board", label: <Link to="/board">{t("board")}</Link> },
            ]}
          />
        </nav>
      </Layout.Sider>
      <Layout>
        <Layout.Header style={{ background: "#fff", padding: "0 24px", display: "flex", justifyContent: "flex-end" }}>
          <Space size="middle">
            <Unread />
            <span data-testid="user-name">{me.username}</span>
            <span aria-label={t("roles")}>
              {me.roles.map((r) => (
                <Tag key={r}>{r}</Tag>
              ))}
            </span>
            <LangSwitch />
            <Button
              onClick={() => {
                signOut();
                navigate("/login", { replace: true });
              }}
            >
              {t("sign_out")}
            </Button>
          </Space>
        </Layout.Header>
        <Layout.Content style={{ margin: 16, padding: 16, background: "#fff", minWidth: 0 }}>{body}</Layout.Content>
      </Layout>
    </Layout>
  );
}
