import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { vi } from "vitest";
import { addressLevels, ReviewButtons } from "../src/areas/aftersales/Activation";
import { BATCH_OUTCOMES, REASON_NEEDED, ticketActions } from "../src/areas/aftersales/labels";
import { BatchReviewDialog, ReviewedBy } from "../src/areas/aftersales/Tickets";
import { I18nProvider } from "../src/i18n/i18n";

function json(body: unknown, status = 200) {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

test("the system's 48-hour approval shows as the system, a person by name", () => {
  const { rerender } = render(
    <I18nProvider initial="en-US">
      <ReviewedBy ticket={{ reviewed_by: "system:auto_approval" }} />
    </I18nProvider>,
  );
  expect(screen.getByTestId("auto-approved")).toHaveTextContent("System: approved after 48 hours unreviewed");
  rerender(
    <I18nProvider initial="en-US">
      <ReviewedBy ticket={{ reviewed_by: "rev.li" }} />
    </I18nProvider>,
  );
  expect(screen.queryByTestId("auto-approved")).toBeNull();
  expect(screen.getByText("rev.li")).toBeInTheDocument();
});

test("a batch review sends one outcome and shows each ticket's answer, the refused one in words", async () => {
  const fetch = vi.spyOn(globalThis, "fetch").mockImplementation(async (request) => {
    const body = (await (request as Request).json()) as { ticket_ids: number[]; outcome: string; reason: string | null };
    expect(body).toEqual({ ticket_ids: [1, 2, 3], outcome: "approve_shipment", reason: "同一申请单" });
    expect((request as Request).headers.get("Idempotency-Key")).toBeTruthy();
    return json({
      reviewed: 2,
      refused: 1,
      results: [
        { ticket_id: 1, ok: true, status: "awaiting_receipt", code: null, message: null },
        { ticket_id: 2, ok: false, status: null, code: "ticket_not_reviewable", message: "already reviewed" },
        { ticket_id: 3, ok: true, status: "awaiting_receipt", code: null, message: null },
      ],
    });
  });
  render(
    <QueryClientProvider client={new QueryClient()}>
      <I18nProvider initial="en-US">
        <BatchReviewDialog ids={[1, 2, 3]} open onClose={() => undefined} />
      </I18nProvider>
    </QueryClientProvider>,
  );
  const confirm = () => screen.getByRole("button", { name: "Confirm" });
  expect(confirm()).toBeEnabled(); // approving shipment needs no reason
  fireEvent.change(screen.getByLabelText("Reason"), { target: { value: "同一申请单" } });
  fireEvent.click(confirm());
  expect(await screen.findByTestId("batch-summary")).toHaveTextContent("Reviewed 2 · Refused 1");
  const rows = screen.getAllByRole("row").slice(1);
  expect(rows.map((r) => r.textContent)).toEqual(["1DoneAwaiting the return", "2FailedThe ticket is already reviewed", "3DoneAwaiting the return"]);
  await waitFor(() => expect(fetch).toHaveBeenCalledTimes(1));
  fetch.mockRestore();
});

test("a rejection or a wait for the customer needs its reason; the batch offers the seed's three outcomes", () => {
  expect(REASON_NEEDED).toEqual(["reject", "await_customer"]);
  expect(BATCH_OUTCOMES).toEqual(["approve_shipment", "reject", "customer_gave_up"]);
});

test("the ticket's buttons are the API's actions the user's routes allow", () => {
  const processorOnly = (route: string) => !route.endsWith("/review");
  expect(ticketActions({ actions: ["review", "receive"] }, processorOnly)).toEqual(["receive"]);
  expect(ticketActions({ actions: [] }, () => true)).toEqual([]);
});

test("the address is sent as three names, only once all three levels are chosen", () => {
  expect(addressLevels([{ label: "广东省" }, { label: "深圳市" }, { label: "南山区" }])).toEqual(["广东省", "深圳市", "南山区"]);
  expect(addressLevels([{ label: "广东省" }, { label: "深圳市" }])).toBeNull();
  // a city with no districts in the national list ends the address there
  expect(addressLevels([{ label: "广东省" }, { label: "东莞市", isLeaf: true }])).toEqual(["广东省", "东莞市", ""]);
  expect(addressLevels([{ label: "香港特别行政区", isLeaf: true }])).toEqual(["香港特别行政区", "", ""]);
});

const application = (can_review: boolean) => ({
  seller_id: "S1",
  status: "pending_review" as const,
  return_address: { province: "广东省", city: "深圳市", district: "南山区", street: "科技园路1号", contact_name: "李四", contact_phone: "139****9000" },
  rejection_reason: null,
  submitted_by: "seller.a",
  submitted_at: "2026-12-06T10:00:00+08:00",
  reviewed_by: null,
  reviewed_at: null,
  attempts: 1,
  can_apply_again: false,
  can_review,
});

test("an application shows approve and reject only where the API offers its review", () => {
  const { rerender } = render(
    <I18nProvider initial="en-US">
      <ReviewButtons activation={application(false)} onReviewed={() => undefined} />
    </I18nProvider>,
  );
  expect(screen.queryByRole("button")).toBeNull();
  rerender(
    <I18nProvider initial="en-US">
      <ReviewButtons activation={application(true)} onReviewed={() => undefined} />
    </I18nProvider>,
  );
  expect(screen.getByRole("button", { name: "Approve S1" })).toBeInTheDocument();
  expect(screen.getByRole("button", { name: "Reject S1" })).toBeInTheDocument();
});

test("a rejection is sent with its reason and one Idempotency-Key, then the list is refreshed", async () => {
  const sent: unknown[] = [];
  const fetch = vi.spyOn(globalThis, "fetch").mockImplementation(async (request) => {
    const r = request as Request;
    sent.push({ url: new URL(r.url).pathname, body: await r.json(), key: r.headers.get("Idempotency-Key") !== null });
    return json({ ...application(false), status: "rejected", rejection_reason: "缺少门牌号" });
  });
  const reviewed = vi.fn();
  render(
    <I18nProvider initial="en-US">
      <ReviewButtons activation={application(true)} onReviewed={reviewed} />
    </I18nProvider>,
  );
  fireEvent.click(screen.getByRole("button", { name: "Reject S1" }));
  const ok = await screen.findByRole("button", { name: "Confirm" });
  expect(ok).toBeDisabled(); // no reason yet
  fireEvent.change(screen.getByLabelText("Reason"), { target: { value: "缺少门牌号" } });
  fireEvent.click(ok);
  await waitFor(() => expect(reviewed).toHaveBeenCalledTimes(1));
  expect(sent).toEqual([{ url: "/api/v1/aftersales/activations/S1/review", body: { decision: "reject", reason: "缺少门牌号" }, key: true }]);
  fetch.mockRestore();
});
