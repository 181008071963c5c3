// The signed-in staff member's own inbox; the header shows its unread count.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Badge, Button, Empty, List, Space, Typography } from "antd";
import { useState } from "react";
import { api, unwrap } from "../../api/client";
import { useI18n } from "../../i18n/i18n";
import { dateTime } from "../../shared/format";
import { ListError } from "../../shared/ListError";
import "../../i18n/messagesTexts";

export default function Inbox() {
  const { t } = useI18n();
  const client = useQueryClient();
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const inbox = useQuery({
    queryKey: ["inbox", "me", cursor],
    queryFn: () => unwrap(api.GET("/api/v1/notify/inbox/me", { params: { query: { limit: 20, cursor } } })),
  });
  const refresh = () => void client.invalidateQueries({ queryKey: ["inbox"] });
  async function markRead(id: number) {
    await unwrap(api.POST("/api/v1/notify/inbox/me/messages/{message_id}/read", { params: { path: { message_id: id } } }));
    refresh();
  }
  async function markAll() {
    await unwrap(api.POST("/api/v1/notify/inbox/me/read-all"));
    refresh();
  }
  return (
    <Space direction="vertical" style={{ width: "100%" }}>
      <Space>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {t("inbox")}
        </Typography.Title>
        <Badge count={inbox.data?.unread ?? 0} />
        <Button onClick={markAll} disabled={!inbox.data?.unread}>
          {t("mark_all_read")}
        </Button>
      </Space>
      {inbox.isError && <ListError error={inbox.error} retry={() => void inbox.refetch()} />}
      <List
        loading={inbox.isFetching}
        dataSource={inbox.data?.items ?? []}
        locale={{ emptyText: <Empty description={t("empty")} /> }}
        renderItem={(m) => (
          <List.Item
            actions={
              m.read
                ? [<Typography.Text type="secondary" key="r">{t("read")}</Typography.Text>]
                : [
                    <Button key="m" size="small" onClick={() => void markRead(m.id)}>
                      {t("mark_read")}
                    </Button>,
                  ]
            }
          >
            <List.Item.Meta
              title={
                <Space>
                  {!m.read && <Badge status="processing" />}
                  {m.title ?? "—"}
                </Space>
              }
              description={`${dateTime(m.created_at)} · ${m.body}`}
            />
          </List.Item>
        )}
      />
      {inbox.data?.next_cursor && <Button onClick={() => setCursor(inbox.data?.next_cursor ?? undefined)}>{t("next_page")}</Button>}
    </Space>
  );
}
