import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { vi } from "vitest";
import { DecisionDialog } from "../src/areas/refunds/DecisionDialog";
import { countdown, formActions } from "../src/areas/refunds/labels";
import { formBody, NewFormDialog } from "../src/areas/refunds/NewFormDialog";
import { I18nProvider } from "../src/i18n/i18n";
import { centsFromYuan } from "../src/shared/format";

const NOW = Date.parse("2026-12-06T10:00:00+08:00");

function fill(label: string, value: string) {
  fireEvent.change(screen.getByLabelText(label), { target: { value } });
}

test("a new refund form is checked before it is sent: phone, amounts, times", async () => {
  const fetch = vi.spyOn(globalThis, "fetch");
  render(
    <I18nProvider initial="en-US">
      <NewFormDialog open onClose={() => undefined} onFiled={() => undefined} now={() => NOW} />
    </I18nProvider>,
  );
  fill("Order no.", "TK2026120601");
  fill("Customer name", "张先生");
  fill("Phone", "1380013");
  fill("Bank", "工商银行");
  fill("Paid for the order", "50");
  fill("Refund amount", "50.01");
  fill("Purchased at", "2026-12-06T09:50");
  fill("Complaint at", "2026-12-06T09:40");
  fill("Fault", "paid, no order");
  fill("Customer opinion", "wants the money back");
  fireEvent.click(screen.getByRole("button", { name: "Submit" }));
  // Inside a dialog jsdom never runs the message's appear motion: the fields' state says it.
  const invalid = (label: string) => screen.getByLabelText(label).getAttribute("aria-invalid") === "true";
  await waitFor(() => expect(invalid("Phone")).toBe(true));
  expect(invalid("Refund amount")).toBe(true);
  expect(invalid("Complaint at")).toBe(true);
  expect(invalid("Order no.")).toBe(false);
  expect(invalid("Paid for the order")).toBe(false);
  fill("Phone", "13800138000");
  fill("Refund amount", "50");
  fill("Complaint at", "2026-12-06T10:30");
  fireEvent.click(screen.getByRole("button", { name: "Submit" }));
  await waitFor(() => expect(invalid("Complaint at")).toBe(true));
  expect(invalid("Phone")).toBe(false);
  expect(invalid("Refund amount")).toBe(false);
  expect(fetch).not.toHaveBeenCalled();
  fetch.mockRestore();
});

test("the form's body carries cents and Shanghai times", () => {
  const body = formBody({
    order_no: " TK1 ",
    customer_name: "张先生",
    phone: "13800138000",
    bank: "工商银行",
    amount: "49.9",
    paid: "50",
    purchased_at: "2026-12-06T09:50",
    complaint_at: "2026-12-06T09:55",
    fault: "f",
    cause: "payment_timeout",
    customer_opinion: "o",
  });
  expect(body).toMatchObject({
    order_no: "TK1",
    amount_cents: 4990,
    paid_cents: 5000,
    purchased_at: "2026-12-06T09:50:00+08:00",
    complaint_no: null,
  });
  expect(centsFromYuan("0.07")).toBe(7);
  expect(centsFromYuan("1.234")).toBeNull();
  expect(centsFromYuan("-1")).toBeNull();
});

test("a send-back needs a comment; an approval does not, except technical verification's finding", () => {
  const onConfirm = vi.fn();
  const { rerender } = render(
    <I18nProvider initial="en-US">
      <DecisionDialog open step="lead_check" decision="send_back" busy={false} error={null} onConfirm={onConfirm} onCancel={() => undefined} />
    </I18nProvider>,
  );
  const ok = () => screen.getByRole("button", { name: "Confirm" });
  expect(ok()).toBeDisabled();
  expect(screen.getByText("A send-back needs a comment")).toBeInTheDocument();
  fireEvent.change(screen.getByLabelText("Comment"), { target: { value: " bank name wrong " } });
  fireEvent.click(ok());
  expect(onConfirm).toHaveBeenCalledWith("bank name wrong");
  rerender(
    <I18nProvider initial="en-US">
      <DecisionDialog open step="tech_verification" decision="approve" busy={false} error={null} onConfirm={onConfirm} onCancel={() => undefined} />
    </I18nProvider>,
  );
  fireEvent.change(screen.getByLabelText("Comment"), { target: { value: "" } });
  expect(ok()).toBeDisabled();
});

test("an approval other than technical verification is sent without a comment", async () => {
  const onConfirm = vi.fn();
  render(
    <I18nProvider initial="en-US">
      <DecisionDialog open step="cashier_check" decision="approve" busy={false} error={null} onConfirm={onConfirm} onCancel={() => undefined} />
    </I18nProvider>,
  );
  fireEvent.click(screen.getByRole("button", { name: "Confirm" }));
  await waitFor(() => expect(onConfirm).toHaveBeenCalledWith(""));
});

test("the buttons are the API's actions the user's routes allow, waiting on the customer among them", () => {
  const can = (route: string) => !route.endsWith("/close");
  expect(formActions({ actions: ["lead_check", "close", "customer_wait"] }, can)).toEqual(["lead_check", "customer_wait"]);
  expect(formActions({ actions: ["customer_wait"] }, (route) => !route.endsWith("/customer-wait"))).toEqual([]);
  expect(formActions({ actions: [] }, () => true)).toEqual([]);
});

test("a countdown counts to the due time and past it", () => {
  const due = "2026-12-06T10:10:00+08:00";
  expect(countdown(due, NOW)).toEqual({ text: "0:10:00", late: false });
  expect(countdown(due, NOW + 11 * 60_000 + 5_000)).toEqual({ text: "-0:01:05", late: true });
  expect(countdown("2026-12-06T22:00:00+08:00", NOW).text).toBe("12:00:00");
});
