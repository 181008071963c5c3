// One account (seed 001 2.3, seed 004): the balance first, deposit, held money, the card and
// its type's limits, today's top-ups; the commands the API offers (`actions`): top-up,
// refunds, card states, the deposit (ops supervisor); the ledger, the receipts, and each
// refund with its progress in the refund service (its requested refund's state).
import "../../i18n/rentalTexts";
import { useQuery } from "@tanstack/react-query";
import { Alert, Button, Card, Descriptions, Empty, Form, Input, Modal, Space, Spin, Steps, Table, Tabs } from "antd";
import { useState } from "react";
import { Link, useParams } from "react-router-dom";
import { api, unwrap, type Schemas } from "../../api/client";
import { errorText } from "../../api/errors";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/i18n";
import type { TextKey } from "../../i18n/texts";
import { centsFromYuan, dateTime, yuanFromCents } from "../../shared/format";
import { ListError } from "../../shared/ListError";
import { ReasonDialog } from "../../shared/ReasonDialog";
import { CardTag } from "./Accounts";
import { changeCard, changeDeposit, requestRefund } from "./commands";
import { ACCOUNT_ROUTES, cardTypeLabel, offered, refundStateLabel, type AccountAction, type CardState } from "./labels";
import { usePagedQuery } from "./paging";
import { openReceipt } from "./receipt";
import { TopUpDialog } from "./TopUpDialog";
import { useCommand } from "./useCommand";
import { MovementTable } from "./UserDetail";

type Account = Schemas["AccountOut"];
const CARD_TARGET: Partial<Record<AccountAction, CardState>> = {
  activate_card: "active",
  freeze_card: "frozen",
  report_card_lost: "reported_lost",
  expire_card: "expired",
};

function RefundDialog({ account, kind, onClose }: { account: Account; kind: "deposit" | "stored_value"; onClose: () => void }) {
  const { t, lang } = useI18n();
  const refund = useCommand(requestRefund, onClose);
  const [amount, setAmount] = useState("");
  const [reason, setReason] = useState("");
  const [proof, setProof] = useState("");
  const cents = amount.trim() ? centsFromYuan(amount) : undefined;
  return (
    <Modal
      open
      title={t(kind === "deposit" ? "r_refund_deposit" : "r_refund_stored_value")}
      okText={t("confirm")}
      cancelText={t("cancel")}
      okButtonProps={{ disabled: !reason.trim() || cents === null, loading: refund.running }}
      onOk={() =>
        cents !== null &&
        void refund.run({
          userId: account.user_id,
          body: { kind, amount_cents: kind === "deposit" ? undefined : cents, reason: reason.trim(), proof: proof.trim() || undefined },
        })
      }
      onCancel={() => {
        refund.cancel();
        onClose();
      }}
      maskClosable={false}
    >
      <p>
        {kind === "deposit"
          ? `${t("r_deposit")}: ${yuanFromCents(account.deposit_cents)} (${t("r_refund_deposit_whole")})`
          : `${t("r_balance")}: ${yuanFromCents(account.balance_cents)} (${t("r_refund_stored_value_hint")})`}
      </p>
      <Form layout="vertical">
        {kind === "stored_value" && (
          <Form.Item label={t("r_amount_yuan")} htmlFor="refund-amount">
            <Input id="refund-amount" inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} />
          </Form.Item>
        )}
        <Form.Item label={t("reason")} required htmlFor="refund-reason">
          <Input.TextArea id="refund-reason" rows={2} maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
        </Form.Item>
        <Form.Item label={t("r_proof")} htmlFor="refund-proof">
          <Input id="refund-proof" maxLength={500} value={proof} onChange={(e) => setProof(e.target.value)} />
        </Form.Item>
      </Form>
      {refund.error !== null && <Alert type="error" showIcon role="alert" message={errorText(refund.error, lang)} />}
    </Modal>
  );
}

function DepositDialog({ account, onClose }: { account: Account; onClose: () => void }) {
  const { t, lang } = useI18n();
  const change = useCommand(changeDeposit, onClose);
  const [amount, setAmount] = useState(String(account.deposit_cents / 100));
  const [reason, setReason] = useState("");
  const cents = centsFromYuan(amount);
  return (
    <Modal
      open
      title={t("r_change_deposit")}
      okText={t("confirm")}
      cancelText={t("cancel")}
      okButtonProps={{ disabled: !reason.trim() || cents === null, loading: change.running }}
      onOk={() => cents !== null && void change.run({ userId: account.user_id, body: { deposit_cents: cents, reason: reason.trim() } })}
      onCancel={() => {
        change.cancel();
        onClose();
      }}
      maskClosable={false}
    >
      <Form layout="vertical">
        <Form.Item label={t("r_deposit")} htmlFor="deposit-amount">
          <Input id="deposit-amount" value={amount} onChange={(e) => setAmount(e.target.value)} />
        </Form.Item>
        <Form.Item label={t("reason")} required htmlFor="deposit-reason">
          <Input.TextArea id="deposit-reason" rows={2} value={reason} onChange={(e) => setReason(e.target.value)} />
        </Form.Item>
      </Form>
      {change.error !== null && <Alert type="error" showIcon role="alert" message={errorText(change.error, lang)} />}
    </Modal>
  );
}

/** Where a refund is in the refund service: received, awaiting approval, paying, done. */
function RefundProgress({ refund }: { refund: Schemas["RefundOut"] }) {
  const { t } = useI18n();
  const { can } = useAuth();
  const requested = useQuery({
    queryKey: ["rental", "requested", refund.request_id],
    queryFn: () => unwrap(api.GET("/api/v1/refunds/requested", { params: { query: { request_id: refund.request_id, limit: 1 } } })),
    enabled: can("GET /api/v1/refunds/requested"),
    refetchInterval: refund.status === "pending" ? 5_000 : false,
  });
  const state = requested.data?.items[0]?.state;
  const order = ["awaiting_approval", "paying", "completed"];
  const failed = state === "rejected" || state === "payout_failed" || refund.status === "rejected";
  const current = refund.status === "completed" ? 3 : state ? Math.max(1, order.indexOf(state) + 1) : refund.status === "pending" ? 0 : 3;
  return (
    <div data-testid={`refund-progress-${refund.request_id}`}>
    <Steps
      size="small"
      current={current}
      status={failed ? "error" : refund.status === "completed" ? "finish" : "process"}
      items={[
        { title: t("r_refund_requested"), description: dateTime(refund.requested_at) },
        { title: t(refundStateLabel("awaiting_approval")) },
        { title: t(refundStateLabel(state === "payout_failed" ? "payout_failed" : "paying")) },
        {
          title: t(refundStateLabel(failed && state !== "payout_failed" ? "rejected" : "completed")),
          description: refund.decided_at ? `${refund.decided_by ?? ""} ${dateTime(refund.decided_at)}` : undefined,
        },
      ]}
    />
    </div>
  );
}

function Refunds({ userId }: { userId: string }) {
  const { t } = useI18n();
  // Every refund opens with its progress shown; the agent may fold one away.
  const [folded, setFolded] = useState<ReadonlySet<string>>(new Set());
  const paged = usePagedQuery(["rental", "refunds", userId], (cursor) =>
    unwrap(api.GET("/api/v1/rental/accounts/{user_id}/refunds", { params: { path: { user_id: userId }, query: { limit: 20, cursor } } })),
  );
  return (
    <>
      {paged.isError && <ListError error={paged.error} retry={paged.refetch} />}
      <Table<Schemas["RefundOut"]>
        rowKey="request_id"
        size="small"
        loading={paged.isFetching}
        dataSource={paged.data?.items ?? []}
        pagination={false}
        scroll={{ x: "max-content" }}
        locale={{ emptyText: <Empty description={t("empty")} /> }}
        expandable={{
          expandedRowKeys: (paged.data?.items ?? []).map((r) => r.request_id).filter((k) => !folded.has(k)),
          onExpand: (open, r) =>
            setFolded((now) => {
              const next = new Set(now);
              if (open) next.delete(r.request_id);
              else next.add(r.request_id);
              return next;
            }),
          expandedRowRender: (r) => <RefundProgress refund={r} />,
        }}
        columns={[
          { title: t("r_request_id"), dataIndex: "request_id" },
          { title: t("r_kind"), dataIndex: "kind", render: (v: string) => t(`r_refund_kind_${v}` as TextKey) },
          { title: t("r_amount"), dataIndex: "amount_cents", align: "right", render: (v: number) => yuanFromCents(v) },
          { title: t("r_bonus_deducted"), dataIndex: "bonus_deducted_cents", align: "right", render: (v: number) => yuanFromCents(v) },
          { title: t("r_fee"), dataIndex: "fee_cents", align: "right", render: (v: number) => yuanFromCents(v) },
          { title: t("r_payout"), dataIndex: "payout_cents", align: "right", render: (v: number) => yuanFromCents(v) },
          {
            title: t("r_payout_account"),
            key: "to",
            render: (_, r) =>
              r.payout_account ? `${r.payout_method ? t(`r_pay_${r.payout_method}` as TextKey) : ""} ${r.payout_account}` : t("r_platform_channel"),
          },
          { title: t("reason"), dataIndex: "reason" },
          { title: t("r_requested_by"), dataIndex: "requested_by" },
        ]}
      />
      {paged.pager}
    </>
  );
}

function Receipts({ userId }: { userId: string }) {
  const { t } = useI18n();
  const paged = usePagedQuery(["rental", "receipts", userId], (cursor) =>
    unwrap(api.GET("/api/v1/rental/topups", { params: { query: { user_id: userId, limit: 20, cursor } } })),
  );
  return (
    <>
      {paged.isError && <ListError error={paged.error} retry={paged.refetch} />}
      <Table<Schemas["ReceiptOut"]>
        rowKey="serial_no"
        size="small"
        loading={paged.isFetching}
        dataSource={paged.data?.items ?? []}
        pagination={false}
        locale={{ emptyText: <Empty description={t("empty")} /> }}
        columns={[
          { title: t("r_serial_no"), dataIndex: "serial_no" },
          { title: t("r_at"), dataIndex: "at", render: (v: string) => dateTime(v) },
          { title: t("r_amount"), dataIndex: "amount_cents", align: "right", render: (v: number) => yuanFromCents(v) },
          { title: t("r_bonus"), dataIndex: "bonus_cents", align: "right", render: (v: number) => yuanFromCents(v) },
          { title: t("r_payment_method"), dataIndex: "payment_method", render: (v: string) => t(`r_pay_${v}` as TextKey) },
          { title: t("r_payer_account"), dataIndex: "payer_account" },
          { title: t("operator"), dataIndex: "agent" },
          {
            title: t("r_receipt"),
            key: "print",
            render: (_, r) => (
              <Button type="link" onClick={() => void openReceipt(r.serial_no)}>
                {t("r_print_receipt")}
              </Button>
            ),
          },
        ]}
      />
      {paged.pager}
    </>
  );
}

function Actions({ account }: { account: Account }) {
  const { t } = useI18n();
  const { can } = useAuth();
  const [open, setOpen] = useState<AccountAction | null>(null);
  const card = useCommand(changeCard, () => setOpen(null));
  const actions = offered(account.actions, ACCOUNT_ROUTES, can);
  const target = open ? CARD_TARGET[open] : undefined;
  return (
    <Card title={t("actions")} size="small" style={{ marginBottom: 16 }}>
      {actions.length === 0 && <p>{t("r_no_actions")}</p>}
      <div data-testid="account-actions">
        <Space wrap>
        {actions.map((a) => (
          <Button key={a} type={a === "top_up" ? "primary" : "default"} onClick={() => setOpen(a)}>
            {t(`r_action_${a}` as TextKey)}
          </Button>
        ))}
      </Space>
      </div>
      {open === "top_up" && <TopUpDialog account={account} onClose={() => setOpen(null)} />}
      {open === "refund_deposit" && <RefundDialog account={account} kind="deposit" onClose={() => setOpen(null)} />}
      {open === "refund_stored_value" && <RefundDialog account={account} kind="stored_value" onClose={() => setOpen(null)} />}
      {open === "change_deposit" && <DepositDialog account={account} onClose={() => setOpen(null)} />}
      <ReasonDialog
        open={target !== undefined}
        title={open ? t(`r_action_${open}` as TextKey) : ""}
        hint={t("r_reason_hint")}
        busy={card.running}
        error={card.error}
        onConfirm={(reason) => target && void card.run({ userId: account.user_id, body: { state: target, reason } })}
        onCancel={() => {
          card.cancel();
          setOpen(null);
        }}
      />
    </Card>
  );
}

export default function AccountDetail() {
  const { userId = "" } = useParams();
  const { t } = useI18n();
  const account = useQuery({
    queryKey: ["rental", "account", userId],
    queryFn: () => unwrap(api.GET("/api/v1/rental/accounts/{user_id}", { params: { path: { user_id: userId } } })),
  });
  if (account.isError) return <ListError error={account.error} retry={() => void account.refetch()} />;
  const a = account.data;
  if (!a) return <Spin />;
  return (
    <>
      <h2>
        {t("r_account")} · {a.name ?? ""} <Link to={`/rental/users/${encodeURIComponent(a.user_id)}`}>{a.user_id}</Link>{" "}
        <CardTag state={a.card_state} />
      </h2>
      <Descriptions bordered size="small" column={4} style={{ marginBottom: 16 }}>
        <Descriptions.Item label={t("r_balance")}>
          <strong data-testid="account-balance">{yuanFromCents(a.balance_cents)}</strong>
        </Descriptions.Item>
        <Descriptions.Item label={t("r_deposit")}>{yuanFromCents(a.deposit_cents)}</Descriptions.Item>
        <Descriptions.Item label={t("r_held")}>{yuanFromCents(a.held_cents)}</Descriptions.Item>
        <Descriptions.Item label={t("phone")}>{a.phone ?? "—"}</Descriptions.Item>
        <Descriptions.Item label={t("r_card_type")}>{t(cardTypeLabel(a.card_type))}</Descriptions.Item>
        <Descriptions.Item label={t("r_limit_per_top_up")}>{yuanFromCents(a.limits.per_top_up_cents)}</Descriptions.Item>
        <Descriptions.Item label={t("r_limit_per_day")}>
          {yuanFromCents(a.limits.per_day_cents)} · {a.limits.count_per_day} {t("r_times")}
        </Descriptions.Item>
        <Descriptions.Item label={t("r_today")}>
          {yuanFromCents(a.today.topped_up_cents)} · {a.today.top_ups} {t("r_times")}
        </Descriptions.Item>
      </Descriptions>
      <Actions account={a} />
      <Tabs
        items={[
          { key: "ledger", label: t("r_ledger"), children: <MovementTable userId={a.user_id} /> },
          { key: "refunds", label: t("r_refunds"), children: <Refunds userId={a.user_id} /> },
          { key: "receipts", label: t("r_receipts"), children: <Receipts userId={a.user_id} /> },
        ]}
      />
    </>
  );
}
