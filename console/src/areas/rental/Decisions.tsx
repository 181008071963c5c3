// Feedback (反馈列表, seed 001 2.5) and insurance applications (保险申请列表, 2.6): lists by
// status and user, the detail in an expanded row, and accept / reject where the API offers
// them (`actions`); a rejection needs its reason, which the user reads in the app.
import "../../i18n/rentalTexts";
import { Button, Form, Input, Modal, Select, Space, Tag, Alert } from "antd";
import { useState } from "react";
import { api, unwrap, type RouteKey, type Schemas } from "../../api/client";
import { errorText } from "../../api/errors";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/i18n";
import { dateTime, yuanFromCents } from "../../shared/format";
import { ListPage, useListQuery, type Paging } from "../../shared/ListPage";
import type { Filters } from "../../shared/urlFilters";
import { decide } from "./commands";
import { decisionLabel, STATUS_COLOR } from "./labels";
import { useCommand } from "./useCommand";

type Kind = "feedback" | "insurance";
type Decision = Schemas["shared__api__rental__DecisionOut"];
type Status = Decision["status"];
const FILTERS = ["status", "user_id"] as const;
type Key = (typeof FILTERS)[number];

const ROUTES: Record<Kind, Record<"accept" | "reject", RouteKey>> = {
  feedback: {
    accept: "POST /api/v1/rental/feedback/{feedback_id}/accept",
    reject: "POST /api/v1/rental/feedback/{feedback_id}/reject",
  },
  insurance: {
    accept: "POST /api/v1/rental/insurance-applications/{application_id}/accept",
    reject: "POST /api/v1/rental/insurance-applications/{application_id}/reject",
  },
};

function DecideDialog(props: { kind: Kind; item: Decision; decision: "accept" | "reject"; onClose: () => void }) {
  const { t, lang } = useI18n();
  const command = useCommand(decide, props.onClose);
  const [reason, setReason] = useState("");
  const needsReason = props.decision === "reject";
  return (
    <Modal
      open
      title={`${t(props.decision === "accept" ? "r_accept" : "r_reject")} ${props.item.id}`}
      okText={t("confirm")}
      cancelText={t("cancel")}
      okButtonProps={{ disabled: needsReason && !reason.trim(), loading: command.running }}
      onOk={() => void command.run({ kind: props.kind, id: props.item.id, decision: props.decision, reason: reason.trim() })}
      onCancel={() => {
        command.cancel();
        props.onClose();
      }}
      maskClosable={false}
    >
      <p>{t("r_decision_notice")}</p>
      <Form layout="vertical">
        <Form.Item label={t("reason")} required={needsReason} htmlFor="decision-reason">
          <Input.TextArea id="decision-reason" rows={3} maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
        </Form.Item>
      </Form>
      {command.error !== null && <Alert type="error" showIcon role="alert" message={errorText(command.error, lang)} />}
    </Modal>
  );
}

const query = (filters: Filters<Key>, paging: Paging) => ({ status: filters.status as Status | undefined, user_id: filters.user_id, ...paging });
const FETCH = {
  feedback: (filters: Filters<Key>, paging: Paging) => unwrap(api.GET("/api/v1/rental/feedback", { params: { query: query(filters, paging) } })),
  insurance: (filters: Filters<Key>, paging: Paging) =>
    unwrap(api.GET("/api/v1/rental/insurance-applications", { params: { query: query(filters, paging) } })),
};

export function Decisions({ kind }: { kind: Kind }) {
  const { t } = useI18n();
  const { can } = useAuth();
  const list = useListQuery<Key, Decision>(FILTERS, ["rental", kind], FETCH[kind]);
  const [deciding, setDeciding] = useState<{ item: Decision; decision: "accept" | "reject" } | null>(null);
  return (
    <ListPage<Key, Decision>
      list={list}
      title={t(kind === "feedback" ? "menu_r_feedback" : "menu_r_insurance")}
      fields={
        <>
          <Form.Item label={t("r_state")} name="status">
            <Select
              allowClear
              style={{ width: 120 }}
              placeholder={t("any")}
              options={(["pending", "accepted", "rejected"] as const).map((s) => ({ value: s, label: t(decisionLabel(s)) }))}
            />
          </Form.Item>
          <Form.Item label={t("user_id")} name="user_id">
            <Input allowClear style={{ width: 160 }} />
          </Form.Item>
        </>
      }
      table={{
        rowKey: "id",
        expandable: {
          expandedRowRender: (d: Decision) => (
            <div>
              <p style={{ whiteSpace: "pre-wrap" }}>{d.text}</p>
              {d.decision_reason && (
                <p>
                  {t("reason")}: {d.decision_reason}
                </p>
              )}
            </div>
          ),
        },
        columns: [
          { title: "ID", dataIndex: "id" },
          { title: t("user_id"), dataIndex: "user_id" },
          { title: t("r_trip_id"), dataIndex: "trip_id", render: (v: string | null) => v ?? "—" },
          { title: t("r_content"), dataIndex: "text", ellipsis: true, width: 260 },
          ...(kind === "insurance"
            ? [{ title: t("r_claimed"), dataIndex: "claimed_cents", align: "right" as const, render: (v: number | null) => (v === null ? "—" : yuanFromCents(v)) }]
            : []),
          { title: t("r_submitted_at"), dataIndex: "at", render: (v: string) => dateTime(v) },
          { title: t("r_state"), dataIndex: "status", render: (s: Status) => <Tag color={STATUS_COLOR[s]}>{t(decisionLabel(s))}</Tag> },
          { title: t("r_decided_by"), key: "by", render: (_: unknown, d: Decision) => (d.decided_by ? `${d.decided_by} ${dateTime(d.decided_at)}` : "—") },
          {
            title: t("actions"),
            key: "act",
            render: (_: unknown, d: Decision) => (
              <Space>
                {d.actions
                  .filter((a) => can(ROUTES[kind][a]))
                  .map((a) => (
                    <Button
                      key={a}
                      size="small"
                      danger={a === "reject"}
                      onClick={() => setDeciding({ item: d, decision: a })}
                      aria-label={`${t(a === "accept" ? "r_accept" : "r_reject")} ${d.id}`}
                    >
                      {t(a === "accept" ? "r_accept" : "r_reject")}
                    </Button>
                  ))}
              </Space>
            ),
          },
        ],
      }}
    >
      {deciding && <DecideDialog kind={kind} item={deciding.item} decision={deciding.decision} onClose={() => setDeciding(null)} />}
    </ListPage>
  );
}

export function Feedback() {
  return <Decisions kind="feedback" />;
}

export function Insurance() {
  return <Decisions kind="insurance" />;
}
