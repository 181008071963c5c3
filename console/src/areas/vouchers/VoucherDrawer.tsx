// One voucher: its fields, its order's other vouchers, its operation records, and the Void
// and Reverse order buttons when the API offers them.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Button, Descriptions, Drawer, Empty, Space, Table, Typography } from "antd";
import { useCallback, useState } from "react";
import { api, unwrap, type Schemas } from "../../api/client";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/i18n";
import { dateTime, day, yuan } from "../../shared/format";
import { useIdempotentAction } from "../../shared/idempotency";
import { ListError } from "../../shared/ListError";
import { ReasonDialog } from "../../shared/ReasonDialog";
import { availableActions, outcomeText, reverseOrder, voidVoucher, type OperationStatus, type VoucherAction } from "./actions";
import { OperationResult } from "./OperationResult";
import { SourceText, StatusTag } from "./tags";

type Detail = Schemas["VoucherDetailOut"];

interface Done {
  status: OperationStatus;
  type: "void" | "reversal";
}

export default function VoucherDrawer({ code, onClose }: { code: string | null; onClose: () => void }) {
  const { t } = useI18n();
  const { can } = useAuth();
  const client = useQueryClient();
  const [dialog, setDialog] = useState<VoucherAction | null>(null);
  const [dialogError, setDialogError] = useState<unknown>(null);
  const [done, setDone] = useState<Done | null>(null);

  const detail = useQuery({
    queryKey: ["voucher", code],
    queryFn: () => unwrap(api.GET("/api/v1/vouchers/{code}", { params: { path: { code: code ?? "" } } })),
    enabled: code !== null,
  });
  const orderNo = detail.data?.merchant_order_no;
  const order = useQuery({
    queryKey: ["vouchers", { merchant_order_no: orderNo }],
    queryFn: () => unwrap(api.GET("/api/v1/vouchers", { params: { query: { merchant_order_no: orderNo, limit: "100" } } })),
    enabled: orderNo !== undefined,
  });

  const refresh = useCallback(() => {
    void client.invalidateQueries({ queryKey: ["vouchers"] });
    void client.invalidateQueries({ queryKey: ["voucher"] });
  }, [client]);
  const command = useIdempotentAction((key: string, args: { action: VoucherAction; reason: string; voucher: Detail }) =>
    args.action === "void"
      ? voidVoucher(key, args.voucher.code, args.reason)
      : reverseOrder(key, args.voucher.merchant_order_no, args.reason),
  );

  async function confirm(reason: string) {
    if (!dialog || !detail.data) return;
    setDialogError(null);
    try {
      const status = await command.run({ action: dialog, reason, voucher: detail.data });
      setDone({ status, type: dialog === "void" ? "void" : "reversal" });
      setDialog(null);
      refresh();
    } catch (e) {
      setDialogError(e);
    }
  }

  function close() {
    setDone(null);
    onClose();
  }

  const voucher = detail.data;
  const actions = voucher ? availableActions(voucher, can) : [];
  return (
    <Drawer open={code !== null} onClose={close} width={860} title={t("voucher_detail")} destroyOnHidden>
      {detail.isError && <ListError error={detail.error} retry={() => void detail.refetch()} />}
      {detail.isLoading && <Typography.Text>{t("loading")}</Typography.Text>}
      {voucher && (
        <Space direction="vertical" size="large" style={{ width: "100%" }}>
          {done && <OperationResult key={done.status.operation_id} first={done.status} type={done.type} onSettled={refresh} />}
          <Descriptions bordered size="small" column={2}>
            <Descriptions.Item label={t("voucher_code")}>{voucher.code}</Descriptions.Item>
            <Descriptions.Item label={t("merchant_order_no")}>{voucher.merchant_order_no}</Descriptions.Item>
            <Descriptions.Item label={t("voucher_status")}>
              <StatusTag status={voucher.status} />
            </Descriptions.Item>
            <Descriptions.Item label={t("face_value")}>{yuan(voucher.face_value)}</Descriptions.Item>
            <Descriptions.Item label={t("source")}><SourceText source={voucher.source} /></Descriptions.Item>
            <Descriptions.Item label={t("deduction_status")}>{voucher.deduction_status}</Descriptions.Item>
            <Descriptions.Item label={t("exchanged_at")}>{dateTime(voucher.exchanged_at)}</Descriptions.Item>
            <Descriptions.Item label={t("validity")}>
              {day(voucher.valid_from)} ~ {day(voucher.valid_to)}
            </Descriptions.Item>
            <Descriptions.Item label={t("phone")}>{voucher.phone}</Descriptions.Item>
            <Descriptions.Item label={t("user_id")}>{voucher.user_id}</Descriptions.Item>
            <Descriptions.Item label={t("redeemed_at")}>{dateTime(voucher.redeemed_at)}</Descriptions.Item>
            <Descriptions.Item label={t("store_id")}>{voucher.store_id ?? "—"}</Descriptions.Item>
          </Descriptions>
          {actions.length > 0 && (
            <Space>
              {actions.includes("void") && (
                <Button danger onClick={() => setDialog("void")}>
                  {t("void")}
                </Button>
              )}
              {actions.includes("reverse") && (
                <Button danger type="primary" onClick={() => setDialog("reverse")}>
                  {t("reverse")}
                </Button>
              )}
            </Space>
          )}
          <section aria-label={t("order_vouchers")}>
            <Typography.Title level={5}>{t("order_vouchers")}</Typography.Title>
            {order.isError && <ListError error={order.error} retry={() => void order.refetch()} />}
            <Table
              size="small"
              rowKey="code"
              loading={order.isLoading}
              pagination={false}
              dataSource={(order.data?.items ?? []).filter((v) => v.code !== voucher.code)}
              locale={{ emptyText: <Empty description={t("empty")} /> }}
              columns={[
                { title: t("voucher_code"), dataIndex: "code" },
                { title: t("face_value"), dataIndex: "face_value", render: (v: string) => yuan(v) },
                { title: t("voucher_status"), dataIndex: "status", render: (s: string) => <StatusTag status={s} /> },
              ]}
            />
          </section>
          <section aria-label={t("operations")}>
            <Typography.Title level={5}>{t("operations")}</Typography.Title>
            <OperationRecords operations={voucher.operations} />
          </section>
        </Space>
      )}
      <ReasonDialog
        open={dialog !== null}
        title={dialog === "reverse" ? t("reverse_title") : t("void_title")}
        hint={dialog === "reverse" ? t("reverse_reason_hint") : t("void_reason_hint")}
        busy={command.running}
        error={dialogError}
        onConfirm={confirm}
        onCancel={() => {
          command.end();
          setDialog(null);
          setDialogError(null);
        }}
      />
    </Drawer>
  );
}

function OperationRecords({ operations }: { operations: Schemas["OperationOut"][] }) {
  const { t } = useI18n();
  return (
    <Table
      size="small"
      rowKey="operation_no"
      pagination={false}
      dataSource={operations}
      locale={{ emptyText: <Empty description={t("no_operations")} /> }}
      columns={[
        { title: t("operation_no"), dataIndex: "operation_no", width: 80 },
        { title: t("operator"), dataIndex: "operator" },
        { title: t("operated_at"), dataIndex: "at", render: (v: string) => dateTime(v) },
        {
          title: t("operation_type"),
          dataIndex: "type",
          render: (v: string) => (v === "reversal" ? t("type_reversal") : t("type_void")),
        },
        {
          title: t("operation_result"),
          render: (_: unknown, op: Schemas["OperationOut"]) => t(outcomeText({ status: op.result, failure: op.failure })),
        },
        { title: t("operation_reason"), dataIndex: "reason" },
      ]}
    />
  );
}
