// The user guide (用户指南, seed 001 2.7): the current version, every earlier one, and the
// edit for the roles the API offers it to (`actions`); a save names the version it started
// from, so two editors cannot overwrite each other (guide_version_conflict).
import "../../i18n/rentalTexts";
import { useQuery } from "@tanstack/react-query";
import { Alert, Button, Card, Descriptions, Empty, Input, Space, Spin, Table } from "antd";
import { useState } from "react";
import { api, unwrap, type Schemas } from "../../api/client";
import { errorText } from "../../api/errors";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/i18n";
import { dateTime } from "../../shared/format";
import { ListError } from "../../shared/ListError";
import { saveGuide } from "./commands";
import { usePagedQuery } from "./paging";
import { useCommand } from "./useCommand";

export default function Guide() {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const [shown, setShown] = useState<number | null>(null);
  const [draft, setDraft] = useState<{ content: string; note: string } | null>(null);
  const current = useQuery({
    queryKey: ["rental", "guide"],
    queryFn: () => unwrap(api.GET("/api/v1/rental/guide")),
    retry: false,
  });
  const version = useQuery({
    queryKey: ["rental", "guide-version", shown],
    queryFn: () => unwrap(api.GET("/api/v1/rental/guide/versions/{version}", { params: { path: { version: shown ?? 0 } } })),
    enabled: shown !== null,
  });
  const versions = usePagedQuery(["rental", "guide-versions"], (cursor) =>
    unwrap(api.GET("/api/v1/rental/guide/versions", { params: { query: { limit: 20, cursor } } })),
  );
  const save = useCommand(saveGuide, () => setDraft(null));
  const guide = current.data;
  const missing = current.isError && (current.error as { status?: number }).status === 404;
  const editable = (guide ? guide.actions.includes("edit") : missing) && can("PUT /api/v1/rental/guide");
  const reading: Schemas["GuideOut"] | undefined = shown !== null ? version.data : guide;
  if (current.isLoading) return <Spin />;
  return (
    <>
      <h2>{t("menu_r_guide")}</h2>
      {current.isError && !missing && <ListError error={current.error} retry={() => void current.refetch()} />}
      {draft ? (
        <Card title={t("r_edit_guide")} size="small" style={{ marginBottom: 16 }}>
          <Alert type="warning" showIcon message={t("r_guide_warning")} style={{ marginBottom: 12 }} />
          <Input.TextArea aria-label={t("r_guide_content")} rows={14} value={draft.content} onChange={(e) => setDraft({ ...draft, content: e.target.value })} />
          <Input
            aria-label={t("r_guide_note")}
            placeholder={t("r_guide_note")}
            style={{ marginTop: 8 }}
            maxLength={200}
            value={draft.note}
            onChange={(e) => setDraft({ ...draft, note: e.target.value })}
          />
          <Space style={{ marginTop: 8 }}>
            <Button
              type="primary"
              loading={save.running}
              disabled={!draft.content.trim()}
              onClick={() => void save.run({ content: draft.content, based_on: guide?.version ?? null, note: draft.note || null })}
            >
              {t("r_save_version")}
            </Button>
            <Button
              onClick={() => {
                save.cancel();
                setDraft(null);
              }}
            >
              {t("cancel")}
            </Button>
          </Space>
          {save.error !== null && <Alert type="error" showIcon role="alert" style={{ marginTop: 8 }} message={errorText(save.error, lang)} />}
        </Card>
      ) : (
        <Card
          size="small"
          style={{ marginBottom: 16 }}
          title={reading ? `${t("r_version")} ${reading.version}${shown !== null ? ` (${t("r_old_version")})` : ""}` : t("r_no_guide")}
          extra={
            <Space>
              {shown !== null && <Button onClick={() => setShown(null)}>{t("r_current_version")}</Button>}
              {editable && shown === null && (
                <Button type="primary" onClick={() => setDraft({ content: guide?.content ?? "", note: "" })}>
                  {t("r_edit_guide")}
                </Button>
              )}
            </Space>
          }
        >
          {reading ? (
            <>
              <Descriptions size="small" column={3} style={{ marginBottom: 8 }}>
                <Descriptions.Item label={t("r_saved_by")}>{reading.saved_by}</Descriptions.Item>
                <Descriptions.Item label={t("r_saved_at")}>{dateTime(reading.saved_at)}</Descriptions.Item>
                <Descriptions.Item label={t("r_guide_note")}>{reading.note ?? "—"}</Descriptions.Item>
              </Descriptions>
              <div style={{ whiteSpace: "pre-wrap", lineHeight: 1.8 }} data-testid="guide-content">
                {reading.content}
              </div>
            </>
          ) : (
            <Empty description={t("r_no_guide")} />
          )}
        </Card>
      )}
      <Card title={t("r_versions")} size="small">
        {versions.isError && <ListError error={versions.error} retry={versions.refetch} />}
        <Table<Schemas["GuideVersionOut"]>
          rowKey="version"
          size="small"
          pagination={false}
          loading={versions.isFetching}
          dataSource={versions.data?.items ?? []}
          columns={[
            { title: t("r_version"), dataIndex: "version" },
            { title: t("r_saved_by"), dataIndex: "saved_by" },
            { title: t("r_saved_at"), dataIndex: "saved_at", render: (v: string) => dateTime(v) },
            { title: t("r_guide_note"), dataIndex: "note" },
            { title: t("r_length"), dataIndex: "length" },
            {
              title: t("details"),
              key: "open",
              render: (_, v) => (
                <Button type="link" onClick={() => setShown(v.version)}>
                  {t("details")}
                </Button>
              ),
            },
          ]}
        />
        {versions.pager}
      </Card>
    </>
  );
}
