// Which buttons a voucher shows: the API's own action flags (the voucher service applies the
// rules), shown only when the user's roles may also call the route. No rule is decided here.
import { api, unwrap, type RouteKey, type Schemas } from "../../api/client";
import type { TextKey } from "../../i18n/texts";
import { keyed } from "../../shared/idempotency";

export type VoucherAction = Schemas["VoucherOut"]["actions"][number];
export type OperationStatus = Schemas["OperationStatusOut"];

const ROUTE_OF: Record<VoucherAction, RouteKey> = {
  void: "POST /api/v1/vouchers/{code}/void",
  reverse: "POST /api/v1/orders/{merchant_order_no}/reversal",
};

export function availableActions(
  voucher: Pick<Schemas["VoucherOut"], "actions">,
  can: (route: RouteKey) => boolean,
): VoucherAction[] {
  return voucher.actions.filter((action) => can(ROUTE_OF[action]));
}

/** The result in words (seed 000: 操作成功 / 作废失败 / 作废成功泡泡退回失败 / 有已使用的券). */
export function outcomeText(status: Pick<OperationStatus, "status" | "failure">): TextKey {
  if (status.status === "succeeded") return "result_succeeded";
  if (status.status === "pending") return "result_pending";
  switch (status.failure) {
    case "void_failed":
      return "result_void_failed";
    case "points_refund_failed":
      return "result_points_refund_failed";
    case "voucher_used":
      return "result_voucher_used";
    default:
      return "result_failed";
  }
}


export function voidVoucher(key: string, code: string, reason: string) {
  return unwrap(
    api.POST("/api/v1/vouchers/{code}/void", { params: { path: { code } }, body: { reason }, headers: keyed(key) }),
  );
}

export function reverseOrder(key: string, merchantOrderNo: string, reason: string) {
  return unwrap(
    api.POST("/api/v1/orders/{merchant_order_no}/reversal", {
      params: { path: { merchant_order_no: merchantOrderNo } },
      body: { reason },
      headers: keyed(key),
    }),
  );
}

export function retryOperation(key: string, operationId: string) {
  return unwrap(
    api.POST("/api/v1/operations/{operation_id}/retry", {
      params: { path: { operation_id: operationId } },
      body: {},
      headers: keyed(key),
    }),
  );
}
