// Announcements: list, draft, edit, preview, publish, withdraw, schedule. Buttons come from
// each announcement's `actions` and the user's routes; times are Asia/Shanghai wall-clock.
import { useQueryClient } from "@tanstack/react-query";
import { Alert, Button, DatePicker, Form, Input, message, Modal, Select, Space, Tag, Typography } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useState } from "react";
import { api, unwrap, type Schemas } from "../../api/client";
import { errorText } from "../../api/errors";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/i18n";
import type { TextKey } from "../../i18n/texts";
import { dateTime, shanghaiIso } from "../../shared/format";
import { keyed, useIdempotentAction } from "../../shared/idempotency";
import { ListPage, useListQuery, type Paging } from "../../shared/ListPage";
import type { Filters } from "../../shared/urlFilters";
import "../../i18n/messagesTexts";

type Announcement = Schemas["AnnouncementOut"];
type Status = Announcement["status"];
const STATES: Status[] = ["draft", "online", "offline"];
const COLOR: Record<Status, string> = { draft: "default", online: "green", offline: "orange" };

interface Draft {
  title: string;
  body: string;
  publish_at?: Dayjs | null;
  withdraw_at?: Dayjs | null;
}

/** The picker's wall-clock time read as Shanghai time, whatever the browser's zone. */
function asShanghai(value: Dayjs | null | undefined): string | null {
  return value ? shanghaiIso(value.format("YYYY-MM-DDTHH:mm")) : null;
}

function fromShanghai(iso: string | null): Dayjs | null {
  return iso ? dayjs(dateTime(iso)) : null;
}

// Each command is sent with the key of the user's action (shared/idempotency.ts): a double
// click or a retry after a network failure drafts, edits or publishes once.
export function saveAnnouncement(key: string, args: { id: number | null; body: Schemas["AnnouncementIn"] }) {
  const headers = keyed(key);
  if (args.id === null) return unwrap(api.POST("/api/v1/notify/announcements", { body: args.body, headers }));
  const params = { path: { announcement_id: args.id } };
  return unwrap(api.PUT("/api/v1/notify/announcements/{announcement_id}", { params, body: args.body, headers }));
}

export function announcementCommand(key: string, args: { id: number; action: "publish" | "withdraw" }) {
  const params = { path: { announcement_id: args.id } };
  const headers = keyed(key);
  return args.action === "publish"
    ? unwrap(api.POST("/api/v1/notify/announcements/{announcement_id}/publish", { params, headers }))
    : unwrap(api.POST("/api/v1/notify/announcements/{announcement_id}/withdraw", { params, headers }));
}

export function toBody(draft: Draft): Schemas["AnnouncementIn"] {
  return {
    title: draft.title.trim(),
    body: draft.body.trim(),
    publish_at: asShanghai(draft.publish_at),
    withdraw_at: asShanghai(draft.withdraw_at),
  };
}

function Editor(props: { editing: Announcement | "new"; onClose: () => void; onSaved: () => void }) {
  const { t, lang } = useI18n();
  const [form] = Form.useForm<Draft>();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const saving = useIdempotentAction(saveAnnouncement);
  const [preview, setPreview] = useState<Draft | null>(null);
  const existing = props.editing === "new" ? null : props.editing;
  const initial: Draft = existing
    ? { title: existing.title, body: existing.body, publish_at: fromShanghai(existing.publish_at), withdraw_at: fromShanghai(existing.withdraw_at) }
    : { title: "", body: "" };

  async function save(draft: Draft) {
    setBusy(true);
    setError(null);
    try {
      await saving.run({ id: existing ? existing.id : null, body: toBody(draft) });
      void message.success(t("saved"));
      props.onSaved();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal
      open
      title={existing ? t("edit") : t("new_announcement")}
      onCancel={props.onClose}
      width={720}
      footer={[
        <Button key="preview" onClick={() => setPreview(form.getFieldsValue())}>
          {t("preview")}
        </Button>,
        <Button key="cancel" onClick={props.onClose}>
          {t("cancel")}
        </Button>,
        <Button key="save" type="primary" loading={busy} onClick={() => form.submit()}>
          {t("save_draft")}
        </Button>,
      ]}
    >
      <Form<Draft> form={form} layout="vertical" initialValues={initial} onFinish={save}>
        <Form.Item label={t("title")} name="title" rules={[{ required: true, whitespace: true, message: t("title_required") }]}>
          <Input maxLength={200} />
        </Form.Item>
        <Form.Item label={t("body")} name="body" rules={[{ required: true, whitespace: true, message: t("body_required") }]}>
          <Input.TextArea rows={6} />
        </Form.Item>
        <Space>
          <Form.Item label={t("publish_at")} name="publish_at">
            <DatePicker showTime={{ format: "HH:mm" }} format="YYYY-MM-DD HH:mm" />
          </Form.Item>
          <Form.Item
            label={t("withdraw_at")}
            name="withdraw_at"
            dependencies={["publish_at"]}
            rules={[
              ({ getFieldValue }) => ({
                validator(_, value: Dayjs | null | undefined) {
                  const from = getFieldValue("publish_at") as Dayjs | null | undefined;
                  return !value || !from || value.isAfter(from) ? Promise.resolve() : Promise.reject(new Error(t("schedule_invalid")));
                },
              }),
            ]}
          >
            <DatePicker showTime={{ format: "HH:mm" }} format="YYYY-MM-DD HH:mm" />
          </Form.Item>
        </Space>
      </Form>
      {error !== null && <Alert type="error" showIcon role="alert" message={errorText(error, lang)} />}
      <Modal open={preview !== null} title={t("preview")} footer={null} onCancel={() => setPreview(null)}>
        {preview && (
          <article>
            <Typography.Title level={5}>{preview.title}</Typography.Title>
            <Typography.Paragraph style={{ whiteSpace: "pre-wrap" }}>{preview.body}</Typography.Paragraph>
          </article>
        )}
      </Modal>
    </Modal>
  );
}

const FILTERS = ["status"] as const;

function fetchAnnouncements(filters: Filters<(typeof FILTERS)[number]>, paging: Paging) {
  const query = { status: filters.status as Status | undefined, ...paging };
  return unwrap(api.GET("/api/v1/notify/announcements", { params: { query } }));
}

export default function Announcements() {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const client = useQueryClient();
  const list = useListQuery(FILTERS, ["announcements"], fetchAnnouncements);
  const [editing, setEditing] = useState<Announcement | "new" | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const refresh = () => {
    void client.invalidateQueries({ queryKey: ["announcements"] });
    void client.invalidateQueries({ queryKey: ["board"] });
  };
  const command = useIdempotentAction(announcementCommand);
  async function act(a: Announcement, action: "publish" | "withdraw") {
    setActionError(null);
    try {
      await command.run({ id: a.id, action });
      void message.success(t(action === "publish" ? "published" : "withdrawn"));
      refresh();
    } catch (e) {
      setActionError(e);
    }
  }
  const mayEdit = can("PUT /api/v1/notify/announcements/{announcement_id}");
  const mayPublish = can("POST /api/v1/notify/announcements/{announcement_id}/publish");
  const mayWithdraw = can("POST /api/v1/notify/announcements/{announcement_id}/withdraw");
  return (
    <ListPage<(typeof FILTERS)[number], Announcement>
      list={list}
      pageSizes={false}
      toolbar={
        <>
          <Space style={{ marginBottom: 16 }}>
            <Select
              allowClear
              style={{ width: 160 }}
              placeholder={t("any")}
              aria-label={t("status")}
              value={list.filters.status}
              onChange={(v?: string) => list.search({ status: v })}
              options={STATES.map((s) => ({ value: s, label: t(`ann_${s}` as TextKey) }))}
            />
            {can("POST /api/v1/notify/announcements") && (
              <Button type="primary" onClick={() => setEditing("new")}>
                {t("new_announcement")}
              </Button>
            )}
          </Space>
          {actionError !== null && <Alert type="error" showIcon role="alert" message={errorText(actionError, lang)} style={{ marginBottom: 16 }} />}
        </>
      }
      table={{
        rowKey: "id",
        columns: [
          { title: t("title"), dataIndex: "title" },
          { title: t("status"), dataIndex: "status", render: (s: Status) => <Tag color={COLOR[s]}>{t(`ann_${s}` as TextKey)}</Tag> },
          { title: t("publish_at"), dataIndex: "publish_at", render: (v: string | null) => dateTime(v) },
          { title: t("withdraw_at"), dataIndex: "withdraw_at", render: (v: string | null) => dateTime(v) },
          { title: t("published_at"), dataIndex: "published_at", render: (v: string | null) => dateTime(v) },
          { title: t("created_at"), dataIndex: "created_at", render: (v: string) => dateTime(v) },
          {
            title: t("actions"),
            key: "actions",
            render: (_: unknown, a: Announcement) => (
              <Space>
                {a.actions.includes("edit") && mayEdit && (
                  <Button size="small" onClick={() => setEditing(a)}>
                    {t("edit")}
                  </Button>
                )}
                {a.actions.includes("publish") && mayPublish && (
                  <Button size="small" type="primary" onClick={() => void act(a, "publish")}>
                    {t("publish")}
                  </Button>
                )}
                {a.actions.includes("withdraw") && mayWithdraw && (
                  <Button size="small" danger onClick={() => void act(a, "withdraw")}>
                    {t("withdraw")}
                  </Button>
                )}
              </Space>
            ),
          },
        ],
      }}
    >
      {editing !== null && (
        <Editor
          editing={editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            refresh();
          }}
        />
      )}
    </ListPage>
  );
}
