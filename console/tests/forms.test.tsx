import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { vi } from "vitest";
import { safeNext } from "../src/auth/SignIn";
import { I18nProvider } from "../src/i18n/i18n";
import { VoucherFilterForm } from "../src/areas/vouchers/VoucherSearch";
import { ReasonDialog } from "../src/shared/ReasonDialog";

test("the reason dialog enables its OK button only once a reason is typed", async () => {
  const onConfirm = vi.fn();
  render(
    <I18nProvider initial="zh-CN">
      <ReasonDialog open title="确定作废该张券？" hint="例如" busy={false} error={null} onConfirm={onConfirm} onCancel={() => undefined} />
    </I18nProvider>,
  );
  const ok = screen.getByRole("button", { name: /确\s*定/ });
  expect(ok).toBeDisabled();
  fireEvent.change(screen.getByLabelText("操作原因"), { target: { value: "   " } });
  expect(ok).toBeDisabled();
  fireEvent.change(screen.getByLabelText("操作原因"), { target: { value: " 工单 20190105-0042 " } });
  expect(ok).toBeEnabled();
  fireEvent.click(ok);
  expect(onConfirm).toHaveBeenCalledWith("工单 20190105-0042");
});

test("the voucher filters check the phone's shape before searching", async () => {
  const onSearch = vi.fn();
  render(
    <I18nProvider initial="en-US">
      <VoucherFilterForm initial={{}} onSearch={onSearch} />
    </I18nProvider>,
  );
  fireEvent.change(screen.getByLabelText("Phone"), { target: { value: "1380013" } });
  fireEvent.click(screen.getByRole("button", { name: "Search" }));
  // the message slides in: on a loaded two-core machine that can take more than a second
  expect(await screen.findByText("Enter an 11-digit phone number", {}, { timeout: 10_000 })).toBeInTheDocument();
  expect(onSearch).not.toHaveBeenCalled();
  fireEvent.change(screen.getByLabelText("Phone"), { target: { value: "13800138000" } });
  fireEvent.change(screen.getByLabelText("Merchant order no."), { target: { value: "M2018" } });
  fireEvent.click(screen.getByRole("button", { name: "Search" }));
  await waitFor(() => expect(onSearch).toHaveBeenCalled());
  expect(onSearch.mock.calls[0]?.[0]).toMatchObject({ phone: "13800138000", merchant_order_no: "M2018" });
});

test("after sign-in only a page of this console is opened", () => {
  expect(safeNext("/vouchers?phone=13800138000")).toBe("/vouchers?phone=13800138000");
  expect(safeNext("https://evil.example")).toBe("/");
  expect(safeNext("//evil.example")).toBe("/");
  expect(safeNext(null)).toBe("/");
});
