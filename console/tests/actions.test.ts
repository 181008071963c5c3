import type { RouteKey } from "../src/api/client";
import { availableActions, outcomeText } from "../src/areas/vouchers/actions";

const everything = () => true;
const agentRoutes = new Set<RouteKey>(["POST /api/v1/vouchers/{code}/void", "POST /api/v1/orders/{merchant_order_no}/reversal"]);

test("the buttons are the API's action flags, nothing more", () => {
  expect(availableActions({ actions: ["void", "reverse"] }, everything)).toEqual(["void", "reverse"]);
  expect(availableActions({ actions: ["void"] }, everything)).toEqual(["void"]); // telecom points: no reversal
  expect(availableActions({ actions: [] }, everything)).toEqual([]); // used, voided, expired
});

test("a button the user's roles may not call is not shown", () => {
  expect(availableActions({ actions: ["void", "reverse"] }, () => false)).toEqual([]);
  const onlyVoid = (r: RouteKey) => r === "POST /api/v1/vouchers/{code}/void";
  expect(availableActions({ actions: ["void", "reverse"] }, onlyVoid)).toEqual(["void"]);
  expect(availableActions({ actions: ["void", "reverse"] }, (r) => agentRoutes.has(r))).toEqual(["void", "reverse"]);
});

test("each result reads in words", () => {
  expect(outcomeText({ status: "succeeded", failure: null })).toBe("result_succeeded");
  expect(outcomeText({ status: "pending", failure: null })).toBe("result_pending");
  expect(outcomeText({ status: "failed", failure: "void_failed" })).toBe("result_void_failed");
  expect(outcomeText({ status: "failed", failure: "points_refund_failed" })).toBe("result_points_refund_failed");
  expect(outcomeText({ status: "failed", failure: "voucher_used" })).toBe("result_voucher_used");
  expect(outcomeText({ status: "failed", failure: null })).toBe("result_failed");
});
