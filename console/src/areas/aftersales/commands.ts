// After-sales commands, each sent with the key of the user's action.
import "../../i18n/reportsTexts";
import { api, unwrap, type Schemas } from "../../api/client";
import { keyed } from "../../shared/idempotency";

const ticket = (id: number) => ({ path: { ticket_id: id } });

export function reviewTicket(key: string, args: { id: number; body: Schemas["ReviewIn"] }) {
  return unwrap(
    api.POST("/api/v1/aftersales/tickets/{ticket_id}/review", { params: ticket(args.id), body: args.body, headers: keyed(key) }),
  );
}

export function reviewBatch(key: string, body: Schemas["BatchReviewIn"]) {
  return unwrap(api.POST("/api/v1/aftersales/tickets/review-batch", { body, headers: keyed(key) }));
}

export function receiveReturn(key: string, id: number) {
  return unwrap(api.POST("/api/v1/aftersales/tickets/{ticket_id}/receive", { params: ticket(id), headers: keyed(key) }));
}

export function processTicket(key: string, args: { id: number; result: Schemas["ProcessIn"]["result"] }) {
  return unwrap(
    api.POST("/api/v1/aftersales/tickets/{ticket_id}/process", {
      params: ticket(args.id),
      body: { result: args.result },
      headers: keyed(key),
    }),
  );
}

export function applyForActivation(key: string, body: Schemas["ActivationIn"]) {
  return unwrap(api.POST("/api/v1/aftersales/activations", { body, headers: keyed(key) }));
}

export function reviewActivation(key: string, args: { sellerId: string; body: Schemas["ActivationReviewIn"] }) {
  return unwrap(
    api.POST("/api/v1/aftersales/activations/{seller_id}/review", {
      params: { path: { seller_id: args.sellerId } },
      body: args.body,
      headers: keyed(key),
    }),
  );
}
