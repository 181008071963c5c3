// A counter top-up (seed 004): the balance first, then the identity check (an SMS code the
// customer reads out, or an ID document / face check recorded by the agent), then the
// amount against the card type's limits, confirmed by the customer; the answer is the
// receipt. Every refusal is the service's, shown in words (amount_over_limit, card_frozen…).
import "../../i18n/rentalTexts";
import { Alert, Button, Descriptions, Form, Input, Modal, Radio, Select, Space, Steps } from "antd";
import { useState } from "react";
import type { Schemas } from "../../api/client";
import { errorText } from "../../api/errors";
import { useI18n } from "../../i18n/i18n";
import type { TextKey } from "../../i18n/texts";
import { centsFromYuan, dateTime, yuanFromCents } from "../../shared/format";
import { checkIdentity, sendCode, topUp } from "./commands";
import { cardTypeLabel } from "./labels";
import { openReceipt } from "./receipt";
import { useCommand } from "./useCommand";

type Method = Schemas["IdentityCheckIn"]["method"];
const METHODS: Method[] = ["sms_code", "id_document", "face_match"];
const PAYMENT_METHODS: Schemas["TopUpIn"]["payment_method"][] = ["cash", "bank_card", "wechat", "alipay"];

export function Receipt({ receipt }: { receipt: Schemas["ReceiptOut"] }) {
  const { t } = useI18n();
  return (
    <Descriptions bordered size="small" column={2} data-testid="receipt">
      <Descriptions.Item label={t("r_serial_no")}>{receipt.serial_no}</Descriptions.Item>
      <Descriptions.Item label={t("r_amount")}>{yuanFromCents(receipt.amount_cents)}</Descriptions.Item>
      <Descriptions.Item label={t("r_at")}>{dateTime(receipt.at)}</Descriptions.Item>
      <Descriptions.Item label={t("r_payment_method")}>{t(`r_pay_${receipt.payment_method}` as TextKey)}</Descriptions.Item>
      <Descriptions.Item label={t("r_payer_account")}>{receipt.payer_account}</Descriptions.Item>
      <Descriptions.Item label={t("r_bonus")}>{yuanFromCents(receipt.bonus_cents)}</Descriptions.Item>
      <Descriptions.Item label={t("r_balance_before")}>{yuanFromCents(receipt.balance_before_cents)}</Descriptions.Item>
      <Descriptions.Item label={t("r_balance_after")}>{yuanFromCents(receipt.balance_after_cents)}</Descriptions.Item>
      <Descriptions.Item label={t("operator")} span={2}>
        {receipt.agent}
      </Descriptions.Item>
    </Descriptions>
  );
}

export function TopUpDialog({ account, onClose }: { account: Schemas["AccountOut"]; onClose: () => void }) {
  const { t, lang } = useI18n();
  const [method, setMethod] = useState<Method>("sms_code");
  const [code, setCode] = useState("");
  const [last4, setLast4] = useState("");
  const [verification, setVerification] = useState<Schemas["VerificationOut"] | null>(null);
  const [receipt, setReceipt] = useState<Schemas["ReceiptOut"] | null>(null);
  const [values, setValues] = useState({ amount: "", confirmed: "", payment: "cash" as Schemas["TopUpIn"]["payment_method"], payer: "" });
  const [sent, setSent] = useState<Schemas["CodeSentOut"] | null>(null);
  const send = useCommand(sendCode, setSent);
  const check = useCommand(checkIdentity, setVerification);
  const charge = useCommand(topUp, setReceipt);
  const amount = centsFromYuan(values.amount);
  const confirmed = centsFromYuan(values.confirmed);
  const error = charge.error ?? check.error ?? send.error;
  const step = receipt ? 2 : verification ? 1 : 0;
  const close = () => {
    send.cancel();
    check.cancel();
    charge.cancel();
    onClose();
  };
  return (
    <Modal open title={t("r_top_up")} width={720} onCancel={close} footer={null} maskClosable={false}>
      <Steps
        size="small"
        current={step}
        style={{ marginBottom: 16 }}
        items={[{ title: t("r_identity_check") }, { title: t("r_amount") }, { title: t("r_receipt") }]}
      />
      <Descriptions bordered size="small" column={2} style={{ marginBottom: 16 }}>
        <Descriptions.Item label={t("r_balance")}>
          <strong data-testid="topup-balance">{yuanFromCents(account.balance_cents)}</strong>
        </Descriptions.Item>
        <Descriptions.Item label={t("r_card_type")}>{t(cardTypeLabel(account.card_type))}</Descriptions.Item>
        <Descriptions.Item label={t("r_limit_per_top_up")}>{yuanFromCents(account.limits.per_top_up_cents)}</Descriptions.Item>
        <Descriptions.Item label={t("r_limit_per_day")}>
          {yuanFromCents(account.limits.per_day_cents)} · {account.limits.count_per_day} {t("r_times")}
        </Descriptions.Item>
        <Descriptions.Item label={t("r_today")} span={2}>
          {yuanFromCents(account.today.topped_up_cents)} · {account.today.top_ups} {t("r_times")}
        </Descriptions.Item>
      </Descriptions>
      {step === 0 && (
        <Form layout="vertical">
          <Form.Item label={t("r_identity_method")}>
            <Radio.Group
              value={method}
              onChange={(e) => setMethod(e.target.value as Method)}
              options={METHODS.map((m) => ({ value: m, label: t(`r_method_${m}` as TextKey) }))}
            />
          </Form.Item>
          {method === "sms_code" && sent && (
            <Alert
              type="info"
              showIcon
              style={{ marginBottom: 12 }}
              data-testid="code-sent"
              message={`${t("r_code_sent")} ${sent.phone} · ${t("r_code_valid_until")} ${dateTime(sent.expires_at)}`}
            />
          )}
          {method === "sms_code" ? (
            <Space align="end">
              <Button loading={send.running} onClick={() => void send.run(account.user_id)}>
                {t("r_send_code")}
              </Button>
              <Form.Item label={t("r_code")} htmlFor="topup-code" style={{ marginBottom: 0 }}>
                <Input id="topup-code" value={code} maxLength={12} onChange={(e) => setCode(e.target.value)} />
              </Form.Item>
            </Space>
          ) : (
            <Form.Item label={t("r_document_last4")} htmlFor="topup-last4">
              <Input id="topup-last4" value={last4} maxLength={4} onChange={(e) => setLast4(e.target.value)} />
            </Form.Item>
          )}
          <Button
            type="primary"
            style={{ marginTop: 16 }}
            loading={check.running}
            disabled={method === "sms_code" ? !code.trim() : last4.trim().length !== 4}
            onClick={() =>
              void check.run(
                method === "sms_code"
                  ? { user_id: account.user_id, method, code: code.trim() }
                  : { user_id: account.user_id, method, document_last4: last4.trim() },
              )
            }
          >
            {t("r_verify")}
          </Button>
        </Form>
      )}
      {step === 1 && verification && (
        <Form layout="vertical">
          <Alert type="success" showIcon style={{ marginBottom: 12 }} message={`${t("r_verified")} ${dateTime(verification.expires_at)}`} />
          <Form.Item label={t("r_amount_yuan")} htmlFor="topup-amount" required validateStatus={values.amount && amount === null ? "error" : undefined}>
            <Input id="topup-amount" inputMode="decimal" value={values.amount} onChange={(e) => setValues({ ...values, amount: e.target.value })} />
          </Form.Item>
          <Form.Item
            label={t("r_confirmed_yuan")}
            htmlFor="topup-confirmed"
            required
            help={t("r_confirmed_help")}
            validateStatus={values.confirmed && confirmed === null ? "error" : undefined}
          >
            <Input id="topup-confirmed" inputMode="decimal" value={values.confirmed} onChange={(e) => setValues({ ...values, confirmed: e.target.value })} />
          </Form.Item>
          <Form.Item label={t("r_payment_method")} htmlFor="topup-payment">
            <Select
              id="topup-payment"
              value={values.payment}
              onChange={(payment) => setValues({ ...values, payment })}
              options={PAYMENT_METHODS.map((p) => ({ value: p, label: t(`r_pay_${p}` as TextKey) }))}
            />
          </Form.Item>
          <Form.Item label={t("r_payer_account")} htmlFor="topup-payer" required>
            <Input id="topup-payer" maxLength={40} value={values.payer} onChange={(e) => setValues({ ...values, payer: e.target.value })} />
          </Form.Item>
          <Button
            type="primary"
            loading={charge.running}
            disabled={amount === null || amount <= 0 || confirmed === null || !values.payer.trim()}
            onClick={() =>
              amount !== null &&
              confirmed !== null &&
              void charge.run({
                user_id: account.user_id,
                amount_cents: amount,
                confirmed_amount_cents: confirmed,
                verification_id: verification.verification_id,
                payment_method: values.payment,
                payer_account: values.payer.trim(),
              })
            }
          >
            {t("r_charge_now")}
          </Button>
        </Form>
      )}
      {receipt && (
        <Space direction="vertical" style={{ width: "100%" }}>
          <Alert type="success" showIcon message={t("r_top_up_done")} />
          <Receipt receipt={receipt} />
          <Space>
            <Button onClick={() => void openReceipt(receipt.serial_no)}>{t("r_print_receipt")}</Button>
            <Button type="primary" onClick={close}>
              {t("close")}
            </Button>
          </Space>
        </Space>
      )}
      {error !== null && !receipt && (
        <Alert type="error" showIcon role="alert" style={{ marginTop: 16 }} message={errorText(error, lang)} data-testid="topup-error" />
      )}
    </Modal>
  );
}
