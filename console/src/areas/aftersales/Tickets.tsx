// After-sales tickets (服务单): filters in the URL (status, opening dates, seller, outcome,
// order), newest first; tickets the API offers for review can be selected and reviewed
// together, and the answer for each ticket is shown (one that fails stops no other).
import "../../i18n/reportsTexts";
import { useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Col, Form, Input, Modal, Select, Space, Table, Tag, type TableColumnsType } from "antd";
import { useMemo, useState } from "react";
import { Link } from "react-router-dom";
import { api, unwrap, type Schemas } from "../../api/client";
import { ApiError, errorText } from "../../api/errors";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/i18n";
import { DateRangeFields } from "../../shared/FilterForm";
import { dateTime } from "../../shared/format";
import { useIdempotentAction } from "../../shared/idempotency";
import { ListPage, useListQuery, type Paging } from "../../shared/ListPage";
import type { Filters } from "../../shared/urlFilters";
import { reviewBatch } from "./commands";
import {
  BATCH_OUTCOMES,
  OUTCOMES,
  REASON_NEEDED,
  STATUSES,
  SYSTEM_REVIEWER,
  outcomeLabel,
  serviceLabel,
  statusLabel,
  type Outcome,
  type Ticket,
  type TicketStatus,
} from "./labels";

export const FILTERS = ["status", "outcome", "seller_id", "order_no", "created_from", "created_to"] as const;
type Key = (typeof FILTERS)[number];

/** The filters, each a column of the filter form's grid. */
function TicketFields() {
  const { t } = useI18n();
  return (
    <>
      <Col span={6}>
        <Form.Item label={t("ticket_status")} name="status">
          <Select allowClear placeholder={t("any")} options={STATUSES.map((s) => ({ value: s, label: t(statusLabel(s)) }))} />
        </Form.Item>
      </Col>
      <Col span={6}>
        <Form.Item label={t("review_outcome")} name="outcome">
          <Select allowClear placeholder={t("any")} options={OUTCOMES.map((o) => ({ value: o, label: t(outcomeLabel(o)) }))} />
        </Form.Item>
      </Col>
      <Col span={6}>
        <Form.Item label={t("seller_id")} name="seller_id">
          <Input allowClear />
        </Form.Item>
      </Col>
      <Col span={6}>
        <Form.Item label={t("order_no")} name="order_no">
          <Input allowClear />
        </Form.Item>
      </Col>
      <DateRangeFields from="created_from" to="created_to" fromLabel={t("opened_from")} toLabel={t("opened_to")} span={6} />
    </>
  );
}

function fetchTickets(filters: Filters<Key>, paging: Paging) {
  const query = { ...filters, status: filters.status as TicketStatus | undefined, outcome: filters.outcome as Outcome | undefined, ...paging };
  return unwrap(api.GET("/api/v1/aftersales/tickets", { params: { query } }));
}

/** Who reviewed it: a person, or the system after 48 hours unreviewed. */
export function ReviewedBy({ ticket }: { ticket: Pick<Ticket, "reviewed_by"> }) {
  const { t } = useI18n();
  if (!ticket.reviewed_by) return <>—</>;
  if (ticket.reviewed_by === SYSTEM_REVIEWER)
    return (
      <Tag color="purple" data-testid="auto-approved">
        {t("auto_approved")}
      </Tag>
    );
  return <>{ticket.reviewed_by}</>;
}

type BatchResult = Schemas["BatchReviewOut"];

/** The batch review dialog: one outcome (and a reason where one is needed), then each ticket's answer. */
export function BatchReviewDialog(props: { ids: number[]; open: boolean; onClose: (reviewed: boolean) => void }) {
  const { t, lang } = useI18n();
  const [outcome, setOutcome] = useState<Outcome>("approve_shipment");
  const [reason, setReason] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<BatchResult | null>(null);
  const send = useIdempotentAction(reviewBatch);
  const needsReason = REASON_NEEDED.includes(outcome);
  const ready = !needsReason || reason.trim().length > 0;
  const close = () => {
    send.end();
    const reviewed = result !== null;
    setResult(null);
    setError(null);
    setReason("");
    props.onClose(reviewed);
  };
  const submit = () => {
    setError(null);
    send.run({ ticket_ids: props.ids, outcome, reason: reason.trim() || null }).then(setResult, setError);
  };
  return (
    <Modal
      open={props.open}
      title={`${t("batch_review")} (${props.ids.length})`}
      onCancel={close}
      maskClosable={false}
      destroyOnHidden
      footer={
        result ? (
          <Button type="primary" onClick={close}>
            {t("close")}
          </Button>
        ) : (
          <Space>
            <Button onClick={close}>{t("cancel")}</Button>
            <Button type="primary" disabled={!ready} loading={send.running} onClick={submit}>
              {t("confirm")}
            </Button>
          </Space>
        )
      }
    >
      {result ? (
        <>
          <Alert
            type={result.refused > 0 ? "warning" : "success"}
            showIcon
            data-testid="batch-summary"
            message={`${t("batch_reviewed")} ${result.reviewed} · ${t("batch_refused")} ${result.refused}`}
            style={{ marginBottom: 12 }}
          />
          <Table<Schemas["BatchItemOut"]>
            aria-label={t("batch_results")}
            rowKey="ticket_id"
            size="small"
            pagination={false}
            dataSource={result.results}
            columns={[
              { title: t("ticket_id"), dataIndex: "ticket_id" },
              {
                title: t("result"),
                dataIndex: "ok",
                render: (ok: boolean) => <Tag color={ok ? "green" : "red"}>{t(ok ? "batch_ok" : "batch_failed")}</Tag>,
              },
              {
                title: t("detail"),
                key: "detail",
                render: (_, r) =>
                  r.ok && r.status
                    ? t(statusLabel(r.status))
                    : errorText(new ApiError(409, r.code ?? "", r.message ?? ""), lang),
              },
            ]}
          />
        </>
      ) : (
        <Form layout="vertical">
          <Form.Item label={t("review_outcome")} htmlFor="batch-outcome">
            <Select<Outcome>
              id="batch-outcome"
              value={outcome}
              onChange={setOutcome}
              options={BATCH_OUTCOMES.map((o) => ({ value: o, label: t(outcomeLabel(o)) }))}
            />
          </Form.Item>
          <Form.Item
            label={t("reason")}
            required={needsReason}
            htmlFor="batch-reason"
            help={!ready ? t("reason_required") : undefined}
          >
            <Input.TextArea id="batch-reason" rows={3} maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
          </Form.Item>
          <p>{t("batch_one_application")}</p>
          {error !== null && <Alert type="error" showIcon role="alert" message={errorText(error, lang)} />}
        </Form>
      )}
    </Modal>
  );
}

export default function Tickets() {
  const { t } = useI18n();
  const { can } = useAuth();
  const client = useQueryClient();
  const list = useListQuery(FILTERS, ["aftersales", "tickets"], fetchTickets);
  const [selected, setSelected] = useState<number[]>([]);
  const [batchOpen, setBatchOpen] = useState(false);
  const mayBatch = can("POST /api/v1/aftersales/tickets/review-batch");
  const columns = useMemo<TableColumnsType<Ticket>>(
    () => [
      {
        title: t("ticket_id"),
        dataIndex: "id",
        render: (id: number) => (
          <Link to={`/aftersales/tickets/${id}`} aria-label={`${t("details")} ${id}`}>
            {id}
          </Link>
        ),
      },
      { title: t("ticket_status"), dataIndex: "status", render: (s: string) => <Tag>{t(statusLabel(s))}</Tag> },
      { title: t("review_outcome"), dataIndex: "outcome", render: (o: string | null) => (o ? t(outcomeLabel(o)) : "—") },
      { title: t("reviewed_by"), key: "reviewed_by", render: (_, r) => <ReviewedBy ticket={r} /> },
      { title: t("seller_id"), dataIndex: "seller_id" },
      { title: t("application_no"), dataIndex: "application_no" },
      { title: t("order_no"), dataIndex: "order_no" },
      { title: t("customer_id"), dataIndex: "customer_id" },
      { title: t("service_type"), dataIndex: "service_type", render: (s: string) => t(serviceLabel(s)) },
      { title: t("opened_at"), dataIndex: "created_at", render: (v: string) => dateTime(v) },
      { title: t("review_due_at"), dataIndex: "review_due_at", render: (v: string | null) => dateTime(v) },
    ],
    [t],
  );
  return (
    <ListPage<Key, Ticket>
      list={list}
      title={t("menu_aftersales_tickets")}
      grid={12}
      fields={<TicketFields />}
      onSearch={() => setSelected([])}
      toolbar={
        mayBatch && (
          <Space style={{ marginBottom: 12 }}>
            <Button type="primary" disabled={selected.length === 0} onClick={() => setBatchOpen(true)}>
              {t("batch_review")} ({selected.length})
            </Button>
          </Space>
        )
      }
      table={{
        rowKey: "id",
        columns,
        rowSelection: mayBatch
          ? {
              selectedRowKeys: selected,
              onChange: (keys) => setSelected(keys.map(Number)),
              // only tickets the API offers this user for review
              getCheckboxProps: (r) => ({ disabled: !r.actions.includes("review"), "aria-label": `${t("select")} ${r.id}` }),
            }
          : undefined,
      }}
    >
      <BatchReviewDialog
        ids={selected}
        open={batchOpen}
        onClose={(reviewed) => {
          setBatchOpen(false);
          if (reviewed) {
            setSelected([]);
            void client.invalidateQueries({ queryKey: ["aftersales"] });
          }
        }}
      />
    </ListPage>
  );
}
