// New refund form (agents): every field checked here before sending, the service checks again.
import { Alert, Col, Form, Input, Modal, Row, Select, message } from "antd";
import { errorText } from "../../api/errors";
import { useI18n } from "../../i18n/i18n";
import { centsFromYuan, shanghaiIso } from "../../shared/format";
import { useIdempotentAction } from "../../shared/idempotency";
import { PHONE_SHAPE } from "../../shared/urlFilters";
import { fileForm } from "./commands";
import { CAUSES } from "./labels";
import { useState } from "react";
import type { Schemas } from "../../api/client";
import "../../i18n/refundTexts";

export interface NewFormValues {
  order_no: string;
  complaint_no?: string;
  customer_name: string;
  phone: string;
  bank: string;
  amount: string;
  paid: string;
  purchased_at: string;
  complaint_at: string;
  fault: string;
  cause: Schemas["FormIn"]["cause"];
  customer_opinion: string;
}

/** The request body from checked values (times typed as Shanghai wall-clock minutes). */
export function formBody(v: NewFormValues): Schemas["FormIn"] {
  return {
    order_no: v.order_no.trim(),
    complaint_no: v.complaint_no?.trim() || null,
    customer_name: v.customer_name.trim(),
    phone: v.phone.trim(),
    bank: v.bank.trim(),
    amount_cents: centsFromYuan(v.amount) ?? 0,
    paid_cents: centsFromYuan(v.paid) ?? 0,
    purchased_at: shanghaiIso(v.purchased_at),
    complaint_at: shanghaiIso(v.complaint_at),
    fault: v.fault.trim(),
    cause: v.cause,
    customer_opinion: v.customer_opinion.trim(),
  };
}

export function NewFormDialog({
  open,
  onClose,
  onFiled,
  now = () => Date.now(),
}: {
  open: boolean;
  onClose: () => void;
  onFiled: (form: Schemas["RefundFormOut"]) => void;
  now?: () => number;
}) {
  const { t, lang } = useI18n();
  const [form] = Form.useForm<NewFormValues>();
  const [error, setError] = useState<unknown>(null);
  const action = useIdempotentAction((key, body: Schemas["FormIn"]) => fileForm(key, body));
  const required = { required: true, whitespace: true, message: t("field_required") };
  const money = { pattern: /^\d{1,9}(\.\d{1,2})?$/, message: t("amount_invalid") };
  const notFuture = {
    validator(_: unknown, v?: string) {
      return !v || new Date(shanghaiIso(v)).getTime() <= now()
        ? Promise.resolve()
        : Promise.reject(new Error(t("time_in_future")));
    },
  };
  const submit = async () => {
    const values = await form.validateFields();
    setError(null);
    try {
      const filed = await action.run(formBody(values));
      void message.success(t("filed"));
      form.resetFields();
      onFiled(filed);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Modal
      open={open}
      title={t("new_refund_form")}
      okText={t("submit")}
      cancelText={t("cancel")}
      okButtonProps={{ loading: action.running }}
      onOk={() => void submit().catch(() => undefined)}
      onCancel={() => {
        action.end();
        setError(null);
        onClose();
      }}
      width={760}
      maskClosable={false}
      destroyOnHidden
    >
      <Form<NewFormValues> form={form} name="new_refund_form" layout="vertical" aria-label={t("new_refund_form")} initialValues={{ cause: "other" }}>
        <Row gutter={16}>
          <Col span={8}>
            <Form.Item label={t("order_no")} name="order_no" rules={[required]}>
              <Input maxLength={64} />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item label={t("complaint_no")} name="complaint_no">
              <Input maxLength={64} />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item label={t("customer_name")} name="customer_name" rules={[required]}>
              <Input maxLength={64} />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item label={t("phone")} name="phone" rules={[required, { pattern: PHONE_SHAPE, message: t("phone_invalid") }]}>
              <Input inputMode="numeric" maxLength={11} />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item label={t("bank")} name="bank" rules={[required]}>
              <Input maxLength={64} />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item label={t("cause")} name="cause" rules={[required]}>
              <Select options={CAUSES.map((c) => ({ value: c, label: t(`cause_${c}`) }))} />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item label={t("paid_amount")} name="paid" rules={[required, money]}>
              <Input inputMode="decimal" prefix="¥" />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item
              label={t("refund_amount")}
              name="amount"
              dependencies={["paid"]}
              rules={[
                required,
                money,
                ({ getFieldValue }) => ({
                  validator(_, v?: string) {
                    const amount = centsFromYuan(v ?? "");
                    const paid = centsFromYuan((getFieldValue("paid") as string | undefined) ?? "");
                    return amount === null || paid === null || amount <= paid
                      ? Promise.resolve()
                      : Promise.reject(new Error(t("amount_over_paid")));
                  },
                }),
              ]}
            >
              <Input inputMode="decimal" prefix="¥" />
            </Form.Item>
          </Col>
          <Col span={8} />
          <Col span={8}>
            <Form.Item label={t("purchased_at")} name="purchased_at" rules={[required, notFuture]}>
              <Input type="datetime-local" />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item
              label={t("complaint_at")}
              name="complaint_at"
              dependencies={["purchased_at"]}
              rules={[
                required,
                notFuture,
                ({ getFieldValue }) => ({
                  validator(_, v?: string) {
                    const bought = getFieldValue("purchased_at") as string | undefined;
                    return !v || !bought || bought <= v
                      ? Promise.resolve()
                      : Promise.reject(new Error(t("complaint_before_purchase")));
                  },
                }),
              ]}
            >
              <Input type="datetime-local" />
            </Form.Item>
          </Col>
          <Col span={24}>
            <Form.Item label={t("fault")} name="fault" rules={[required]}>
              <Input.TextArea rows={2} maxLength={500} />
            </Form.Item>
          </Col>
          <Col span={24}>
            <Form.Item label={t("customer_opinion")} name="customer_opinion" rules={[required]}>
              <Input.TextArea rows={2} maxLength={500} />
            </Form.Item>
          </Col>
        </Row>
      </Form>
      {error !== null && <Alert type="error" showIcon role="alert" message={errorText(error, lang)} />}
    </Modal>
  );
}
