// One ticket: what the customer asked, who reviewed it (the system after 48 hours shows as
// such), its images (thumbnails, click to enlarge), its history, and the actions the API
// offers this user: the review (reviewers) and the processing step (processors only).
import "../../i18n/reportsTexts";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Card, Descriptions, Empty, Form, Image, Input, Select, Space, Spin, Table, Tag, message } from "antd";
import { useState } from "react";
import { useParams } from "react-router-dom";
import { api, unwrap, type Schemas } from "../../api/client";
import { errorText } from "../../api/errors";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/i18n";
import { dateTime } from "../../shared/format";
import { useIdempotentAction } from "../../shared/idempotency";
import { ListError } from "../../shared/ListError";
import { processTicket, receiveReturn, reviewTicket } from "./commands";
import {
  OUTCOMES,
  REASON_NEEDED,
  eventLabel,
  RESULTS,
  outcomeLabel,
  resultLabel,
  serviceLabel,
  statusLabel,
  ticketActions,
  type Outcome,
  type ProcessingResult,
  type Ticket,
} from "./labels";
import { ReviewedBy } from "./Tickets";

type Detail = Schemas["TicketDetailOut"];

function Thumbnail({ ticketId, image }: { ticketId: number; image: Schemas["ImageOut"] }) {
  const { t } = useI18n();
  const data = useQuery({
    queryKey: ["aftersales", "image", ticketId, image.id],
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/aftersales/tickets/{ticket_id}/images/{image_id}", {
          params: { path: { ticket_id: ticketId, image_id: image.id } },
        }),
      ),
    staleTime: Infinity, // an image never changes
  });
  const label = `${t(image.kind === "review" ? "images_review" : "images_customer")} ${image.filename}`;
  if (!data.data) return <Spin />;
  return (
    <Image
      width={96}
      height={96}
      style={{ objectFit: "cover" }}
      alt={label}
      src={`data:${data.data.content_type};base64,${data.data.data_base64}`}
      preview={{ mask: t("enlarge") }}
    />
  );
}

function Images({ ticket }: { ticket: Detail }) {
  const { t } = useI18n();
  if (ticket.images.length === 0) return <Empty description={t("no_images")} />;
  return (
    <Image.PreviewGroup>
      <Space wrap size="middle">
        {ticket.images.map((img) => (
          <figure key={img.id} style={{ margin: 0, textAlign: "center" }}>
            <Thumbnail ticketId={ticket.id} image={img} />
            <figcaption style={{ fontSize: 12 }}>
              {t(img.kind === "review" ? "images_review" : "images_customer")} · {Math.ceil(img.size_bytes / 1024)} KB
            </figcaption>
          </figure>
        ))}
      </Space>
    </Image.PreviewGroup>
  );
}

function History({ events }: { events: Schemas["TicketEventOut"][] }) {
  const { t } = useI18n();
  return (
    <Table<Schemas["TicketEventOut"]>
      aria-label={t("history")}
      rowKey={(e, i) => `${e.at}-${i}`}
      size="small"
      pagination={false}
      dataSource={events}
      columns={[
        { title: t("time"), dataIndex: "at", render: (v: string) => dateTime(v) },
        { title: t("action"), dataIndex: "action", render: (a: string) => (eventLabel(a) ? t(eventLabel(a)!) : a) },
        {
          title: t("executor"),
          key: "actor",
          render: (_, e) => (e.actor_kind === "system" ? <Tag color="purple">{t("system")}</Tag> : e.actor),
        },
        { title: t("ticket_status"), dataIndex: "to_status", render: (s: string) => t(statusLabel(s)) },
        { title: t("review_outcome"), dataIndex: "outcome", render: (o: string | null) => (o ? t(outcomeLabel(o)) : "") },
        { title: t("reason"), dataIndex: "reason" },
      ]}
    />
  );
}

function ReviewCard({ ticket, onDone }: { ticket: Ticket; onDone: () => void }) {
  const { t, lang } = useI18n();
  const [outcome, setOutcome] = useState<Outcome | undefined>();
  const [reason, setReason] = useState("");
  const [error, setError] = useState<unknown>(null);
  const review = useIdempotentAction(reviewTicket);
  const needsReason = outcome !== undefined && REASON_NEEDED.includes(outcome);
  const ready = outcome !== undefined && (!needsReason || reason.trim().length > 0);
  const send = () => {
    if (!outcome) return;
    setError(null);
    review.run({ id: ticket.id, body: { outcome, reason: reason.trim() || null, images: [] } }).then(() => {
      void message.success(t("done"));
      onDone();
    }, setError);
  };
  return (
    <Card title={t("review")} size="small" style={{ marginBottom: 16 }} data-testid="review-step">
      <Form layout="vertical" style={{ maxWidth: 520 }}>
        <Form.Item label={t("review_outcome")} htmlFor="review-outcome">
          <Select<Outcome>
            id="review-outcome"
            value={outcome}
            placeholder={t("choose")}
            onChange={setOutcome}
            options={OUTCOMES.map((o) => ({ value: o, label: t(outcomeLabel(o)) }))}
          />
        </Form.Item>
        <Form.Item label={t("reason")} required={needsReason} htmlFor="review-reason" help={needsReason && !ready ? t("reason_required") : undefined}>
          <Input.TextArea id="review-reason" rows={2} maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
        </Form.Item>
        <Button type="primary" disabled={!ready} loading={review.running} onClick={send}>
          {t("submit_review")}
        </Button>
      </Form>
      {error !== null && <Alert type="error" showIcon role="alert" message={errorText(error, lang)} style={{ marginTop: 12 }} />}
    </Card>
  );
}

/** 处理: receive the return, then record what was done. Shown only when the API offers it. */
function ProcessingCard({ ticket, actions, onDone }: { ticket: Ticket; actions: string[]; onDone: () => void }) {
  const { t, lang } = useI18n();
  const [result, setResult] = useState<ProcessingResult | undefined>();
  const [error, setError] = useState<unknown>(null);
  const receive = useIdempotentAction(receiveReturn);
  const process = useIdempotentAction(processTicket);
  const finish = (pending: Promise<unknown>) => {
    setError(null);
    pending.then(() => {
      void message.success(t("done"));
      onDone();
    }, setError);
  };
  return (
    <Card title={t("processing_step")} size="small" style={{ marginBottom: 16 }} data-testid="processing-step">
      <Space wrap>
        {actions.includes("receive") && (
          <Button type="primary" loading={receive.running} onClick={() => finish(receive.run(ticket.id))}>
            {t("receive_return")}
          </Button>
        )}
        {actions.includes("process") && (
          <>
            <Select<ProcessingResult>
              aria-label={t("processing_result")}
              style={{ width: 200 }}
              placeholder={t("processing_result")}
              value={result}
              onChange={setResult}
              options={RESULTS.map((r) => ({ value: r, label: t(resultLabel(r)) }))}
            />
            <Button
              type="primary"
              disabled={!result}
              loading={process.running}
              onClick={() => result && finish(process.run({ id: ticket.id, result }))}
            >
              {t("complete_processing")}
            </Button>
          </>
        )}
      </Space>
      {error !== null && <Alert type="error" showIcon role="alert" message={errorText(error, lang)} style={{ marginTop: 12 }} />}
    </Card>
  );
}

export default function TicketDetail() {
  const { ticketId = "" } = useParams();
  const id = Number(ticketId);
  const { t } = useI18n();
  const { can } = useAuth();
  const client = useQueryClient();
  const result = useQuery({
    queryKey: ["aftersales", "ticket", id],
    queryFn: () => unwrap(api.GET("/api/v1/aftersales/tickets/{ticket_id}", { params: { path: { ticket_id: id } } })),
  });
  if (result.isError) return <ListError error={result.error} retry={() => void result.refetch()} />;
  const ticket = result.data;
  if (!ticket) return <Spin />;
  const actions = ticketActions(ticket, can);
  const refresh = () => void client.invalidateQueries({ queryKey: ["aftersales"] });
  return (
    <>
      <h2>
        {t("ticket")} {ticket.id} <Tag data-testid="ticket-status">{t(statusLabel(ticket.status))}</Tag>
      </h2>
      {actions.includes("review") && <ReviewCard ticket={ticket} onDone={refresh} />}
      {(actions.includes("receive") || actions.includes("process")) && (
        <ProcessingCard ticket={ticket} actions={actions} onDone={refresh} />
      )}
      <Descriptions bordered size="small" column={3} style={{ marginBottom: 16 }}>
        <Descriptions.Item label={t("seller_id")}>{ticket.seller_id}</Descriptions.Item>
        <Descriptions.Item label={t("application_no")}>{ticket.application_no}</Descriptions.Item>
        <Descriptions.Item label={t("order_no")}>{ticket.order_no}</Descriptions.Item>
        <Descriptions.Item label={t("customer_id")}>{ticket.customer_id}</Descriptions.Item>
        <Descriptions.Item label={t("service_type")}>{t(serviceLabel(ticket.service_type))}</Descriptions.Item>
        <Descriptions.Item label={t("opened_at")}>
          {dateTime(ticket.created_at)} · {ticket.created_by}
        </Descriptions.Item>
        <Descriptions.Item label={t("review_outcome")}>{ticket.outcome ? t(outcomeLabel(ticket.outcome)) : "—"}</Descriptions.Item>
        <Descriptions.Item label={t("reviewed_by")}>
          <ReviewedBy ticket={ticket} /> {dateTime(ticket.reviewed_at)}
        </Descriptions.Item>
        <Descriptions.Item label={t("review_due_at")}>{dateTime(ticket.review_due_at)}</Descriptions.Item>
        <Descriptions.Item label={t("processing_result")}>
          {ticket.processing_result ? t(resultLabel(ticket.processing_result)) : "—"}
        </Descriptions.Item>
        <Descriptions.Item label={t("receipt_due_at")}>{dateTime(ticket.receipt_due_at)}</Descriptions.Item>
        <Descriptions.Item label={t("processing_due_at")}>{dateTime(ticket.processing_due_at)}</Descriptions.Item>
        <Descriptions.Item label={t("description")} span={3}>
          {ticket.description}
        </Descriptions.Item>
        {ticket.review_reason && (
          <Descriptions.Item label={t("reason")} span={3}>
            {ticket.review_reason}
          </Descriptions.Item>
        )}
      </Descriptions>
      <Card title={t("images")} size="small" style={{ marginBottom: 16 }}>
        <Images ticket={ticket} />
      </Card>
      <Card title={t("history")} size="small">
        <History events={ticket.history} />
      </Card>
    </>
  );
}
