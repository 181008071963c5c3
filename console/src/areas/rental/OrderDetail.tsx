// One rental order (seed 001 2.8, 3.1): the bike and its lock, the user's status, the fixes
// made, and the exception fix only when the API offers it (`actions`: the lock reports
// locked or another user rides the bike). Otherwise the agent is told to send on-site staff.
import "../../i18n/rentalTexts";
import { useQuery } from "@tanstack/react-query";
import { Alert, Button, Card, Descriptions, Empty, Form, Input, Modal, Spin, Table, Tag } from "antd";
import { useState } from "react";
import { Link, useParams } from "react-router-dom";
import { api, unwrap, type Schemas } from "../../api/client";
import { errorText } from "../../api/errors";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/i18n";
import type { TextKey } from "../../i18n/texts";
import { dateTime, shanghaiIso, yuanFromCents } from "../../shared/format";
import { ListError } from "../../shared/ListError";
import { fixException } from "./commands";
import { orderStatusLabel, STATUS_COLOR, userStatusLabel } from "./labels";
import { useCommand } from "./useCommand";

type Order = Schemas["RentalOrderDetailOut"];

function FixDialog({ order, onClose }: { order: Order; onClose: () => void }) {
  const { t, lang } = useI18n();
  const fix = useCommand(fixException, onClose);
  const [endedAt, setEndedAt] = useState("");
  const [reason, setReason] = useState("");
  const ready = endedAt !== "" && reason.trim() !== "";
  return (
    <Modal
      open
      title={t("r_exception_fix")}
      okText={t("confirm")}
      cancelText={t("cancel")}
      okButtonProps={{ disabled: !ready, loading: fix.running }}
      onOk={() => ready && void fix.run({ tripId: order.trip_id, body: { ended_at: shanghaiIso(endedAt), reason: reason.trim() } })}
      onCancel={() => {
        fix.cancel();
        onClose();
      }}
      maskClosable={false}
    >
      <Alert type="warning" showIcon message={t("r_exception_fix_hint")} style={{ marginBottom: 12 }} />
      <Form layout="vertical">
        <Form.Item label={t("r_reported_end")} required htmlFor="fix-ended-at">
          <Input id="fix-ended-at" type="datetime-local" value={endedAt} onChange={(e) => setEndedAt(e.target.value)} />
        </Form.Item>
        <Form.Item label={t("reason")} required htmlFor="fix-reason">
          <Input.TextArea id="fix-reason" rows={3} maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
        </Form.Item>
      </Form>
      {fix.error !== null && <Alert type="error" showIcon role="alert" message={errorText(fix.error, lang)} />}
    </Modal>
  );
}

export default function OrderDetail() {
  const { tripId = "" } = useParams();
  const { t } = useI18n();
  const { can } = useAuth();
  const [fixing, setFixing] = useState(false);
  const order = useQuery({
    queryKey: ["rental", "order", tripId],
    queryFn: () => unwrap(api.GET("/api/v1/rental/orders/{trip_id}", { params: { path: { trip_id: tripId } } })),
  });
  if (order.isError) return <ListError error={order.error} retry={() => void order.refetch()} />;
  const o = order.data;
  if (!o) return <Spin />;
  const offered = o.actions.includes("exception_fix") && can("POST /api/v1/rental/orders/{trip_id}/exception-fix");
  const open = o.status !== "ended";
  return (
    <>
      <h2>
        {t("r_order")} {o.trip_id}{" "}
        <Tag color={STATUS_COLOR[o.status]} data-testid="order-status">
          {t(orderStatusLabel(o.status))}
        </Tag>
      </h2>
      <Card title={t("actions")} size="small" style={{ marginBottom: 16 }}>
        {offered ? (
          <Button type="primary" danger onClick={() => setFixing(true)}>
            {t("r_exception_fix")}
          </Button>
        ) : open ? (
          <Alert type="info" showIcon data-testid="fix-not-offered" message={t("r_fix_not_offered")} />
        ) : (
          <p>{t("r_no_actions")}</p>
        )}
      </Card>
      {fixing && <FixDialog order={o} onClose={() => setFixing(false)} />}
      <Descriptions bordered size="small" column={3} style={{ marginBottom: 16 }}>
        <Descriptions.Item label={t("user_id")}>
          <Link to={`/rental/users/${encodeURIComponent(o.user_id)}`}>{o.user_id}</Link>
        </Descriptions.Item>
        <Descriptions.Item label={t("r_name")}>{o.name}</Descriptions.Item>
        <Descriptions.Item label={t("phone")}>{o.phone}</Descriptions.Item>
        <Descriptions.Item label={t("r_started_at")}>{dateTime(o.started_at)}</Descriptions.Item>
        <Descriptions.Item label={t("r_ended_at")}>{dateTime(o.ended_at)}</Descriptions.Item>
        <Descriptions.Item label={t("r_charge")}>{o.charge_cents === null ? "—" : yuanFromCents(o.charge_cents)}</Descriptions.Item>
        <Descriptions.Item label={t("r_start_point")}>
          {o.start_point.name} ({o.start_point.latitude}, {o.start_point.longitude})
        </Descriptions.Item>
        <Descriptions.Item label={t("r_end_point")} span={2}>
          {o.end_point ? `${o.end_point.name} (${o.end_point.latitude}, ${o.end_point.longitude})` : "—"}
        </Descriptions.Item>
        <Descriptions.Item label={t("r_bike_id")}>{o.bike.bike_id}</Descriptions.Item>
        <Descriptions.Item label={t("r_bike_status")}>{t(`r_bike_${o.bike.status}` as TextKey)}</Descriptions.Item>
        <Descriptions.Item label={t("r_lock_state")}>
          <span data-testid="lock-state">{o.bike.lock_state ? t(`r_lock_${o.bike.lock_state}` as TextKey) : t("r_lock_unknown")}</span>
          {o.bike.lock_reported_at ? ` · ${dateTime(o.bike.lock_reported_at)}` : ""}
        </Descriptions.Item>
        <Descriptions.Item label={t("r_user_status")}>{t(userStatusLabel(o.user_status))}</Descriptions.Item>
        <Descriptions.Item label={t("r_is_latest")}>{o.is_users_latest ? t("r_yes") : t("r_no")}</Descriptions.Item>
        <Descriptions.Item label={t("r_fixed_at")}>{o.fixed_at ? dateTime(o.fixed_at) : "—"}</Descriptions.Item>
      </Descriptions>
      <Card title={t("r_fixes")} size="small">
        <Table<Schemas["ExceptionFixOut"]>
          rowKey="id"
          size="small"
          pagination={false}
          dataSource={o.fixes}
          scroll={{ x: "max-content" }}
          locale={{ emptyText: <Empty description={t("r_no_records")} /> }}
          columns={[
            { title: t("operated_at"), dataIndex: "at", render: (v: string) => dateTime(v) },
            { title: t("operator"), dataIndex: "actor" },
            { title: t("r_reported_end"), dataIndex: "reported_end", render: (v: string) => dateTime(v) },
            { title: t("r_lock_state"), dataIndex: "lock_state", render: (v: string | null) => (v ? t(`r_lock_${v}` as TextKey) : "—") },
            {
              title: t("r_charge"),
              key: "charge",
              render: (_, f) => `${f.old_charge_cents === null ? "—" : yuanFromCents(f.old_charge_cents)} → ${yuanFromCents(f.new_charge_cents)}`,
            },
            { title: t("reason"), dataIndex: "reason" },
          ]}
        />
      </Card>
    </>
  );
}
