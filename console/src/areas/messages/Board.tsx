// The public notice board: what the front page shows now; no sign-in.
import { useQuery } from "@tanstack/react-query";
import { Card, Empty, List, Typography } from "antd";
import { Link } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import { useI18n } from "../../i18n/i18n";
import { dateTime } from "../../shared/format";
import { LangSwitch } from "../../shared/LangSwitch";
import { ListError } from "../../shared/ListError";
import "../../i18n/messagesTexts";

export default function Board() {
  const { t } = useI18n();
  const board = useQuery({
    queryKey: ["board"],
    queryFn: () => unwrap(api.GET("/api/v1/notify/announcements/board")),
  });
  return (
    <div style={{ maxWidth: 860, margin: "32px auto", padding: "0 16px" }}>
      <Card
        title={<Typography.Title level={3} style={{ margin: 0 }}>{t("board")}</Typography.Title>}
        extra={
          <>
            <LangSwitch /> <Link to="/login">{t("sign_in")}</Link>
          </>
        }
      >
        {board.isError && <ListError error={board.error} retry={() => void board.refetch()} />}
        <List
          loading={board.isLoading}
          dataSource={board.data?.items ?? []}
          locale={{ emptyText: <Empty description={t("board_empty")} /> }}
          renderItem={(a) => (
            <List.Item>
              <article style={{ width: "100%" }}>
                <Typography.Title level={5}>{a.title}</Typography.Title>
                <Typography.Paragraph style={{ whiteSpace: "pre-wrap" }}>{a.body}</Typography.Paragraph>
                <Typography.Text type="secondary">{dateTime(a.published_at)}</Typography.Text>
              </article>
            </List.Item>
          )}
        />
      </Card>
    </div>
  );
}
