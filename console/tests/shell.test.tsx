import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, within } from "@testing-library/react";
import { vi } from "vitest";
import { MemoryRouter, Route, Routes, useLocation } from "react-router-dom";
import { AuthProvider } from "../src/auth/AuthProvider";
import { startSession } from "../src/auth/session";
import { I18nProvider } from "../src/i18n/i18n";
import { Shell } from "../src/Shell";

function json(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

function serve(answers: Record<string, () => Response>) {
  vi.stubGlobal("fetch", async (request: Request) => {
    const path = new URL(request.url).pathname;
    const answer = answers[path];
    return answer ? answer() : json(404, { code: "not_found", message: path });
  });
}

function Where() {
  const location = useLocation();
  return <p data-testid="where">{location.pathname + location.search}</p>;
}

function renderAt(path: string) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <I18nProvider initial="zh-CN">
        <MemoryRouter initialEntries={[path]}>
          <AuthProvider>
            <Routes>
              <Route path="/login" element={<Where />} />
              <Route path="*" element={<Shell>the page</Shell>} />
            </Routes>
          </AuthProvider>
        </MemoryRouter>
      </I18nProvider>
    </QueryClientProvider>,
  );
}

const me = (username: string, routes: string[]) => () =>
  json(200, { username, roles: [username], groups: [], routes });

afterEach(() => vi.unstubAllGlobals());

test("the menu lists only what the gateway says the roles may use", async () => {
  startSession("token", 3600);
  serve({
    "/api/v1/auth/me": me("admin", ["GET /api/v1/admin/users", "GET /api/v1/notify/inbox/me", "GET /api/v1/notify/inbox/me/unread-count"]),
    "/api/v1/notify/inbox/me/unread-count": () => json(200, { recipient: "admin", kind: "staff", unread: 3 }),
  });
  renderAt("/vouchers");
  const menu = await screen.findByRole("navigation", { name: "menu" });
  expect(within(menu).getByText("站内信")).toBeInTheDocument();
  expect(within(menu).queryByText("券查询")).toBeNull();
  expect(screen.getByText("您的角色暂无可用的功能")).toBeInTheDocument();
  expect(screen.queryByText("the page")).toBeNull();
  expect(await screen.findByTestId("unread-count")).toHaveTextContent("3");
  expect(screen.getByTestId("user-name")).toHaveTextContent("admin");
});

test("an agent's menu has the vouchers and the page shows", async () => {
  startSession("token", 3600);
  serve({ "/api/v1/auth/me": me("agent", ["GET /api/v1/vouchers", "GET /api/v1/notify/sms"]) });
  renderAt("/vouchers?phone=13800138000");
  const menu = await screen.findByRole("navigation", { name: "menu" });
  expect(within(menu).getByText("券查询")).toBeInTheDocument();
  expect(within(menu).getByText("短信记录")).toBeInTheDocument();
  expect(within(menu).queryByText("验证码查询")).toBeNull();
  expect(screen.getByText("the page")).toBeInTheDocument();
});

test("a refused token sends the user to sign-in with a message and the way back", async () => {
  startSession("old-token", 3600);
  serve({ "/api/v1/auth/me": () => json(401, { code: "token_expired", message: "expired" }) });
  renderAt("/vouchers?phone=13800138000");
  expect(await screen.findByTestId("where")).toHaveTextContent(
    `/login?expired=1&next=${encodeURIComponent("/vouchers?phone=13800138000")}`,
  );
});
