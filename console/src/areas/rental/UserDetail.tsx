// One user (seed 001 2.2): account, deposit and rental history, the agents' past commands,
// and the commands the API offers now (`actions`), each with its reason.
import "../../i18n/rentalTexts";
import { useQuery } from "@tanstack/react-query";
import { Alert, Button, Card, Descriptions, Empty, Form, Modal, Select, Space, Spin, Table, Input } from "antd";
import { useState } from "react";
import { Link, useParams } from "react-router-dom";
import { api, unwrap, type Schemas } from "../../api/client";
import { errorText } from "../../api/errors";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/i18n";
import type { TextKey } from "../../i18n/texts";
import { dateTime, yuanFromCents } from "../../shared/format";
import { ListError } from "../../shared/ListError";
import { ReasonDialog } from "../../shared/ReasonDialog";
import { fixStatus, userCommand } from "./commands";
import { cardStateLabel, cardTypeLabel, flowKindLabel, offered, USER_ROUTES, USER_STATUSES, userStatusLabel, type UserAction, type UserStatus } from "./labels";
import { OrderTable } from "./Orders";
import { usePagedQuery } from "./paging";
import { StatusTag, UserFlags } from "./Users";
import { useCommand } from "./useCommand";

type ReasonAction = Exclude<UserAction, "status_fix">;
const ACTION_TEXT: Record<UserAction, TextKey> = {
  status_fix: "r_status_fix",
  blacklist: "r_do_blacklist",
  restore_from_blacklist: "r_do_unblacklist",
  delete: "r_do_delete",
  restore: "r_do_restore",
};

function StatusFixDialog(props: { user: Schemas["RentalUserDetailOut"]; onClose: () => void }) {
  const { t, lang } = useI18n();
  const fix = useCommand(fixStatus, props.onClose);
  const [status, setStatus] = useState<UserStatus>("idle");
  const [reason, setReason] = useState("");
  const trip = props.user.latest_order;
  return (
    <Modal
      open
      title={t("r_status_fix")}
      okText={t("confirm")}
      cancelText={t("cancel")}
      okButtonProps={{ disabled: !reason.trim() || !trip, loading: fix.running }}
      onOk={() => trip && void fix.run({ userId: props.user.user_id, body: { trip_id: trip.trip_id, status, reason: reason.trim() } })}
      onCancel={() => {
        fix.cancel();
        props.onClose();
      }}
      maskClosable={false}
    >
      <p>{t("r_status_fix_hint")}</p>
      <Form layout="vertical">
        <Form.Item label={t("r_latest_order")}>{trip?.trip_id ?? "—"}</Form.Item>
        <Form.Item label={t("r_new_status")} htmlFor="new-status">
          <Select
            id="new-status"
            value={status}
            onChange={setStatus}
            options={USER_STATUSES.map((s) => ({ value: s, label: t(userStatusLabel(s)) }))}
          />
        </Form.Item>
        <Form.Item label={t("reason")} required htmlFor="status-reason">
          <Input.TextArea id="status-reason" rows={3} maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
        </Form.Item>
      </Form>
      {fix.error !== null && <Alert type="error" showIcon role="alert" message={errorText(fix.error, lang)} />}
    </Modal>
  );
}

export function UserActions({ user }: { user: Schemas["RentalUserDetailOut"] }) {
  const { t } = useI18n();
  const { can } = useAuth();
  const [dialog, setDialog] = useState<UserAction | null>(null);
  const command = useCommand(userCommand, () => setDialog(null));
  const actions = offered(user.actions, USER_ROUTES, can);
  return (
    <Card title={t("actions")} size="small" style={{ marginBottom: 16 }}>
      {actions.length === 0 && <p data-testid="no-user-actions">{t("r_no_actions")}</p>}
      <div data-testid="user-actions">
        <Space wrap>
        {actions.map((a) => (
          <Button key={a} danger={a === "blacklist" || a === "delete"} onClick={() => setDialog(a)}>
            {t(ACTION_TEXT[a])}
          </Button>
        ))}
      </Space>
      </div>
      {dialog === "status_fix" && <StatusFixDialog user={user} onClose={() => setDialog(null)} />}
      <ReasonDialog
        open={dialog !== null && dialog !== "status_fix"}
        title={dialog ? t(ACTION_TEXT[dialog]) : ""}
        hint={t("r_reason_hint")}
        busy={command.running}
        error={command.error}
        onConfirm={(reason) =>
          dialog && dialog !== "status_fix" && void command.run({ userId: user.user_id, action: dialog as ReasonAction, reason })
        }
        onCancel={() => {
          command.cancel();
          setDialog(null);
        }}
      />
    </Card>
  );
}

function AccountSummary({ userId }: { userId: string }) {
  const { t } = useI18n();
  const { can } = useAuth();
  const account = useQuery({
    queryKey: ["rental", "account", userId],
    queryFn: () => unwrap(api.GET("/api/v1/rental/accounts/{user_id}", { params: { path: { user_id: userId } } })),
    enabled: can("GET /api/v1/rental/accounts/{user_id}"),
  });
  if (!account.data) return account.isError ? <ListError error={account.error} retry={() => void account.refetch()} /> : null;
  const a = account.data;
  return (
    <Descriptions bordered size="small" column={4}>
      <Descriptions.Item label={t("r_balance")}>{yuanFromCents(a.balance_cents)}</Descriptions.Item>
      <Descriptions.Item label={t("r_deposit")}>{yuanFromCents(a.deposit_cents)}</Descriptions.Item>
      <Descriptions.Item label={t("r_held")}>{yuanFromCents(a.held_cents)}</Descriptions.Item>
      <Descriptions.Item label={t("r_card_state")}>{t(cardStateLabel(a.card_state))}</Descriptions.Item>
    </Descriptions>
  );
}

/** The account's ledger; with `book`, the movements that changed that sum (the deposit's history). */
export function MovementTable({ userId, book }: { userId: string; book?: "deposit" }) {
  const { t } = useI18n();
  const { can } = useAuth();
  const paged = usePagedQuery(["rental", "movements", userId, book], (cursor) =>
    unwrap(
      api.GET("/api/v1/rental/accounts/{user_id}/movements", { params: { path: { user_id: userId }, query: { limit: 20, cursor, book } } }),
    ),
    can("GET /api/v1/rental/accounts/{user_id}/movements"),
  );
  const items = paged.data?.items ?? [];
  return (
    <>
      {paged.isError && <ListError error={paged.error} retry={paged.refetch} />}
      <Table<Schemas["MovementOut"]>
        rowKey="id"
        size="small"
        loading={paged.isFetching}
        dataSource={items}
        pagination={false}
        scroll={{ x: "max-content" }}
        locale={{ emptyText: <Empty description={t("empty")} /> }}
        columns={[
          { title: t("r_at"), dataIndex: "at", render: (v: string) => dateTime(v) },
          { title: t("r_kind"), dataIndex: "kind", render: (v: string) => t(flowKindLabel(v)) },
          { title: t("r_balance_delta"), dataIndex: "balance_delta", align: "right", render: (v: number) => yuanFromCents(v) },
          { title: t("r_deposit_delta"), dataIndex: "deposit_delta", align: "right", render: (v: number) => yuanFromCents(v) },
          { title: t("r_held_delta"), dataIndex: "held_delta", align: "right", render: (v: number) => yuanFromCents(v) },
          { title: t("r_balance_after"), dataIndex: "balance_after", align: "right", render: (v: number) => yuanFromCents(v) },
          { title: t("r_deposit_after"), dataIndex: "deposit_after", align: "right", render: (v: number) => yuanFromCents(v) },
          { title: t("r_reference"), dataIndex: "reference" },
          { title: t("operator"), dataIndex: "actor" },
          { title: t("reason"), dataIndex: "reason" },
        ]}
      />
      {paged.pager}
    </>
  );
}

function Rentals({ userId }: { userId: string }) {
  const paged = usePagedQuery(["rental", "user-rentals", userId], (cursor) =>
    unwrap(api.GET("/api/v1/rental/users/{user_id}/rentals", { params: { path: { user_id: userId }, query: { limit: 20, cursor } } })),
  );
  return (
    <>
      {paged.isError && <ListError error={paged.error} retry={paged.refetch} />}
      <OrderTable items={paged.data?.items ?? []} loading={paged.isFetching} points />
      {paged.pager}
    </>
  );
}

export default function UserDetail() {
  const { userId = "" } = useParams();
  const { t } = useI18n();
  const user = useQuery({
    queryKey: ["rental", "user", userId],
    queryFn: () => unwrap(api.GET("/api/v1/rental/users/{user_id}", { params: { path: { user_id: userId } } })),
  });
  if (user.isError) return <ListError error={user.error} retry={() => void user.refetch()} />;
  const u = user.data;
  if (!u) return <Spin />;
  return (
    <>
      <h2>
        {u.name} · {u.user_id} <StatusTag status={u.status} /> <UserFlags user={u} />
      </h2>
      <UserActions user={u} />
      <Descriptions bordered size="small" column={3} style={{ marginBottom: 16 }}>
        <Descriptions.Item label={t("phone")}>{u.phone}</Descriptions.Item>
        <Descriptions.Item label={t("r_card_type")}>{t(cardTypeLabel(u.card_type))}</Descriptions.Item>
        <Descriptions.Item label={t("r_registered_at")}>{dateTime(u.registered_at)}</Descriptions.Item>
        {u.blacklisted && (
          <Descriptions.Item label={t("r_blacklist_reason")} span={3}>
            {u.blacklist_reason} · {u.blacklisted_by} · {dateTime(u.blacklisted_at)}
          </Descriptions.Item>
        )}
        {u.deleted && (
          <Descriptions.Item label={t("r_delete_reason")} span={3}>
            {u.delete_reason} · {u.deleted_by} · {dateTime(u.deleted_at)}
          </Descriptions.Item>
        )}
        <Descriptions.Item label={t("r_latest_order")} span={3}>
          {u.latest_order ? (
            <Link to={`/rental/orders/${encodeURIComponent(u.latest_order.trip_id)}`}>
              {u.latest_order.trip_id} · {u.latest_order.bike_id} · {t(`r_order_${u.latest_order.status}` as TextKey)}
            </Link>
          ) : (
            "—"
          )}
        </Descriptions.Item>
      </Descriptions>
      <Card title={<Link to={`/rental/accounts/${encodeURIComponent(u.user_id)}`}>{t("r_account")}</Link>} size="small" style={{ marginBottom: 16 }}>
        <AccountSummary userId={u.user_id} />
      </Card>
      <Card title={t("r_deposit_history")} size="small" style={{ marginBottom: 16 }}>
        <MovementTable userId={u.user_id} book="deposit" />
      </Card>
      <Card title={t("r_rental_history")} size="small" style={{ marginBottom: 16 }}>
        <Rentals userId={u.user_id} />
      </Card>
      <Card title={t("r_records")} size="small">
        <Table<Schemas["UserActionOut"]>
          aria-label={t("r_records")}
          rowKey={(r) => `${r.at}-${r.action}`}
          size="small"
          pagination={false}
          dataSource={u.records}
          locale={{ emptyText: <Empty description={t("r_no_records")} /> }}
          columns={[
            { title: t("operated_at"), dataIndex: "at", render: (v: string) => dateTime(v) },
            { title: t("operation_type"), dataIndex: "action", render: (v: string) => t(`r_record_${v}` as TextKey) },
            { title: t("operator"), dataIndex: "actor" },
            { title: t("reason"), dataIndex: "reason" },
            {
              title: t("r_user_status"),
              key: "st",
              render: (_, r) => (r.old_status ? `${t(userStatusLabel(r.old_status))} → ${t(userStatusLabel(r.new_status ?? ""))}` : "—"),
            },
          ]}
        />
      </Card>
    </>
  );
}
