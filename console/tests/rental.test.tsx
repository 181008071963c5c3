import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, within } from "@testing-library/react";
import type { ReactNode } from "react";
import { MemoryRouter } from "react-router-dom";
import { vi } from "vitest";
import type { RouteKey } from "../src/api/client";
import { startSession } from "../src/auth/session";
import { downloadCsv, PROGRESS_EVERY_MS, progressFeed, type Progress } from "../src/areas/rental/csvDownload";
import { ACCOUNT_ROUTES, offered, USER_ROUTES } from "../src/areas/rental/labels";
import { BarChart } from "../src/areas/rental/Statistics";
import { UserActions } from "../src/areas/rental/UserDetail";
import { AuthProvider } from "../src/auth/AuthProvider";
import { I18nProvider } from "../src/i18n/i18n";

afterEach(() => vi.unstubAllGlobals());

test("a user's buttons are the API's actions the user's roles may also call", () => {
  const all = () => true;
  expect(offered(["blacklist", "delete"], USER_ROUTES, all)).toEqual(["blacklist", "delete"]);
  expect(offered([], USER_ROUTES, all)).toEqual([]);
  const agent = (r: RouteKey) => r !== "POST /api/v1/rental/users/{user_id}/delete";
  expect(offered(["status_fix", "blacklist", "delete"], USER_ROUTES, agent)).toEqual(["status_fix", "blacklist"]);
  const noDeposit = (r: RouteKey) => r !== "POST /api/v1/rental/accounts/{user_id}/deposit";
  expect(offered(["top_up", "change_deposit", "freeze_card"], ACCOUNT_ROUTES, noDeposit)).toEqual(["top_up", "freeze_card"]);
});

test("a CSV read as a stream reports bytes and rows as they arrive, the header not a row", async () => {
  startSession("token", 3600);
  const parts = ["\ufeffid,kind\n1,top_up\n", "2,top_up\n3,refund_paid\n"].map((p) => new TextEncoder().encode(p));
  const seen: Request[] = [];
  vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
    seen.push(new Request(`http://x${url}`, init));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const p of parts) controller.enqueue(p);
        controller.close();
      },
    });
    return new Response(body, { status: 200, headers: { "Content-Disposition": 'attachment; filename="f.csv"' } });
  });
  URL.createObjectURL = vi.fn(() => "blob:x");
  URL.revokeObjectURL = vi.fn();
  const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => undefined);
  const updates: Progress[] = [];
  const done = await downloadCsv("/api/v1/rental/fund-flows/export.csv?date_from=2026-12-01", (p) => updates.push(p));
  expect(done).toEqual({ bytes: parts[0]!.byteLength + parts[1]!.byteLength, rows: 3, done: true });
  // the first chunk at once, the next within PROGRESS_EVERY_MS not drawn, the end always
  expect(updates.map((u) => u.rows)).toEqual([1, 3]);
  expect(updates.at(-1)?.done).toBe(true);
  expect(seen[0]?.headers.get("Authorization")).toBe("Bearer token");
  expect(click).toHaveBeenCalledOnce(); // saved once, complete
});

test("a long stream's progress is drawn at most every PROGRESS_EVERY_MS, every row counted", async () => {
  startSession("token", 3600);
  const encode = (s: string) => new TextEncoder().encode(s);
  const lines = encode("1,top_up,100\n".repeat(100));
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encode("id,kind,amount\n"));
      for (let i = 0; i < 2000; i += 1) controller.enqueue(lines);
      controller.close();
    },
  });
  vi.stubGlobal("fetch", async () => new Response(body, { status: 200 }));
  URL.createObjectURL = vi.fn(() => "blob:x");
  URL.revokeObjectURL = vi.fn();
  vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => undefined);
  const feed = progressFeed();
  const drawn: (Progress | null)[] = [];
  feed.subscribe(() => drawn.push(feed.get()));
  const started = performance.now();
  const done = await downloadCsv("/x", feed.set);
  const took = performance.now() - started;
  expect(done.rows).toBe(200_000);
  expect(drawn.at(-1)).toEqual({ bytes: done.bytes, rows: 200_000, done: true });
  // 2,001 chunks: the first drawn at once, then one per interval at most, and the end
  expect(drawn.length).toBeLessThanOrEqual(Math.ceil(took / PROGRESS_EVERY_MS) + 2);
  expect(drawn.length).toBeLessThan(200);
});

test("a refused export says why, in the server's code", async () => {
  vi.stubGlobal("fetch", async () => new Response(JSON.stringify({ code: "invalid_date_range", message: "x" }), { status: 422 }));
  await expect(downloadCsv("/x", () => undefined)).rejects.toMatchObject({ code: "invalid_date_range", status: 422 });
});

test("the daily chart draws one bar per day and figure, scaled to the largest", () => {
  render(
    <I18nProvider initial="zh-CN">
      <BarChart
        days={[
          { day: "2026-12-01", rentals: 10, returns: 5, new_users: 0 },
          { day: "2026-12-02", rentals: 20, returns: 20, new_users: 2 },
        ]}
      />
    </I18nProvider>,
  );
  const chart = screen.getByTestId("stat-chart");
  const bars = chart.querySelectorAll("rect");
  expect(bars).toHaveLength(6);
  const heights = Array.from(bars, (b) => Number(b.getAttribute("height")));
  expect(heights[3]).toBe(Math.max(...heights)); // 20 rentals on the 2nd: the tallest
  expect(heights[2]).toBe(0);
  expect(screen.getByText("新增用户")).toBeInTheDocument();
});

function signedInAs(routes: string[], children: ReactNode) {
  startSession("token", 3600);
  vi.stubGlobal("fetch", async (request: Request) =>
    new URL(request.url).pathname === "/api/v1/auth/me"
      ? new Response(JSON.stringify({ username: "agent", roles: ["agent"], groups: [], routes }), { status: 200 })
      : new Response("{}", { status: 404 }),
  );
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <I18nProvider initial="zh-CN">
        <MemoryRouter>
          <AuthProvider>{children}</AuthProvider>
        </MemoryRouter>
      </I18nProvider>
    </QueryClientProvider>,
  );
}

const user = {
  user_id: "U1",
  phone: "138****8000",
  name: "张三",
  card_type: "standard",
  registered_at: "2026-12-01T10:00:00+08:00",
  status: "idle" as const,
  blacklisted: true,
  blacklisted_at: "2026-12-02T10:00:00+08:00",
  blacklist_reason: "x",
  blacklisted_by: "agent",
  deleted: false,
  deleted_at: null,
  deleted_by: null,
  delete_reason: null,
  latest_order: null,
  records: [],
};

test("a user's detail shows the offered commands its user may call, and no others", async () => {
  signedInAs(
    ["POST /api/v1/rental/users/{user_id}/blacklist/restore", "POST /api/v1/rental/users/{user_id}/blacklist"],
    <UserActions user={{ ...user, actions: ["restore_from_blacklist", "delete"] }} />,
  );
  const area = await screen.findByTestId("user-actions");
  await within(area).findByRole("button", { name: "恢复（移出黑名单）" });
  // delete is offered but the gateway would refuse this user the route; blacklist is not offered
  expect(within(area).getAllByRole("button")).toHaveLength(1);
});

test("with nothing offered the detail says so", async () => {
  signedInAs(["POST /api/v1/rental/users/{user_id}/blacklist"], <UserActions user={{ ...user, actions: [] }} />);
  expect(await screen.findByTestId("no-user-actions")).toHaveTextContent("当前没有可办理的操作");
});
