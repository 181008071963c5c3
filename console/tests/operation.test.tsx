import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { fireEvent, render, screen } from "@testing-library/react";
import { vi } from "vitest";
import { AuthProvider } from "../src/auth/AuthProvider";
import { startSession } from "../src/auth/session";
import { I18nProvider } from "../src/i18n/i18n";
import { OperationResult } from "../src/areas/vouchers/OperationResult";

const ID = "0b6a5c1e-9d3f-4d1a-8f2e-1c2d3e4f5a6b";
const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

function show(first: { status: "pending" | "succeeded" | "failed"; failure: null | "void_failed" }, onSettled = vi.fn()) {
  startSession("token", 3600);
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <I18nProvider initial="zh-CN">
        <AuthProvider>
          <OperationResult first={{ operation_id: ID, ...first }} type="reversal" onSettled={onSettled} />
        </AuthProvider>
      </I18nProvider>
    </QueryClientProvider>,
  );
  return onSettled;
}

afterEach(() => vi.unstubAllGlobals());

test("a pending operation is polled until it ends, then the lists are refreshed", async () => {
  const polls: string[] = [];
  vi.stubGlobal("fetch", async (request: Request) => {
    const path = new URL(request.url).pathname;
    if (path === "/api/v1/auth/me") return json({ username: "agent", roles: ["agent"], groups: [], routes: [] });
    polls.push(path);
    return json({ operation_id: ID, status: polls.length < 2 ? "pending" : "succeeded", failure: null });
  });
  const onSettled = show({ status: "pending", failure: null });
  expect(screen.getByText("处理中…")).toBeInTheDocument();
  expect(await screen.findByText("操作成功", {}, { timeout: 5000 })).toBeInTheDocument();
  expect(screen.getByText(/泡泡已原路退回/)).toBeInTheDocument();
  expect(polls).toEqual([`/api/v1/operations/${ID}`, `/api/v1/operations/${ID}`]);
  expect(onSettled).toHaveBeenCalled();
});

test("a failed operation offers Retry only to who may retry, and a retry carries a key", async () => {
  const keys: (string | null)[] = [];
  vi.stubGlobal("fetch", async (request: Request) => {
    const path = new URL(request.url).pathname;
    if (path === "/api/v1/auth/me")
      return json({ username: "agent", roles: ["agent"], groups: [], routes: ["POST /api/v1/operations/{operation_id}/retry"] });
    keys.push(request.headers.get("Idempotency-Key"));
    return json({ operation_id: ID, status: "succeeded", failure: null });
  });
  show({ status: "failed", failure: "void_failed" });
  expect(screen.getByText("操作失败：作废失败")).toBeInTheDocument();
  const retry = await screen.findByRole("button", { name: /重\s?试/ });
  fireEvent.click(retry);
  fireEvent.click(retry);
  expect(await screen.findByText("操作成功")).toBeInTheDocument();
  expect(keys).toHaveLength(1);
  expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
});
