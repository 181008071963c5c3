// The SMS log: masked phones and codes (as the API masks them), filters in the URL, paging.
import { Form, Input, Select, Tag } from "antd";
import { api, unwrap, type Schemas } from "../../api/client";
import { useI18n } from "../../i18n/i18n";
import type { TextKey } from "../../i18n/texts";
import { dateTime } from "../../shared/format";
import { ListPage, useListQuery, type Paging } from "../../shared/ListPage";
import { PHONE_SHAPE, type Filters } from "../../shared/urlFilters";
import "../../i18n/messagesTexts";

const FILTERS = ["phone", "status"] as const;
const STATES = ["queued", "sending", "sent", "failed", "rejected"] as const;
type SmsStatus = Schemas["SmsOut"]["status"];
const COLOR: Record<SmsStatus, string> = { queued: "default", sending: "processing", sent: "green", failed: "red", rejected: "orange" };

function fetchSms(filters: Filters<(typeof FILTERS)[number]>, paging: Paging) {
  const query = { phone: filters.phone, status: filters.status as SmsStatus | undefined, ...paging };
  return unwrap(api.GET("/api/v1/notify/sms", { params: { query } }));
}

export default function SmsLog() {
  const { t } = useI18n();
  const list = useListQuery(FILTERS, ["sms"], fetchSms);
  return (
    <ListPage
      list={list}
      fields={
        <>
          <Form.Item label={t("phone")} name="phone" rules={[{ pattern: PHONE_SHAPE, message: t("phone_invalid") }]}>
            <Input allowClear maxLength={11} />
          </Form.Item>
          <Form.Item label={t("sms_status")} name="status">
            <Select allowClear style={{ width: 140 }} placeholder={t("any")} options={STATES.map((s) => ({ value: s, label: t(`sms_${s}` as TextKey) }))} />
          </Form.Item>
        </>
      }
      table={{
        rowKey: "id",
        scroll: { x: 1100 },
        columns: [
          { title: "ID", dataIndex: "id", width: 70 },
          { title: t("phone"), dataIndex: "phone" },
          { title: t("sms_status"), dataIndex: "status", render: (s: SmsStatus) => <Tag color={COLOR[s]}>{t(`sms_${s}` as TextKey)}</Tag> },
          { title: t("sms_text"), dataIndex: "text", ellipsis: true },
          { title: t("sms_template"), dataIndex: "template_id" },
          { title: t("sms_provider"), dataIndex: "provider" },
          { title: t("sms_attempts"), dataIndex: "attempts", width: 90 },
          { title: t("sms_requested_at"), dataIndex: "requested_at", render: (v: string) => dateTime(v) },
          { title: t("sms_sent_at"), dataIndex: "sent_at", render: (v: string | null) => dateTime(v) },
          { title: t("sms_failure"), dataIndex: "failure" },
        ],
      }}
    />
  );
}
