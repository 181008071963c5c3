// The refund form commands, each sent with the key of the user's action.
import { api, unwrap, type Schemas } from "../../api/client";
import type { ReviewStep } from "./labels";
import { keyed } from "../../shared/idempotency";
import "../../i18n/refundTexts";


export function fileForm(key: string, body: Schemas["FormIn"]) {
  return unwrap(api.POST("/api/v1/refunds/forms", { body, headers: keyed(key) }));
}

type DecisionIn = Schemas["DecisionIn"];
type Call = (
  formId: string,
  body: DecisionIn,
  headers: Record<string, string>,
) => Promise<{ data?: Schemas["RefundFormOut"]; error?: unknown; response: Response }>;

// One typed call per review step (the paths differ, the body is the same).
const STEP_CALLS: Record<ReviewStep, Call> = {
  lead_check: (form_id, body, headers) =>
    api.POST("/api/v1/refunds/forms/{form_id}/lead-check", { params: { path: { form_id } }, body, headers }),
  tech_verification: (form_id, body, headers) =>
    api.POST("/api/v1/refunds/forms/{form_id}/tech-verification", { params: { path: { form_id } }, body, headers }),
  finance_submission: (form_id, body, headers) =>
    api.POST("/api/v1/refunds/forms/{form_id}/finance-submission", { params: { path: { form_id } }, body, headers }),
  cashier_check: (form_id, body, headers) =>
    api.POST("/api/v1/refunds/forms/{form_id}/cashier-check", { params: { path: { form_id } }, body, headers }),
  accountant_review: (form_id, body, headers) =>
    api.POST("/api/v1/refunds/forms/{form_id}/accountant-review", { params: { path: { form_id } }, body, headers }),
  director_approval: (form_id, body, headers) =>
    api.POST("/api/v1/refunds/forms/{form_id}/director-approval", { params: { path: { form_id } }, body, headers }),
  second_approval: (form_id, body, headers) =>
    api.POST("/api/v1/refunds/forms/{form_id}/second-approval", { params: { path: { form_id } }, body, headers }),
};

export function decideStep(
  key: string,
  args: { formId: string; step: ReviewStep; decision: DecisionIn["decision"]; opinion: string },
) {
  return unwrap(STEP_CALLS[args.step](args.formId, { decision: args.decision, opinion: args.opinion }, keyed(key)));
}

export function resubmitForm(key: string, args: { formId: string; body: Schemas["ResubmitIn"] }) {
  return unwrap(
    api.POST("/api/v1/refunds/forms/{form_id}/resubmit", {
      params: { path: { form_id: args.formId } },
      body: args.body,
      headers: keyed(key),
    }),
  );
}

export function closeForm(key: string, args: { formId: string; reason: string }) {
  return unwrap(
    api.POST("/api/v1/refunds/forms/{form_id}/close", {
      params: { path: { form_id: args.formId } },
      body: { reason: args.reason },
      headers: keyed(key),
    }),
  );
}

export function retryFormPayout(key: string, formId: string) {
  return unwrap(
    api.POST("/api/v1/refunds/forms/{form_id}/payout-retry", {
      params: { path: { form_id: formId } },
      headers: keyed(key),
    }),
  );
}

/** Waiting on the customer (a bank statement, a call back) pauses the form's time limits;
 * the customer's answer starts them again. */
export function setCustomerWait(key: string, args: { formId: string; waiting: boolean }) {
  return unwrap(
    api.POST("/api/v1/refunds/forms/{form_id}/customer-wait", {
      params: { path: { form_id: args.formId } },
      body: { waiting: args.waiting, note: "" },
      headers: keyed(key),
    }),
  );
}

export function retryRequestedPayout(key: string, refundId: string) {
  return unwrap(
    api.POST("/api/v1/refunds/requested/{refund_id}/payout-retry", {
      params: { path: { refund_id: refundId } },
      headers: keyed(key),
    }),
  );
}
