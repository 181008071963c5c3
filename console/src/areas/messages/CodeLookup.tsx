// The latest verification code of a phone, in clear, for the duty lead to read to a customer
// who did not receive it. The gateway allows it to duty leads only; notify records each look-up.
import { Alert, Button, Descriptions, Form, Input, Space, Typography } from "antd";
import { useState } from "react";
import { api, unwrap, type Schemas } from "../../api/client";
import { errorText } from "../../api/errors";
import { useI18n } from "../../i18n/i18n";
import { dateTime } from "../../shared/format";
import { PHONE_SHAPE } from "../../shared/urlFilters";
import "../../i18n/messagesTexts";

export default function CodeLookup() {
  const { t, lang } = useI18n();
  const [found, setFound] = useState<Schemas["LatestCodeOut"] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function lookUp({ phone }: { phone: string }) {
    setBusy(true);
    setError(null);
    setFound(null);
    try {
      setFound(await unwrap(api.GET("/api/v1/notify/sms/latest-code", { params: { query: { phone } } })));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Space direction="vertical" style={{ width: "100%", maxWidth: 720 }}>
      <Typography.Title level={4}>{t("code_lookup")}</Typography.Title>
      <Typography.Paragraph type="secondary">{t("code_lookup_hint")}</Typography.Paragraph>
      <Form layout="inline" onFinish={lookUp}>
        <Form.Item
          label={t("phone")}
          name="phone"
          rules={[
            { required: true, message: t("phone_invalid") },
            { pattern: PHONE_SHAPE, message: t("phone_invalid") },
          ]}
        >
          <Input maxLength={11} />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={busy}>
          {t("code_lookup_button")}
        </Button>
      </Form>
      {error !== null && <Alert type="error" showIcon role="alert" message={errorText(error, lang)} />}
      {found && (
        <Descriptions bordered column={1} size="small">
          <Descriptions.Item label={t("code")}>
            <Typography.Text strong data-testid="latest-code" style={{ fontSize: 20, letterSpacing: 4 }}>
              {found.code}
            </Typography.Text>
          </Descriptions.Item>
          <Descriptions.Item label={t("phone")}>{found.phone}</Descriptions.Item>
          <Descriptions.Item label={t("sms_status")}>{found.status}</Descriptions.Item>
          <Descriptions.Item label={t("code_state")}>{found.code_state ?? "—"}</Descriptions.Item>
          <Descriptions.Item label={t("sms_requested_at")}>{dateTime(found.requested_at)}</Descriptions.Item>
          <Descriptions.Item label={t("sms_sent_at")}>{dateTime(found.sent_at)}</Descriptions.Item>
          <Descriptions.Item label={t("looked_up_by")}>
            {found.looked_up_by} · {dateTime(found.looked_up_at)}
          </Descriptions.Item>
        </Descriptions>
      )}
    </Space>
  );
}
