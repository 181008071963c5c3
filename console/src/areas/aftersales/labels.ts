// After-sales names in words (seed 002). The API decides which actions a ticket offers
// (`actions`); this file only names them and the routes they call.
import "../../i18n/reportsTexts";
import type { RouteKey, Schemas } from "../../api/client";
import type { TextKey } from "../../i18n/texts";

export type Ticket = Schemas["TicketOut"];
export type TicketStatus = Ticket["status"];
export type Outcome = Schemas["ReviewIn"]["outcome"];
export type ProcessingResult = Schemas["ProcessIn"]["result"];

export const STATUSES: TicketStatus[] = [
  "awaiting_review",
  "awaiting_customer",
  "awaiting_receipt",
  "awaiting_processing",
  "rejected",
  "closed",
  "completed",
];

/** The five review outcomes (审核结果), in the seed's order. */
export const OUTCOMES: Outcome[] = [
  "approve_shipment",
  "reject",
  "resend_without_return",
  "await_customer",
  "customer_gave_up",
];

/** What a batch review may do (批量审核: 同意客户发货, 审核不通过, 客户放弃). */
export const BATCH_OUTCOMES: Outcome[] = ["approve_shipment", "reject", "customer_gave_up"];

/** A review the service refuses without a reason. */
export const REASON_NEEDED: Outcome[] = ["reject", "await_customer"];

export const RESULTS: ProcessingResult[] = ["refunded", "exchanged", "repaired", "resent", "returned_to_customer"];

export const SERVICE_TYPES: Ticket["service_type"][] = ["return", "exchange", "repair"];

/** The reviewer the service writes when nobody reviewed within 48 hours. */
export const SYSTEM_REVIEWER = "system:auto_approval";

export const ACTION_ROUTE: Record<Ticket["actions"][number], RouteKey> = {
  review: "POST /api/v1/aftersales/tickets/{ticket_id}/review",
  receive: "POST /api/v1/aftersales/tickets/{ticket_id}/receive",
  process: "POST /api/v1/aftersales/tickets/{ticket_id}/process",
};

/** The actions this screen offers: the API's flags, where the user's roles may call the route. */
export function ticketActions(ticket: Pick<Ticket, "actions">, can: (route: RouteKey) => boolean) {
  return ticket.actions.filter((a) => can(ACTION_ROUTE[a]));
}

export const statusLabel = (s: string) => `ticket_${s}` as TextKey;
export const outcomeLabel = (o: string) => `outcome_${o}` as TextKey;
export const resultLabel = (r: string) => `result_${r}` as TextKey;
export const serviceLabel = (s: string) => `service_${s}` as TextKey;

/** The history's actions the console names; another shows as the service writes it. */
export const EVENTS = ["opened", "reviewed", "auto_approved", "received", "processed", "images_added"] as const;
export const eventLabel = (a: string) => ((EVENTS as readonly string[]).includes(a) ? (`event_${a}` as TextKey) : null);
