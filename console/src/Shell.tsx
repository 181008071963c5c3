// The signed-in frame: the menu (only what the user's roles may use, from /auth/me), the
// header with the user, roles, unread messages and sign-out, and the return to sign-in
// when the token expires (with a message, and back to this page afterwards).
import { BellOutlined } from "@ant-design/icons";
import { useQuery } from "@tanstack/react-query";
import { Button, Space, Spin, Tag } from "antd";
import { useEffect, useMemo, useSyncExternalStore, type ReactNode } from "react";
import { Link, NavLink, Navigate, useLocation } from "react-router-dom";
import { api, unwrap, type RouteKey } from "./api/client";
import { useAuth } from "./auth/AuthProvider";
import { currentSession, currentToken, howEnded, onSessionChange, sessionExpired } from "./auth/session";
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
  { path: "/refunds/queue", label: "menu_refund_queue", needs: "GET /api/v1/refunds/forms/queue" },
  { path: "/refunds/forms", label: "menu_refund_forms", needs: "GET /api/v1/refunds/forms" },
  { path: "/refunds/payouts", label: "menu_refund_payouts", needs: "GET /api/v1/refunds/payouts/attention" },
  { path: "/rental/users", label: "menu_r_users", needs: "GET /api/v1/rental/users" },
  { path: "/rental/orders", label: "menu_r_orders", needs: "GET /api/v1/rental/orders" },
  { path: "/rental/accounts", label: "menu_r_accounts", needs: "GET /api/v1/rental/accounts" },
  { path: "/rental/fund-flows", label: "menu_r_fund_flows", needs: "GET /api/v1/rental/fund-flows" },
  { path: "/rental/feedback", label: "menu_r_feedback", needs: "GET /api/v1/rental/feedback" },
  { path: "/rental/insurance", label: "menu_r_insurance", needs: "GET /api/v1/rental/insurance-applications" },
  { path: "/rental/guide", label: "menu_r_guide", needs: "GET /api/v1/rental/guide" },
  { path: "/rental/statistics", label: "menu_r_statistics", needs: "GET /api/v1/rental/statistics/daily" },
  // refund reports and after-sales screens
  { path: "/refunds/handovers", label: "menu_refund_handovers", needs: "GET /api/v1/refunds/handovers" },
  { path: "/refunds/reports", label: "menu_refund_reports", needs: "GET /api/v1/refunds/reports/monthly-statistics" },
  { path: "/aftersales/tickets", label: "menu_aftersales_tickets", needs: "GET /api/v1/aftersales/tickets" },
  { path: "/aftersales/activation", label: "menu_aftersales_activation", needs: "GET /api/v1/aftersales/activations" },
];

/** How many forms wait on me (the queue's total), shown beside its menu entry. */
function QueueCount() {
  const { can } = useAuth();
  const { t } = useI18n();
  const allowed = can("GET /api/v1/refunds/forms/queue");
  const queue = useQuery({
    queryKey: ["refunds", "queue", "count"],
    queryFn: () => unwrap(api.GET("/api/v1/refunds/forms/queue", { params: { query: { limit: 200 } } })),
    enabled: allowed,
    refetchInterval: 30_000,
  });
  const count = queue.data?.total ?? queue.data?.items.length ?? 0;
  if (!allowed || count === 0) return null;
  return (
    <span className="kefu-count" data-testid="queue-count" aria-label={`${t("menu_refund_queue")} ${count}`}>
      {queue.data?.has_more && queue.data.total == null ? `${count}+` : count}
    </span>
  );
}

/** The token's own end: the session expires then, even if no request finds out first. */
function useExpiryTimer(token: string | null) {
  useEffect(() => {
    const session = currentSession();
    if (!session) return undefined;
    // setTimeout holds at most about 24.8 days; a token lives far less.
    const timer = window.setTimeout(sessionExpired, Math.min(2 ** 31 - 1, Math.max(0, session.expiresAt - Date.now())));
    return () => window.clearTimeout(timer);
  }, [token]);
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
      <span className="kefu-bell">
        <BellOutlined style={{ fontSize: 18 }} />
        {(unread.data?.unread ?? 0) > 0 && (
          <span className="kefu-count" data-testid="unread-count">
            {unread.data?.unread}
          </span>
        )}
      </span>
    </Link>
  );
}

/** A page the user's roles do not open (the menu does not offer it; a typed link may). */
function Notice({ text }: { text: string }) {
  return (
    <p role="status" style={{ padding: 48, textAlign: "center", fontSize: 16, color: "rgba(0,0,0,0.65)" }}>
      {text}
    </p>
  );
}

export function Shell({ children }: { children: ReactNode }) {
  const { me, loading, can, signOut } = useAuth();
  const { t } = useI18n();
  const location = useLocation();
  const token = useSyncExternalStore(onSessionChange, currentToken);
  useExpiryTimer(token);
  const pages = useMemo(() => PAGES.filter((p) => can(p.needs)), [can]);

  if (token === null) {
    // Back to sign-in: after signing out, plainly; else (expired, or never signed in) with
    // the way back to this page, and a message if the session expired.
    const how = howEnded();
    if (how === "signed_out") return <Navigate to="/login" replace />;
    const why = how === "expired" ? "expired=1&" : "";
    return <Navigate to={`/login?${why}next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  }
  if (loading || !me) return <Spin fullscreen tip={t("loading")} />;

  const page = PAGES.find((p) => location.pathname.startsWith(p.path));
  let body = children;
  if (location.pathname === "/") {
    body = pages[0] ? <Navigate to={pages[0].path} replace /> : <Notice text={t("nothing_to_open")} />;
  } else if (page && !can(page.needs)) {
    body = <Notice text={t("nothing_to_open")} />;
  }

  return (
    <div className="kefu-frame">
      <aside className="kefu-side">
        <h1 style={{ fontSize: 16, padding: "16px 24px", margin: 0 }}>{t("app_title")}</h1>
        <nav aria-label="menu">
          <ul className="kefu-menu">
            {[...pages, { path: "/board", label: "board" as const }].map((p) => (
              <li key={p.path}>
                <NavLink to={p.path}>
                  {t(p.label)} {p.path === "/refunds/queue" && <QueueCount />}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
      </aside>
      <div className="kefu-main">
        <header className="kefu-header">
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
              onClick={signOut}
            >
              {t("sign_out")}
            </Button>
          </Space>
        </header>
        <main className="kefu-content">{body}</main>
      </div>
    </div>
  );
}
