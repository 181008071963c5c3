import { ApiError, errorText, ERROR_TEXTS } from "../src/api/errors";
// each area registers its codes when its screens load: load them all, so every entry is checked
import "../src/i18n/messagesTexts";
import "../src/i18n/refundTexts";
import "../src/i18n/rentalTexts";
import "../src/i18n/reportsTexts";

test("a known code reads in the chosen language", () => {
  const error = new ApiError(409, "voucher_used", "order M1 holds a used voucher");
  expect(errorText(error, "zh-CN")).toBe("有已使用的券，不符合返销条件");
  expect(errorText(error, "en-US")).toBe("A voucher of the order is used: not reversible");
});

test("an unknown code falls back to the server's message, then to the code", () => {
  expect(errorText(new ApiError(409, "brand_new_rule", "the server says why"), "zh-CN")).toBe("the server says why");
  expect(errorText(new ApiError(409, "brand_new_rule", ""), "en-US")).toBe("brand_new_rule");
});

test("every entry has both languages", () => {
  expect(ERROR_TEXTS.own_form?.zh).toBeTruthy(); // an area's code is in the table once its module loads
  for (const [code, text] of Object.entries(ERROR_TEXTS)) {
    expect(text.zh, code).not.toBe("");
    expect(text.en, code).not.toBe("");
  }
});

test("only network, 5xx and in-progress failures are transient", () => {
  expect(new ApiError(0, "network", "").transient).toBe(true);
  expect(new ApiError(503, "service_unavailable", "").transient).toBe(true);
  expect(new ApiError(409, "request_in_progress", "").transient).toBe(true);
  expect(new ApiError(409, "voucher_used", "").transient).toBe(false);
  expect(new ApiError(422, "reason_required", "").transient).toBe(false);
});
