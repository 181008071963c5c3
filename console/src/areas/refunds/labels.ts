// The refund chain's names in words and the routes its actions call. The API decides which
// actions a form offers (`actions`); this file only names them.
import type { RouteKey, Schemas } from "../../api/client";
import type { TextKey } from "../../i18n/texts";
import "../../i18n/refundTexts";

export type Form = Schemas["RefundFormOut"];
export type FormAction = Form["actions"][number];
export type FormState = Form["state"];

export const STATES: FormState[] = [
  "awaiting_lead_check",
  "awaiting_tech_verification",
  "awaiting_finance_submission",
  "awaiting_cashier_check",
  "awaiting_accountant_review",
  "awaiting_director_approval",
  "awaiting_second_approval",
  "paying",
  "payout_failed",
  "completed",
  "sent_back",
  "closed",
];

export const CAUSES = ["no_order_no", "order_conflict", "payment_timeout", "other"] as const;

/** The review steps, each with its command's path segment. */
export const STEP_PATHS = {
  lead_check: "lead-check",
  tech_verification: "tech-verification",
  finance_submission: "finance-submission",
  cashier_check: "cashier-check",
  accountant_review: "accountant-review",
  director_approval: "director-approval",
  second_approval: "second-approval",
} as const;
export type ReviewStep = keyof typeof STEP_PATHS;

export function isReviewStep(action: string): action is ReviewStep {
  return action in STEP_PATHS;
}

export const ROUTE_OF: Record<FormAction, RouteKey> = {
  lead_check: "POST /api/v1/refunds/forms/{form_id}/lead-check",
  tech_verification: "POST /api/v1/refunds/forms/{form_id}/tech-verification",
  finance_submission: "POST /api/v1/refunds/forms/{form_id}/finance-submission",
  cashier_check: "POST /api/v1/refunds/forms/{form_id}/cashier-check",
  accountant_review: "POST /api/v1/refunds/forms/{form_id}/accountant-review",
  director_approval: "POST /api/v1/refunds/forms/{form_id}/director-approval",
  second_approval: "POST /api/v1/refunds/forms/{form_id}/second-approval",
  resubmit: "POST /api/v1/refunds/forms/{form_id}/resubmit",
  customer_wait: "POST /api/v1/refunds/forms/{form_id}/customer-wait",
  payout_retry: "POST /api/v1/refunds/forms/{form_id}/payout-retry",
  close: "POST /api/v1/refunds/forms/{form_id}/close",
};

/** The actions this screen offers: the API's flags, where the user's roles may call the route. */
export function formActions(form: Pick<Form, "actions">, can: (route: RouteKey) => boolean): FormAction[] {
  return form.actions.filter((a) => can(ROUTE_OF[a]));
}

function known(prefix: string, value: string, table: readonly string[]): TextKey | null {
  return table.includes(value) ? (`${prefix}_${value}` as TextKey) : null;
}

export const stateLabel = (s: string) => known("state", s, STATES);
export const causeLabel = (c: string) => known("cause", c, CAUSES);
export const stepLabel = (s: string) =>
  known("step", s, [...Object.keys(STEP_PATHS), "filed", "resubmitted", "waiting_customer", "customer_replied"]);
export const decisionLabel = (d: string) => known("decision", d, ["approved", "sent_back", "done"]);

/** A countdown to ``due`` from ``now`` as H:MM:SS (negative: how long overdue). */
export function countdown(dueIso: string, now: number): { text: string; late: boolean } {
  const ms = new Date(dueIso).getTime() - now;
  const late = ms < 0;
  const total = Math.floor(Math.abs(ms) / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const text = `${late ? "-" : ""}${h}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}`;
  return { text, late };
}
