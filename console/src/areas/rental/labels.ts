// The rental screens' names in words, and the routes each action calls. Which actions a user,
// an order, an account or a decision offers is the API's answer (`actions`); this file only
// names them and keeps a button from showing when the gateway would refuse the route.
import "../../i18n/rentalTexts";
import type { RouteKey, Schemas } from "../../api/client";
import type { TextKey } from "../../i18n/texts";

export type UserAction = Schemas["RentalUserDetailOut"]["actions"][number];
export type AccountAction = Schemas["AccountOut"]["actions"][number];
export type UserStatus = Schemas["RentalUserOut"]["status"];
export type OrderStatus = Schemas["RentalOrderOut"]["status"];
export type CardState = Schemas["AccountOut"]["card_state"];

export const USER_STATUSES: UserStatus[] = ["renting", "temporarily_returned", "idle"];
export const ORDER_STATUSES: OrderStatus[] = ["renting", "temporarily_returned", "ended"];
export const FLOW_KINDS = [
  "rental_charge",
  "top_up",
  "refund_paid",
  "insurance_fee",
  "deposit_paid",
  "rental_charge_raised",
  "rental_charge_lowered",
] as const;

export const USER_ROUTES: Record<UserAction, RouteKey> = {
  status_fix: "POST /api/v1/rental/users/{user_id}/status",
  blacklist: "POST /api/v1/rental/users/{user_id}/blacklist",
  restore_from_blacklist: "POST /api/v1/rental/users/{user_id}/blacklist/restore",
  delete: "POST /api/v1/rental/users/{user_id}/delete",
  restore: "POST /api/v1/rental/users/{user_id}/restore",
};

const CARD_ROUTE: RouteKey = "POST /api/v1/rental/accounts/{user_id}/card-state";
export const ACCOUNT_ROUTES: Record<AccountAction, RouteKey> = {
  top_up: "POST /api/v1/rental/topups",
  change_deposit: "POST /api/v1/rental/accounts/{user_id}/deposit",
  refund_deposit: "POST /api/v1/rental/accounts/{user_id}/refunds",
  refund_stored_value: "POST /api/v1/rental/accounts/{user_id}/refunds",
  activate_card: CARD_ROUTE,
  freeze_card: CARD_ROUTE,
  report_card_lost: CARD_ROUTE,
  expire_card: CARD_ROUTE,
};

/** The offered actions the user's roles may also call at the gateway, in the API's order. */
export function offered<A extends string>(actions: A[], routes: Record<A, RouteKey>, can: (r: RouteKey) => boolean): A[] {
  return actions.filter((a) => can(routes[a]));
}

export const userStatusLabel = (s: string) => `r_status_${s}` as TextKey;
export const orderStatusLabel = (s: string) => `r_order_${s}` as TextKey;
export const cardStateLabel = (s: string) => `r_card_${s}` as TextKey;
export const cardTypeLabel = (s: string) => `r_cardtype_${s}` as TextKey;
export const flowKindLabel = (s: string) => `r_kind_${s}` as TextKey;
export const decisionLabel = (s: string) => `r_decision_${s}` as TextKey;
export const refundStateLabel = (s: string) => `r_refund_${s}` as TextKey;

export const STATUS_COLOR: Record<string, string> = {
  renting: "blue",
  temporarily_returned: "orange",
  idle: "default",
  ended: "default",
  pending: "gold",
  accepted: "green",
  rejected: "red",
  active: "green",
  frozen: "blue",
  reported_lost: "red",
  expired: "default",
};
