// After-sales tickets (服务单): filters in the URL (status, opening dates, seller, outcome,
// order), newest first; tickets the API offers for review can be selected and reviewed
// together, and the answer for each ticket is shown (one that fails stops no other).
import "../../i18n/reportsTexts";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Col, Empty, Form, Input, Modal, Row, Select, Space, Table, Tag, type TableColumnsType } from "antd";
import { useEffect, useMemo, useState } from "react";
import { Link } from "react-router-dom";
import { api, unwrap, type Schemas } from "../../api/client";
import { ApiError, errorText } from "../../api/errors";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/i18n";
import { CursorPager } from "../../shared/CursorPager";
import { notBefore, SearchButtons } from "../../shared/FilterForm";
import { dateTime } from "../../shared/format";
import { useIdempotentAction } from "../../shared/idempotency";
import { ListError } from "../../shared/ListError";
import { useUrlFilters, type Filters } from "../../shared/urlFilters";
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
const emptyForm: Filters<Key> = Object.fromEntries(FILTERS.map((k) => [k, undefined]));

function TicketFilters({ initial, onSearch }: { initial: Filters<Key>; onSearch: (f: Filters<Key>) => void }) {
  const { t } = useI18n();
  const [form] = Form.useForm<Filters<Key>>();
  useEffect(() => form.setFieldsValue({ ...emptyForm, ...initial }), [form, initial]);
  return (
    <Form<Filters<Key>> form={form} layout="vertical" onFinish={onSearch} aria-label={t("search")}>
      <Row gutter={16}>
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
        <Col span={6}>
          <Form.Item label={t("opened_from")} name="created_from">
            <Input type="date" />
          </Form.Item>
        </Col>
        <Col span={6}>
          <Form.Item
            label={t("opened_to")}
            name="created_to"
            dependencies={["created_from"]}
            rules={[notBefore("created_from", t("date_range_invalid"))]}
          >
            <Input type="date" />
          </Form.Item>
        </Col>
        <Col span={12} style={{ display: "flex", alignItems: "end", paddingBottom: 24 }}>
          <SearchButtons
            onReset={() => {
              form.setFieldsValue(emptyForm);
              onSearch({});
            }}
          />
        </Col>
      </Row>
    </Form>
  );
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
  const { filters, cursor, page, limit, search, goTo, setLimit } = useUrlFilters(FILTERS);
  const [selected, setSelected] = useState<number[]>([]);
  const [batchOpen, setBatchOpen] = useState(false);
  const query = useMemo(
    () => ({
      ...filters,
      status: filters.status as TicketStatus | undefined,
      outcome: filters.outcome as Outcome | undefined,
      limit,
      cursor,
    }),
    [filters, limit, cursor],
  );
  const result = useQuery({
    queryKey: ["aftersales", "tickets", query],
    queryFn: () => unwrap(api.GET("/api/v1/aftersales/tickets", { params: { query } })),
  });
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
    <>
      <h2>{t("menu_aftersales_tickets")}</h2>
      <TicketFilters
        initial={filters}
        onSearch={(f) => {
          setSelected([]);
          search(f);
        }}
      />
      {mayBatch && (
        <Space style={{ marginBottom: 12 }}>
          <Button type="primary" disabled={selected.length === 0} onClick={() => setBatchOpen(true)}>
            {t("batch_review")} ({selected.length})
          </Button>
        </Space>
      )}
      {result.isError && <ListError error={result.error} retry={() => void result.refetch()} />}
      <Table<Ticket>
        rowKey="id"
        size="middle"
        loading={result.isFetching}
        dataSource={result.data?.items ?? []}
        pagination={false}
        scroll={{ x: "max-content" }}
        locale={{ emptyText: <Empty description={t("empty")} /> }}
        columns={columns}
        rowSelection={
          mayBatch
            ? {
                selectedRowKeys: selected,
                onChange: (keys) => setSelected(keys.map(Number)),
                // only tickets the API offers this user for review
                getCheckboxProps: (r) => ({ disabled: !r.actions.includes("review"), "aria-label": `${t("select")} ${r.id}` }),
              }
            : undefined
        }
      />
      <CursorPager page={page} next={result.data?.next_cursor} goTo={goTo} limit={limit} setLimit={setLimit} />
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
    </>
  );
}
