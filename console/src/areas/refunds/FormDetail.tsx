// One refund form: the customer, the amounts, the time limits, the approval timeline (every
// round in order) and the actions this user may take now, from the API's `actions`. When a
// step waits that this user may not decide, the API's reason is shown (`step_refusal`).
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Card, Descriptions, Space, Spin, Table, Tag, message } from "antd";
import { useState } from "react";
import { useParams } from "react-router-dom";
import { api, unwrap, type Schemas } from "../../api/client";
import { ApiError, errorText } from "../../api/errors";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/i18n";
import { dateTime, yuanFromCents } from "../../shared/format";
import { useIdempotentAction } from "../../shared/idempotency";
import { ListError } from "../../shared/ListError";
import { ReasonDialog } from "../../shared/ReasonDialog";
import { closeForm, decideStep, resubmitForm, retryFormPayout, setCustomerWait } from "./commands";
import { DecisionDialog, type Decision } from "./DecisionDialog";
import { causeLabel, decisionLabel, formActions, isReviewStep, stateLabel, stepLabel, type Form, type ReviewStep } from "./labels";
import "../../i18n/refundTexts";

type Dialog = { kind: "decide"; step: ReviewStep; decision: Decision } | { kind: "close" } | { kind: "resubmit" } | null;

export function Timeline({ steps }: { steps: Schemas["StepOut"][] }) {
  const { t } = useI18n();
  return (
    <Table<Schemas["StepOut"]>
      aria-label={t("timeline")}
      rowKey={(s) => `${s.round}-${s.step}-${s.at}`}
      size="small"
      pagination={false}
      dataSource={steps}
      columns={[
        { title: t("round"), dataIndex: "round" },
        { title: t("step"), dataIndex: "step", render: (v: string) => (stepLabel(v) ? t(stepLabel(v)!) : v) },
        {
          title: t("decision"),
          dataIndex: "decision",
          render: (v: string) => <Tag color={v === "sent_back" ? "orange" : "green"}>{decisionLabel(v) ? t(decisionLabel(v)!) : v}</Tag>,
        },
        { title: t("executor"), key: "who", render: (_, s) => `${s.executor} (${s.executor_role})` },
        { title: t("decided_at"), dataIndex: "at", render: (v: string) => dateTime(v) },
        { title: t("opinion"), dataIndex: "opinion" },
      ]}
    />
  );
}

export function FormActions({ form, onDone }: { form: Form; onDone: () => void }) {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const [dialog, setDialog] = useState<Dialog>(null);
  const [error, setError] = useState<unknown>(null);
  const decide = useIdempotentAction(decideStep);
  const close = useIdempotentAction(closeForm);
  const resubmit = useIdempotentAction(resubmitForm);
  const retry = useIdempotentAction(retryFormPayout);
  const customerWait = useIdempotentAction(setCustomerWait);
  const actions = formActions(form, can);
  const finish = async (pending: Promise<unknown>) => {
    setError(null);
    try {
      await pending;
      setDialog(null);
      void message.success(t("done"));
      onDone();
    } catch (e) {
      setError(e);
    }
  };
  const cancel = () => {
    decide.end();
    close.end();
    resubmit.end();
    setError(null);
    setDialog(null);
  };
  return (
    <Card title={t("actions")} size="small" style={{ marginBottom: 16 }}>
      {form.step_refusal && (
        <Alert
          type="info"
          showIcon
          data-testid="step-refusal"
          style={{ marginBottom: 12 }}
          message={`${t("cannot_decide")}: ${stepLabel(form.step_refusal.step) ? t(stepLabel(form.step_refusal.step)!) : form.step_refusal.step}`}
          description={errorText(new ApiError(403, form.step_refusal.code, form.step_refusal.message), lang)}
        />
      )}
      {actions.length === 0 && <p>{t("no_actions")}</p>}
      <Space wrap>
        {actions.filter(isReviewStep).map((step) => (
          <Space key={step}>
            <Button type="primary" onClick={() => setDialog({ kind: "decide", step, decision: "approve" })}>
              {t(`step_${step}`)}: {t("approve")}
            </Button>
            <Button danger onClick={() => setDialog({ kind: "decide", step, decision: "send_back" })}>
              {t(`step_${step}`)}: {t("send_back")}
            </Button>
          </Space>
        ))}
        {actions.includes("resubmit") && (
          <Button type="primary" onClick={() => setDialog({ kind: "resubmit" })}>
            {t("resubmit")}
          </Button>
        )}
        {actions.includes("close") && (
          <Button danger onClick={() => setDialog({ kind: "close" })}>
            {t("close_form")}
          </Button>
        )}
        {actions.includes("customer_wait") && (
          <Button
            loading={customerWait.running}
            onClick={() => void finish(customerWait.run({ formId: form.form_id, waiting: !form.waiting_customer }))}
          >
            {form.waiting_customer ? t("customer_replied") : t("wait_for_customer")}
          </Button>
        )}
        {actions.includes("payout_retry") && (
          <Button loading={retry.running} onClick={() => void finish(retry.run(form.form_id))}>
            {t("payout_retry")}
          </Button>
        )}
      </Space>
      {dialog?.kind === "decide" && (
        <DecisionDialog
          open
          step={dialog.step}
          decision={dialog.decision}
          busy={decide.running}
          error={error}
          onCancel={cancel}
          onConfirm={(opinion) =>
            void finish(decide.run({ formId: form.form_id, step: dialog.step, decision: dialog.decision, opinion }))
          }
        />
      )}
      <ReasonDialog
        open={dialog?.kind === "close"}
        title={t("close_form")}
        hint={t("close_hint")}
        busy={close.running}
        error={error}
        onCancel={cancel}
        onConfirm={(reason) => void finish(close.run({ formId: form.form_id, reason }))}
      />
      <ReasonDialog
        open={dialog?.kind === "resubmit"}
        title={t("resubmit")}
        hint={t("resubmit_note")}
        busy={resubmit.running}
        error={error}
        onCancel={cancel}
        onConfirm={(note) => void finish(resubmit.run({ formId: form.form_id, body: { note } }))}
      />
      {error !== null && dialog === null && <Alert type="error" showIcon role="alert" message={errorText(error, lang)} />}
    </Card>
  );
}

export default function FormDetail() {
  const { formId = "" } = useParams();
  const { t } = useI18n();
  const client = useQueryClient();
  const result = useQuery({
    queryKey: ["refunds", "form", formId],
    queryFn: () => unwrap(api.GET("/api/v1/refunds/forms/{form_id}", { params: { path: { form_id: formId } } })),
  });
  if (result.isError) return <ListError error={result.error} retry={() => void result.refetch()} />;
  const form = result.data;
  if (!form) return <Spin />;
  const refresh = () => void client.invalidateQueries({ queryKey: ["refunds"] });
  return (
    <>
      <h2>
        {t("refund_form")} {form.order_no} <Tag data-testid="form-state">{t(stateLabel(form.state) ?? "empty")}</Tag>
      </h2>
      <FormActions form={form} onDone={refresh} />
      <Descriptions bordered size="small" column={3} style={{ marginBottom: 16 }}>
        <Descriptions.Item label={t("customer_name")}>{form.customer_name}</Descriptions.Item>
        <Descriptions.Item label={t("phone")}>{form.phone}</Descriptions.Item>
        <Descriptions.Item label={t("bank")}>{form.bank}</Descriptions.Item>
        <Descriptions.Item label={t("refund_amount")}>{yuanFromCents(form.amount_cents)}</Descriptions.Item>
        <Descriptions.Item label={t("paid_amount")}>{yuanFromCents(form.paid_cents)}</Descriptions.Item>
        <Descriptions.Item label={t("cause")}>{causeLabel(form.cause) ? t(causeLabel(form.cause)!) : form.cause}</Descriptions.Item>
        <Descriptions.Item label={t("purchased_at")}>{dateTime(form.purchased_at)}</Descriptions.Item>
        <Descriptions.Item label={t("complaint_at")}>{dateTime(form.complaint_at)}</Descriptions.Item>
        <Descriptions.Item label={t("complaint_no")}>{form.complaint_no ?? "—"}</Descriptions.Item>
        <Descriptions.Item label={t("filed_by")}>{form.filed_by}</Descriptions.Item>
        <Descriptions.Item label={t("filed_at")}>{dateTime(form.filed_at)}</Descriptions.Item>
        <Descriptions.Item label={t("round")}>{form.round}</Descriptions.Item>
        <Descriptions.Item label={t("fault")} span={3}>{form.fault}</Descriptions.Item>
        <Descriptions.Item label={t("customer_opinion")} span={3}>{form.customer_opinion}</Descriptions.Item>
        {form.sent_back_reason && (
          <Descriptions.Item label={t("sent_back_reason")} span={3}>{form.sent_back_reason}</Descriptions.Item>
        )}
        {form.closed_reason && (
          <Descriptions.Item label={t("closed_reason")} span={3}>{form.closed_reason}</Descriptions.Item>
        )}
        {form.payout && (
          <Descriptions.Item label={t("payout")} span={3}>
            {form.payout.status} · {t("attempts")} {form.payout.attempts}
            {form.payout.reference ? ` · ${form.payout.reference}` : ""}
            {form.payout.last_error ? ` · ${form.payout.last_error}` : ""}
          </Descriptions.Item>
        )}
      </Descriptions>
      <Card title={t("due_at")} size="small" style={{ marginBottom: 16 }}>
        <Space wrap>
          {form.deadlines.map((d) => (
            <Tag key={d.step} color={d.breached_at ? "red" : d.met_at ? "green" : "blue"}>
              {t(`limit_${d.step}`)}: {dateTime(d.due_at)}
              {d.breached_at ? ` · ${t("overdue")}` : ""}
              {d.paused ? ` · ${t("paused")}` : ""}
            </Tag>
          ))}
        </Space>
      </Card>
      <Card title={t("timeline")} size="small">
        <Timeline steps={form.steps} />
      </Card>
    </>
  );
}
