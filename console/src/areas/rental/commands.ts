// The rental commands, each sent with the key of the user's action (one per click, kept
// for a retry: shared/idempotency.ts).
import "../../i18n/rentalTexts";
import { api, unwrap, type Schemas } from "../../api/client";
import type { UserAction } from "./labels";
import { keyed } from "../../shared/idempotency";


export function userCommand(
  key: string,
  args: { userId: string; action: Exclude<UserAction, "status_fix">; reason: string },
) {
  const params = { path: { user_id: args.userId } };
  const body = { reason: args.reason };
  const headers = keyed(key);
  switch (args.action) {
    case "blacklist":
      return unwrap(api.POST("/api/v1/rental/users/{user_id}/blacklist", { params, body, headers }));
    case "restore_from_blacklist":
      return unwrap(api.POST("/api/v1/rental/users/{user_id}/blacklist/restore", { params, body, headers }));
    case "delete":
      return unwrap(api.POST("/api/v1/rental/users/{user_id}/delete", { params, body, headers }));
    case "restore":
      return unwrap(api.POST("/api/v1/rental/users/{user_id}/restore", { params, body, headers }));
  }
}

export function fixStatus(key: string, args: { userId: string; body: Schemas["StatusFixIn"] }) {
  return unwrap(
    api.POST("/api/v1/rental/users/{user_id}/status", {
      params: { path: { user_id: args.userId } },
      body: args.body,
      headers: keyed(key),
    }),
  );
}

export function fixException(key: string, args: { tripId: string; body: Schemas["ExceptionFixIn"] }) {
  return unwrap(
    api.POST("/api/v1/rental/orders/{trip_id}/exception-fix", {
      params: { path: { trip_id: args.tripId } },
      body: args.body,
      headers: keyed(key),
    }),
  );
}

export function decide(
  key: string,
  args: { kind: "feedback" | "insurance"; id: string; decision: "accept" | "reject"; reason: string },
) {
  const headers = keyed(key);
  const body = { reason: args.reason || null };
  if (args.kind === "feedback") {
    const params = { path: { feedback_id: args.id } };
    return args.decision === "accept"
      ? unwrap(api.POST("/api/v1/rental/feedback/{feedback_id}/accept", { params, body, headers }))
      : unwrap(api.POST("/api/v1/rental/feedback/{feedback_id}/reject", { params, body, headers }));
  }
  const params = { path: { application_id: args.id } };
  return args.decision === "accept"
    ? unwrap(api.POST("/api/v1/rental/insurance-applications/{application_id}/accept", { params, body, headers }))
    : unwrap(api.POST("/api/v1/rental/insurance-applications/{application_id}/reject", { params, body, headers }));
}

export function sendCode(key: string, userId: string) {
  return unwrap(api.POST("/api/v1/rental/topups/codes", { body: { user_id: userId }, headers: keyed(key) }));
}

export function checkIdentity(key: string, body: Schemas["IdentityCheckIn"]) {
  return unwrap(api.POST("/api/v1/rental/topups/identity-checks", { body, headers: keyed(key) }));
}

export function topUp(key: string, body: Schemas["TopUpIn"]) {
  return unwrap(api.POST("/api/v1/rental/topups", { body, headers: keyed(key) }));
}

export function requestRefund(key: string, args: { userId: string; body: Schemas["RefundIn"] }) {
  return unwrap(
    api.POST("/api/v1/rental/accounts/{user_id}/refunds", {
      params: { path: { user_id: args.userId } },
      body: args.body,
      headers: keyed(key),
    }),
  );
}

export function changeCard(key: string, args: { userId: string; body: Schemas["CardStateIn"] }) {
  return unwrap(
    api.POST("/api/v1/rental/accounts/{user_id}/card-state", {
      params: { path: { user_id: args.userId } },
      body: args.body,
      headers: keyed(key),
    }),
  );
}

export function changeDeposit(key: string, args: { userId: string; body: Schemas["DepositIn"] }) {
  return unwrap(
    api.POST("/api/v1/rental/accounts/{user_id}/deposit", {
      params: { path: { user_id: args.userId } },
      body: args.body,
      headers: keyed(key),
    }),
  );
}

export function saveGuide(key: string, body: Schemas["GuideIn"]) {
  return unwrap(api.PUT("/api/v1/rental/guide", { body, headers: keyed(key) }));
}
