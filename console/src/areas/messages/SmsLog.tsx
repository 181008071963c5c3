// The SMS log: masked phones and codes (as the API masks them), filters in the URL, paging.
import { useQuery } from "@tanstack/react-query";
import { Button, Empty, Form, Input, Select, Space, Table, Tag } from "antd";
import { useEffect, useMemo } from "react";
import { api, unwrap, type Schemas } from "../../api/client";
import { useI18n } from "../../i18n/i18n";
import type { TextKey } from "../../i18n/texts";
import { CursorPager } from "../../shared/CursorPager";
import { dateTime } from "../../shared/format";
import { ListError } from "../../shared/ListError";
import { PHONE_SHAPE, useUrlFilters } from "../../shared/urlFilters";
import "../../i18n/messagesTexts";

const FILTERS = ["phone", "status"] as const;
const STATES = ["queued", "sending", "sent", "failed", "rejected"] as const;
type SmsStatus = Schemas["SmsOut"]["status"];
const COLOR: Record<SmsStatus, string> = { queued: "default", sending: "processing", sent: "green", failed: "red", rejected: "orange" };

export default function SmsLog() {
  const { t } = useI18n();
  const { filters, cursor, page, search, goTo } = useUrlFilters(FILTERS);
  const [form] = Form.useForm<{ phone?: string; status?: SmsStatus }>();
  useEffect(() => form.setFieldsValue({ phone: filters.phone, status: filters.status as SmsStatus | undefined }), [form, filters]);
  const query = useMemo(
    () => ({ phone: filters.phone, status: filters.status as SmsStatus | undefined, limit: 20, cursor }),
    [filters, cursor],
  );
  const log = useQuery({
    queryKey: ["sms", query],
    queryFn: () => unwrap(api.GET("/api/v1/notify/sms", { params: { query } })),
  });
  return (
    <>
      <Form form={form} layout="inline" onFinish={(v) => search({ phone: v.phone, status: v.status })} style={{ marginBottom: 16 }}>
        <Form.Item label={t("phone")} name="phone" rules={[{ pattern: PHONE_SHAPE, message: t("phone_invalid") }]}>
          <Input allowClear maxLength={11} />
        </Form.Item>
        <Form.Item label={t("sms_status")} name="status">
          <Select allowClear style={{ width: 140 }} placeholder={t("any")} options={STATES.map((s) => ({ value: s, label: t(`sms_${s}` as TextKey) }))} />
        </Form.Item>
        <Space>
          <Button type="primary" htmlType="submit">
            {t("search")}
          </Button>
          <Button onClick={() => search({})}>{t("reset")}</Button>
        </Space>
      </Form>
      {log.isError && <ListError error={log.error} retry={() => void log.refetch()} />}
      <Table<Schemas["SmsOut"]>
        rowKey="id"
        size="middle"
        loading={log.isFetching}
        dataSource={log.data?.items ?? []}
        pagination={false}
        scroll={{ x: 1100 }}
        locale={{ emptyText: <Empty description={t("empty")} /> }}
        columns={[
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
        ]}
      />
      <CursorPager page={page} next={log.data?.next_cursor} goTo={goTo} />
    </>
  );
}
