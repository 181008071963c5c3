// Shift handover between duty leads (客服部值班交接单, seed 003): the handovers newest first,
// a new one (attendance, cleaning and who signs for it, finished work, follow-ups), each
// opened with the finance lists the service computed from the forms, and Acknowledge for
// the next duty lead when the API offers it.
import "../../i18n/reportsTexts";
import { MinusCircleOutlined, PlusOutlined } from "@ant-design/icons";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import {
  Alert,
  Button,
  Checkbox,
  Col,
  Descriptions,
  Drawer,
  Form,
  Input,
  Modal,
  Row,
  Select,
  Space,
  Table,
  Tag,
  message,
  type TableColumnsType,
} from "antd";
import { useMemo, useState } from "react";
import { api, unwrap, type Schemas } from "../../api/client";
import { errorText } from "../../api/errors";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/i18n";
import { dateTime, shanghaiIso, yuanFromCents } from "../../shared/format";
import { useIdempotentAction } from "../../shared/idempotency";
import { ListError } from "../../shared/ListError";
import { ListPage, useListQuery, type Paging } from "../../shared/ListPage";
import type { Filters } from "../../shared/urlFilters";
import { acknowledgeHandover, handOver } from "./reportCommands";
import "../../i18n/refundTexts";

type Handover = Schemas["HandoverOut"];
type Line = Schemas["FormLineOut"];
const SHIFTS = ["day", "middle", "night"] as const;
const FILTERS = ["acknowledged"] as const;

interface Fields {
  shift: Handover["shift"];
  period_start: string;
  period_end: string;
  expected: string[];
  present: string[];
  late?: string[];
  left_early?: string[];
  absent?: string[];
  cleaning_done?: boolean;
  responsible: string;
  finished?: string;
  follow_ups?: { form_id?: string; cause: string; progress: string; next_step: string; contact: string }[];
  notes?: string;
}

/** A shift's local wall-clock time ("2026-12-06T18:00") in Asia/Shanghai, for a datetime input. */
function localInput(at: Date): string {
  return new Intl.DateTimeFormat("sv-SE", {
    timeZone: "Asia/Shanghai",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
  })
    .format(at)
    .replace(" ", "T");
}

/** The body the service takes, from the dialog's fields (lines of finished work one item each). */
export function handoverBody(f: Fields): Schemas["HandoverIn"] {
  const names = (v?: string[]) => (v ?? []).map((n) => n.trim()).filter(Boolean);
  return {
    shift: f.shift,
    period_start: shanghaiIso(f.period_start),
    period_end: shanghaiIso(f.period_end),
    attendance: {
      expected: names(f.expected),
      present: names(f.present),
      late: names(f.late),
      left_early: names(f.left_early),
      absent: names(f.absent),
    },
    cleaning: { done: Boolean(f.cleaning_done), responsible: f.responsible.trim(), note: "" },
    finished: (f.finished ?? "")
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean),
    follow_ups: (f.follow_ups ?? []).map((u) => ({
      form_id: u.form_id?.trim() || null,
      cause: u.cause.trim(),
      progress: u.progress.trim(),
      next_step: u.next_step.trim(),
      contact: u.contact.trim(),
    })),
    notes: f.notes?.trim() ?? "",
  };
}

function NewHandover({ open, onClose }: { open: boolean; onClose: (done: boolean) => void }) {
  const { t, lang } = useI18n();
  const [form] = Form.useForm<Fields>();
  const [error, setError] = useState<unknown>(null);
  const send = useIdempotentAction(handOver);
  const now = new Date();
  const names = <Select mode="tags" open={false} suffixIcon={null} tokenSeparators={[",", "，", " "]} />;
  const required = (key: Parameters<typeof t>[0]) => [{ required: true, message: t(key) }];
  return (
    <Modal
      open={open}
      width={880}
      title={t("handover_new")}
      okText={t("submit")}
      cancelText={t("cancel")}
      okButtonProps={{ loading: send.running }}
      onOk={() => form.submit()}
      onCancel={() => {
        send.end();
        setError(null);
        onClose(false);
      }}
      destroyOnHidden
      maskClosable={false}
    >
      <Form<Fields>
        form={form}
        layout="vertical"
        preserve={false}
        initialValues={{
          shift: "day",
          period_start: localInput(new Date(now.getTime() - 8 * 3600_000)),
          period_end: localInput(now),
          cleaning_done: true,
        }}
        onFinish={(f) => {
          setError(null);
          send.run(handoverBody(f)).then(() => {
            void message.success(t("done"));
            onClose(true);
          }, setError);
        }}
      >
        <Row gutter={16}>
          <Col span={8}>
            <Form.Item label={t("shift")} name="shift">
              <Select options={SHIFTS.map((s) => ({ value: s, label: t(`shift_${s}`) }))} />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item label={t("period_start")} name="period_start" rules={required("required_field")}>
              <Input type="datetime-local" />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item label={t("period_end")} name="period_end" rules={required("required_field")}>
              <Input type="datetime-local" />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item label={t("att_expected")} name="expected" rules={required("required_field")}>
              {names}
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item label={t("att_present")} name="present">
              {names}
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item label={t("att_absent")} name="absent">
              {names}
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item label={t("att_late")} name="late">
              {names}
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item label={t("att_left_early")} name="left_early">
              {names}
            </Form.Item>
          </Col>
          <Col span={4}>
            <Form.Item label={t("cleaning_done")} name="cleaning_done" valuePropName="checked">
              <Checkbox>{t("yes")}</Checkbox>
            </Form.Item>
          </Col>
          <Col span={4}>
            <Form.Item label={t("cleaning_responsible")} name="responsible" rules={required("required_field")}>
              <Input maxLength={64} />
            </Form.Item>
          </Col>
          <Col span={24}>
            <Form.Item label={t("finished_work")} name="finished" extra={t("finished_hint")}>
              <Input.TextArea rows={3} />
            </Form.Item>
          </Col>
        </Row>
        <h4>{t("follow_ups")}</h4>
        <Form.List name="follow_ups">
          {(fields, { add, remove }) => (
            <>
              {fields.map((field) => (
                <Row gutter={8} key={field.key}>
                  {(["form_id", "cause", "progress", "next_step", "contact"] as const).map((name) => (
                    <Col span={name === "form_id" ? 4 : 5} key={name}>
                      <Form.Item
                        label={t(`fu_${name}`)}
                        name={[field.name, name]}
                        rules={name === "form_id" ? [] : required("required_field")}
                      >
                        <Input />
                      </Form.Item>
                    </Col>
                  ))}
                  <Col span={1} style={{ paddingTop: 30 }}>
                    <MinusCircleOutlined aria-label={t("remove")} onClick={() => remove(field.name)} />
                  </Col>
                </Row>
              ))}
              <Button type="dashed" icon={<PlusOutlined />} onClick={() => add()}>
                {t("add_follow_up")}
              </Button>
            </>
          )}
        </Form.List>
        <Form.Item label={t("notes")} name="notes" style={{ marginTop: 16 }}>
          <Input.TextArea rows={2} maxLength={500} />
        </Form.Item>
      </Form>
      {error !== null && <Alert type="error" showIcon role="alert" message={errorText(error, lang)} />}
    </Modal>
  );
}

function Lines({ title, lines }: { title: string; lines: Line[] }) {
  const { t } = useI18n();
  return (
    <>
      <h4>
        {title} ({lines.length})
      </h4>
      <Table<Line>
        aria-label={title}
        rowKey={(l) => `${l.form_id}-${l.at}`}
        size="small"
        pagination={false}
        dataSource={lines}
        locale={{ emptyText: t("none") }}
        columns={[
          { title: t("file_no"), dataIndex: "form_id" },
          { title: t("order_no"), dataIndex: "order_no" },
          { title: t("phone"), dataIndex: "phone" },
          { title: t("refund_amount"), dataIndex: "amount_cents", align: "right", render: (v: number) => yuanFromCents(v) },
          { title: t("bank"), dataIndex: "bank" },
          { title: t("executor"), dataIndex: "by" },
          { title: t("time"), dataIndex: "at", render: (v: string) => dateTime(v) },
          { title: t("result"), key: "result", render: (_, l) => [l.result, l.reason].filter(Boolean).join(": ") },
        ]}
      />
    </>
  );
}

function HandoverDrawer({ id, onClose }: { id: number | null; onClose: () => void }) {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const client = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const ack = useIdempotentAction(acknowledgeHandover);
  const detail = useQuery({
    queryKey: ["refunds", "handover", id],
    queryFn: () => unwrap(api.GET("/api/v1/refunds/handovers/{handover_id}", { params: { path: { handover_id: id ?? 0 } } })),
    enabled: id !== null,
  });
  const h = detail.data;
  const names = (v?: string[]) => (v && v.length > 0 ? v.join("、") : t("none"));
  return (
    <Drawer open={id !== null} onClose={onClose} width={960} title={`${t("handover")} ${id ?? ""}`} destroyOnHidden>
      {detail.isError && <ListError error={detail.error} retry={() => void detail.refetch()} />}
      {h && (
        <>
          {h.actions.includes("acknowledge") && can("POST /api/v1/refunds/handovers/{handover_id}/acknowledge") && (
            <Button
              type="primary"
              loading={ack.running}
              style={{ marginBottom: 12 }}
              onClick={() => {
                setError(null);
                ack.run(h.id).then(() => {
                  void message.success(t("done"));
                  void client.invalidateQueries({ queryKey: ["refunds"] });
                }, setError);
              }}
            >
              {t("acknowledge")}
            </Button>
          )}
          {error !== null && <Alert type="error" showIcon role="alert" message={errorText(error, lang)} style={{ marginBottom: 12 }} />}
          <Descriptions bordered size="small" column={2} style={{ marginBottom: 16 }}>
            <Descriptions.Item label={t("shift")}>{t(`shift_${h.shift}`)}</Descriptions.Item>
            <Descriptions.Item label={t("period")}>
              {dateTime(h.period_start)} – {dateTime(h.period_end)}
            </Descriptions.Item>
            <Descriptions.Item label={t("handed_over_by")}>
              {h.handed_over_by} · {dateTime(h.handed_over_at)}
            </Descriptions.Item>
            <Descriptions.Item label={t("acknowledged_by")}>
              <span data-testid="acknowledged-by">{h.acknowledged_by ? `${h.acknowledged_by} · ${dateTime(h.acknowledged_at)}` : "—"}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t("att_expected")}>{names(h.attendance?.expected)}</Descriptions.Item>
            <Descriptions.Item label={t("att_present")}>{names(h.attendance?.present)}</Descriptions.Item>
            <Descriptions.Item label={t("att_late")}>{names(h.attendance?.late)}</Descriptions.Item>
            <Descriptions.Item label={t("att_left_early")}>{names(h.attendance?.left_early)}</Descriptions.Item>
            <Descriptions.Item label={t("att_absent")}>{names(h.attendance?.absent)}</Descriptions.Item>
            <Descriptions.Item label={t("cleaning_done")}>
              {h.cleaning ? `${t(h.cleaning.done ? "yes" : "no")} · ${t("cleaning_responsible")} ${h.cleaning.responsible}` : "—"}
            </Descriptions.Item>
            <Descriptions.Item label={t("finished_work")} span={2}>
              {h.finished.length > 0 ? (
                h.finished.map((f, i) => <div key={i}>{f}</div>)
              ) : (
                t("none")
              )}
            </Descriptions.Item>
            <Descriptions.Item label={t("notes")} span={2}>
              {h.notes || "—"}
            </Descriptions.Item>
          </Descriptions>
          <h4>{t("follow_ups")}</h4>
          <Table<Schemas["FollowUpOut"]>
            aria-label={t("follow_ups")}
            rowKey={(_, i) => String(i)}
            size="small"
            pagination={false}
            dataSource={h.follow_ups}
            locale={{ emptyText: t("none") }}
            columns={[
              { title: t("file_no"), dataIndex: "form_id" },
              { title: t("fu_cause"), dataIndex: "cause" },
              { title: t("fu_progress"), dataIndex: "progress" },
              { title: t("fu_next_step"), dataIndex: "next_step" },
              { title: t("fu_contact"), dataIndex: "contact" },
              { title: t("phone"), dataIndex: "phone" },
              { title: t("refund_amount"), dataIndex: "amount_cents", render: (v: number | null) => (v === null ? "" : yuanFromCents(v)) },
              { title: t("bank"), dataIndex: "bank" },
            ]}
          />
          <Lines title={t("finance_handled")} lines={h.finance_handled} />
          <Lines title={t("submitted_to_finance")} lines={h.submitted_to_finance} />
          <Lines title={t("sent_back_by_finance")} lines={h.sent_back_by_finance} />
        </>
      )}
    </Drawer>
  );
}

function fetchHandovers(filters: Filters<(typeof FILTERS)[number]>, paging: Paging) {
  const acknowledged = filters.acknowledged === undefined ? undefined : filters.acknowledged === "true";
  return unwrap(api.GET("/api/v1/refunds/handovers", { params: { query: { acknowledged, ...paging } } }));
}

export default function Handovers() {
  const { t } = useI18n();
  const { can } = useAuth();
  const client = useQueryClient();
  const [writing, setWriting] = useState(false);
  const [opened, setOpened] = useState<number | null>(null);
  const list = useListQuery(FILTERS, ["refunds", "handovers"], fetchHandovers);
  const columns = useMemo<TableColumnsType<Handover>>(
    () => [
      { title: t("shift"), dataIndex: "shift", render: (s: string) => t(`shift_${s as Handover["shift"]}`) },
      { title: t("period"), key: "period", render: (_, h) => `${dateTime(h.period_start)} – ${dateTime(h.period_end)}` },
      { title: t("handed_over_by"), dataIndex: "handed_over_by" },
      {
        title: t("acknowledged_by"),
        dataIndex: "acknowledged_by",
        render: (v: string | null) => (v ? <Tag color="green">{v}</Tag> : <Tag color="orange">{t("not_acknowledged")}</Tag>),
      },
      { title: t("finance_handled"), key: "fh", render: (_, h) => h.finance_handled.length },
      { title: t("submitted_to_finance"), key: "sf", render: (_, h) => h.submitted_to_finance.length },
      { title: t("sent_back_by_finance"), key: "sb", render: (_, h) => h.sent_back_by_finance.length },
      {
        title: t("details"),
        key: "open",
        render: (_, h) => (
          <Button type="link" aria-label={`${t("details")} ${t("handover")} ${h.id}`} onClick={() => setOpened(h.id)}>
            {t("details")}
          </Button>
        ),
      },
    ],
    [t],
  );
  return (
    <ListPage
      list={list}
      title={t("menu_refund_handovers")}
      extra={
        <Space>
          {can("POST /api/v1/refunds/handovers") && (
            <Button type="primary" onClick={() => setWriting(true)}>
              {t("handover_new")}
            </Button>
          )}
          <Select
            aria-label={t("acknowledged_filter")}
            style={{ width: 160 }}
            allowClear
            placeholder={t("acknowledged_filter")}
            value={list.filters.acknowledged}
            onChange={(v?: string) => list.search(v ? { acknowledged: v } : {})}
            options={[
              { value: "false", label: t("not_acknowledged") },
              { value: "true", label: t("acknowledged") },
            ]}
          />
        </Space>
      }
      table={{ rowKey: "id", columns }}
    >
      <NewHandover
        open={writing}
        onClose={(done) => {
          setWriting(false);
          if (done) void client.invalidateQueries({ queryKey: ["refunds", "handovers"] });
        }}
      />
      <HandoverDrawer id={opened} onClose={() => setOpened(null)} />
    </ListPage>
  );
}
