// Refund reports (seed 003): the daily fault statistics, and the monthly service (客服退单统计表)
// and finance (财务退单统计表) statistics, each as a table with a bar chart and its CSV download
// (progress shown while it streams). A month's approval by the department head, and its
// verification and archive by the admin/HR office, are offered only as the API's `actions` say;
// an approved month is the stored table, frozen.
import "../../i18n/reportsTexts";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Card, Descriptions, Empty, Form, Input, Modal, Progress as Bar, Space, Statistic, Table, Tabs, Tag, message } from "antd";
import { useMemo, useRef, useState } from "react";
import { api, unwrap, type RouteKey, type Schemas } from "../../api/client";
import { errorText } from "../../api/errors";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/i18n";
import type { TextKey } from "../../i18n/texts";
import { dateTime, yuanFromCents } from "../../shared/format";
import { useIdempotentAction } from "../../shared/idempotency";
import { ListError } from "../../shared/ListError";
import { useUrlFilters } from "../../shared/urlFilters";
import { BarChart, type Bar as ChartBar } from "./BarChart";
import { decisionLabel } from "./labels";
import { downloadCsv, type Progress } from "./csvDownload";
import { decideStatistics, type Department, type StatisticsAction } from "./reportCommands";
import "../../i18n/refundTexts";

const FILTERS = ["tab", "date", "month"] as const;
type MonthlyTable = Schemas["ServiceMonthlyOut"] | Schemas["FinanceMonthlyOut"];

function today(): string {
  return new Intl.DateTimeFormat("sv-SE", { timeZone: "Asia/Shanghai" }).format(new Date());
}

/** The month before this one in Asia/Shanghai ("2026-11"): the one due for approval. */
export function lastMonth(day: string): string {
  const [y, m] = day.split("-").map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, "0")}`;
}

/** Rows per day of the month (by the date they were submitted), for the chart. */
export function perDay(rows: { submitted_at: string; amount_cents: number }[]): ChartBar[] {
  const days = new Map<string, number>();
  for (const r of rows) {
    const day = dateTime(r.submitted_at).slice(5, 10);
    days.set(day, (days.get(day) ?? 0) + r.amount_cents);
  }
  return [...days.entries()].sort().map(([label, cents]) => ({ label, value: cents, text: yuanFromCents(cents) }));
}

function Download({ path, query, label }: { path: string; query: Record<string, string>; label: string }) {
  const { t, lang } = useI18n();
  const [progress, setProgress] = useState<Progress | null>(null);
  const [error, setError] = useState<unknown>(null);
  const abort = useRef<AbortController | null>(null);
  const running = progress !== null && !progress.done;
  return (
    <Space wrap>
      <Button
        loading={running}
        onClick={() => {
          setError(null);
          abort.current = new AbortController();
          setProgress({ bytes: 0, rows: 0, done: false });
          downloadCsv(path, query, setProgress, abort.current.signal).catch((e: unknown) => {
            setProgress(null);
            setError(e);
          });
        }}
      >
        {label}
      </Button>
      {running && <Button onClick={() => abort.current?.abort()}>{t("cancel")}</Button>}
      {progress && (
        <span role="status" aria-live="polite" data-testid="csv-progress">
          <Bar
            percent={progress.done ? 100 : 99}
            status={progress.done ? "success" : "active"}
            showInfo={false}
            size="small"
            style={{ width: 120, display: "inline-block", marginRight: 8 }}
          />
          {progress.done ? t("csv_done") : t("csv_receiving")} · {Math.max(0, progress.rows - 1)} {t("csv_rows")} ·{" "}
          {(progress.bytes / 1000).toFixed(1)} kB
        </span>
      )}
      {error !== null && <Alert type="error" showIcon role="alert" message={errorText(error, lang)} />}
    </Space>
  );
}

function DailyFaults({ day, setDay }: { day: string; setDay: (d: string) => void }) {
  const { t } = useI18n();
  const result = useQuery({
    queryKey: ["refunds", "reports", "daily", day],
    queryFn: () => unwrap(api.GET("/api/v1/refunds/reports/daily-faults", { params: { query: { date: day } } })),
  });
  const r = result.data;
  return (
    <>
      <Space style={{ marginBottom: 12 }} align="center" wrap>
        <Form.Item label={t("report_date")} htmlFor="report-date" style={{ marginBottom: 0 }}>
          <Input id="report-date" type="date" value={day} onChange={(e) => e.target.value && setDay(e.target.value)} />
        </Form.Item>
        <Download path="/api/v1/refunds/reports/daily-faults.csv" query={{ date: day }} label={t("csv_download")} />
      </Space>
      {result.isError && <ListError error={result.error} retry={() => void result.refetch()} />}
      {r && (
        <>
          <Space size="large" wrap style={{ marginBottom: 12 }}>
            <Statistic title={t("report_filed")} value={r.filed.forms} suffix={` · ${yuanFromCents(r.filed.amount_cents)}`} />
            <Statistic title={t("submitted_to_finance")} value={r.submitted_to_finance.forms} suffix={` · ${yuanFromCents(r.submitted_to_finance.amount_cents)}`} />
            <Statistic title={t("report_paid")} value={r.paid.forms} suffix={` · ${yuanFromCents(r.paid.amount_cents)}`} />
            <Statistic title={t("sent_back_by_finance")} value={r.sent_back_by_finance.forms} suffix={` · ${yuanFromCents(r.sent_back_by_finance.amount_cents)}`} />
            <Statistic title={t("report_breaches")} value={r.sla_breaches} />
          </Space>
          <BarChart title={t("report_by_cause")} bars={r.by_cause.map((c) => ({ label: c.label, value: c.forms }))} />
          <Table<Schemas["CauseOut"]>
            aria-label={t("report_by_cause")}
            rowKey="cause"
            size="small"
            pagination={false}
            dataSource={r.by_cause}
            columns={[
              { title: t("cause"), dataIndex: "label" },
              { title: t("report_forms"), dataIndex: "forms", align: "right" },
              { title: t("refund_amount"), dataIndex: "amount_cents", align: "right", render: (v: number) => yuanFromCents(v) },
            ]}
          />
        </>
      )}
    </>
  );
}

const ACTION_NEEDS_TEXT: Record<StatisticsAction, "optional" | "required" | "none"> = {
  approve: "optional",
  verify: "optional",
  return: "required",
  follow_up: "required",
  archive: "none",
};

const STATE_COLOR: Record<string, string> = { draft: "default", returned: "orange", approved: "blue", verified: "cyan", archived: "green" };

function StatisticsCard({ month, department }: { month: string; department: Department }) {
  const { t, lang } = useI18n();
  const client = useQueryClient();
  const [acting, setActing] = useState<StatisticsAction | null>(null);
  const [text, setText] = useState("");
  const [error, setError] = useState<unknown>(null);
  const decide = useIdempotentAction(decideStatistics);
  const result = useQuery({
    queryKey: ["refunds", "reports", "statistics", month, department],
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/refunds/reports/monthly-statistics/{month}/{department}", {
          params: { path: { month, department } },
        }),
      ),
  });
  if (result.isError) return <ListError error={result.error} retry={() => void result.refetch()} />;
  const s = result.data;
  if (!s) return null;
  const need = acting ? ACTION_NEEDS_TEXT[acting] : "none";
  const ready = need !== "required" || text.trim().length > 0;
  const decision = (label: TextKey, d: Schemas["MonthlyStatisticsOut"]["approved"]) =>
    d.by ? `${t(label)}: ${d.by} · ${dateTime(d.at)}${d.text ? ` · ${d.text}` : ""}` : null;
  const close = () => {
    decide.end();
    setActing(null);
    setText("");
    setError(null);
  };
  return (
    <Card size="small" title={t("statistics_approval")} style={{ marginBottom: 16 }}>
      <Descriptions size="small" column={2}>
        <Descriptions.Item label={t("statistics_state")}>
          <Tag color={STATE_COLOR[s.state]} data-testid={`statistics-state-${department}`}>
            {t(`statistics_${s.state}`)}
          </Tag>
        </Descriptions.Item>
        <Descriptions.Item label={t("statistics_due_on")}>{s.due_on}</Descriptions.Item>
        <Descriptions.Item label={t("statistics_decisions")} span={2}>
          <Space direction="vertical" size={0}>
            {[
              decision("statistics_approved", s.approved),
              decision("statistics_returned", s.returned),
              decision("statistics_verified", s.verified),
              decision("statistics_archived", s.archived),
            ]
              .filter(Boolean)
              .map((line) => (
                <span key={line}>{line}</span>
              ))}
          </Space>
        </Descriptions.Item>
        {s.follow_ups.length > 0 && (
          <Descriptions.Item label={t("statistics_follow_ups")} span={2}>
            <Space direction="vertical" size={0}>
              {s.follow_ups.map((f) => (
                <span key={f.at}>
                  {dateTime(f.at)} · {f.actor}: {f.opinion}
                </span>
              ))}
            </Space>
          </Descriptions.Item>
        )}
      </Descriptions>
      <Space wrap>
        {s.actions.map((a) => (
          <Button key={a} type={a === "return" ? "default" : "primary"} danger={a === "return"} onClick={() => setActing(a)}>
            {t(`statistics_do_${a}`)}
          </Button>
        ))}
        {s.actions.length === 0 && <span>{t(s.state === "archived" ? "statistics_frozen" : "no_actions")}</span>}
      </Space>
      <Modal
        open={acting !== null}
        title={acting ? `${t(`statistics_do_${acting}`)} · ${month}` : ""}
        okText={t("confirm")}
        cancelText={t("cancel")}
        okButtonProps={{ disabled: !ready, loading: decide.running }}
        onCancel={close}
        destroyOnHidden
        maskClosable={false}
        onOk={() => {
          if (!acting || !ready) return;
          setError(null);
          decide.run({ month, department, action: acting, text: text.trim() }).then(() => {
            void message.success(t("done"));
            close();
            void client.invalidateQueries({ queryKey: ["refunds", "reports"] });
          }, setError);
        }}
      >
        {need !== "none" ? (
          <Form layout="vertical">
            <Form.Item label={t("comment")} required={need === "required"} htmlFor="statistics-text" help={!ready ? t("comment_required") : undefined}>
              <Input.TextArea id="statistics-text" rows={3} maxLength={1000} value={text} onChange={(e) => setText(e.target.value)} autoFocus />
            </Form.Item>
          </Form>
        ) : (
          <p>{t("statistics_archive_hint")}</p>
        )}
        {error !== null && <Alert type="error" showIcon role="alert" message={errorText(error, lang)} />}
      </Modal>
    </Card>
  );
}

function Monthly({ department, month, setMonth }: { department: Department; month: string; setMonth: (m: string) => void }) {
  const { t } = useI18n();
  const { can } = useAuth();
  const service = department === "service";
  const result = useQuery<MonthlyTable>({
    queryKey: ["refunds", "reports", department, month],
    queryFn: () =>
      service
        ? unwrap(api.GET("/api/v1/refunds/reports/service-monthly", { params: { query: { month } } }))
        : unwrap(api.GET("/api/v1/refunds/reports/finance-monthly", { params: { query: { month } } })),
  });
  const verdict = (v: Schemas["VerdictOut"] | null) =>
    v ? `${decisionLabel(v.decision) ? t(decisionLabel(v.decision)!) : v.decision} · ${v.executor} · ${dateTime(v.at)}` : "—";
  const serviceColumns = [
    { title: t("seq"), dataIndex: "seq" },
    { title: t("submitted_at"), dataIndex: "submitted_at", render: (v: string) => dateTime(v) },
    { title: t("file_no"), dataIndex: "form_id" },
    { title: t("order_no"), dataIndex: "order_no" },
    { title: t("contact"), dataIndex: "contact" },
    { title: t("bank"), dataIndex: "bank" },
    { title: t("refund_amount"), dataIndex: "amount_cents", align: "right" as const, render: (v: number) => yuanFromCents(v) },
    { title: t("submitter"), dataIndex: "submitter" },
    { title: t("to_tech_at"), dataIndex: "to_tech_at", render: (v: string | null) => dateTime(v) },
    { title: t("to_finance_at"), dataIndex: "to_finance_at", render: (v: string | null) => dateTime(v) },
    { title: t("finance_feedback_at"), dataIndex: "finance_feedback_at", render: (v: string | null) => dateTime(v) },
    { title: t("customer_told_at"), dataIndex: "customer_told_at", render: (v: string | null) => dateTime(v) },
    { title: t("remarks"), dataIndex: "remarks" },
  ];
  const financeColumns = [
    ...serviceColumns.slice(0, 4),
    serviceColumns[5]!,
    serviceColumns[6]!,
    serviceColumns[7]!,
    { title: t("step_cashier_check"), dataIndex: "cashier_check", render: verdict },
    { title: t("step_accountant_review"), dataIndex: "accountant_review", render: verdict },
    { title: t("step_director_approval"), dataIndex: "director_approval", render: verdict },
    { title: t("service_told_at"), dataIndex: "service_told_at", render: (v: string | null) => dateTime(v) },
    { title: t("remarks"), dataIndex: "remarks" },
  ];
  const table = result.data;
  const statisticsRoute: RouteKey = "GET /api/v1/refunds/reports/monthly-statistics/{month}/{department}";
  return (
    <>
      <Space style={{ marginBottom: 12 }} align="center" wrap>
        <Form.Item label={t("report_month")} htmlFor={`month-${department}`} style={{ marginBottom: 0 }}>
          <Input id={`month-${department}`} type="month" value={month} onChange={(e) => e.target.value && setMonth(e.target.value)} />
        </Form.Item>
        <Download
          path={service ? "/api/v1/refunds/reports/service-monthly.csv" : "/api/v1/refunds/reports/finance-monthly.csv"}
          query={{ month }}
          label={t("csv_download")}
        />
      </Space>
      {can(statisticsRoute) && <StatisticsCard month={month} department={department} />}
      {result.isError && <ListError error={result.error} retry={() => void result.refetch()} />}
      {table && (
        <>
          {table.rows.length > 0 && (
            <BarChart title={t("report_amount_per_day")} bars={perDay(table.rows)} />
          )}
          <Table
            aria-label={t(service ? "report_service_monthly" : "report_finance_monthly")}
            rowKey="form_id"
            size="small"
            pagination={false}
            scroll={{ x: "max-content" }}
            dataSource={table.rows as object[]}
            locale={{ emptyText: <Empty description={t("empty")} /> }}
            columns={(service ? serviceColumns : financeColumns) as never}
            summary={() => (
              <Table.Summary.Row>
                <Table.Summary.Cell index={0} colSpan={2}>
                  {t("total")}
                </Table.Summary.Cell>
                <Table.Summary.Cell index={2} colSpan={4}>
                  <span data-testid={`total-${department}`}>
                    {table.total.count} · {yuanFromCents(table.total.amount_cents)}
                  </span>
                </Table.Summary.Cell>
              </Table.Summary.Row>
            )}
          />
        </>
      )}
    </>
  );
}

export default function Reports() {
  const { t } = useI18n();
  const { can } = useAuth();
  const { filters, setExtra } = useUrlFilters(FILTERS);
  const day = filters.date ?? today();
  const month = filters.month ?? lastMonth(today());
  const tabs = useMemo(
    () =>
      [
        can("GET /api/v1/refunds/reports/daily-faults") && {
          key: "daily",
          label: t("report_daily"),
          children: <DailyFaults day={day} setDay={(d) => setExtra("date", d)} />,
        },
        can("GET /api/v1/refunds/reports/service-monthly") && {
          key: "service",
          label: t("report_service_monthly"),
          children: <Monthly department="service" month={month} setMonth={(m) => setExtra("month", m)} />,
        },
        can("GET /api/v1/refunds/reports/finance-monthly") && {
          key: "finance",
          label: t("report_finance_monthly"),
          children: <Monthly department="finance" month={month} setMonth={(m) => setExtra("month", m)} />,
        },
      ].filter((x): x is { key: string; label: string; children: JSX.Element } => Boolean(x)),
    [can, t, day, month, setExtra],
  );
  return (
    <>
      <h2>{t("menu_refund_reports")}</h2>
      <Tabs activeKey={filters.tab ?? tabs[0]?.key} onChange={(k) => setExtra("tab", k)} items={tabs} destroyOnHidden />
    </>
  );
}
