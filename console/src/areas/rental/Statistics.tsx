// Daily figures (租借信息, 还车信息, 用户统计; seed 001 2.9-2.11): rentals started, final
// returns and new users per local day, as a table and a small bar chart drawn in SVG (three
// series, no chart library needed for that).
import "../../i18n/rentalTexts";
import { useQuery } from "@tanstack/react-query";
import { Card, Empty, Form, Input, Table } from "antd";
import { useEffect } from "react";
import { api, unwrap, type Schemas } from "../../api/client";
import { useI18n } from "../../i18n/i18n";
import type { TextKey } from "../../i18n/texts";
import { notBefore, SearchButtons } from "../../shared/FilterForm";
import { ListError } from "../../shared/ListError";
import { useUrlFilters } from "../../shared/urlFilters";
import { localToday } from "./FundFlows";

const FILTERS = ["from", "to"] as const;
const SERIES: { key: "rentals" | "returns" | "new_users"; label: TextKey; color: string }[] = [
  { key: "rentals", label: "r_rentals_started", color: "#1677ff" },
  { key: "returns", label: "r_returns", color: "#52c41a" },
  { key: "new_users", label: "r_new_users", color: "#fa8c16" },
];

function daysBefore(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - n);
  return d.toISOString().slice(0, 10);
}

export function BarChart({ days }: { days: Schemas["DayOut"][] }) {
  const { t } = useI18n();
  const height = 180;
  const group = 3 * 8 + 8;
  const width = Math.max(300, days.length * group + 40);
  const top = Math.max(1, ...days.flatMap((d) => SERIES.map((s) => d[s.key])));
  return (
    <figure style={{ margin: 0, overflowX: "auto" }}>
      <svg role="img" aria-label={t("r_chart")} width={width} height={height + 40} data-testid="stat-chart">
        <line x1={30} y1={height} x2={width} y2={height} stroke="#d9d9d9" />
        <text x={0} y={12} fontSize={11} fill="#888">
          {top}
        </text>
        {days.map((d, i) => (
          <g key={d.day} transform={`translate(${36 + i * group},0)`}>
            {SERIES.map((s, j) => {
              const h = Math.round((d[s.key] / top) * (height - 16));
              return (
                <rect key={s.key} x={j * 8} y={height - h} width={7} height={h} fill={s.color}>
                  <title>{`${d.day} ${t(s.label)}: ${d[s.key]}`}</title>
                </rect>
              );
            })}
            {(days.length <= 16 || i % Math.ceil(days.length / 16) === 0) && (
              <text x={0} y={height + 14} fontSize={10} fill="#666">
                {d.day.slice(5)}
              </text>
            )}
          </g>
        ))}
      </svg>
      <figcaption style={{ display: "flex", gap: 16 }}>
        {SERIES.map((s) => (
          <span key={s.key}>
            <span style={{ display: "inline-block", width: 10, height: 10, background: s.color, marginRight: 4 }} />
            {t(s.label)}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

export default function Statistics() {
  const { t } = useI18n();
  const { filters, search } = useUrlFilters(FILTERS);
  const to = filters.to ?? localToday();
  const from = filters.from ?? daysBefore(to, 13);
  const [form] = Form.useForm<{ from: string; to: string }>();
  useEffect(() => form.setFieldsValue({ from, to }), [form, from, to]);
  const stats = useQuery({
    queryKey: ["rental", "statistics", from, to],
    queryFn: () => unwrap(api.GET("/api/v1/rental/statistics/daily", { params: { query: { from, to } } })),
  });
  const days = stats.data?.days ?? [];
  return (
    <>
      <h2>{t("menu_r_statistics")}</h2>
      <Form form={form} layout="inline" onFinish={search} aria-label={t("search")} style={{ marginBottom: 16 }}>
        <Form.Item label={t("date_from")} name="from" rules={[{ required: true }]}>
          <Input type="date" />
        </Form.Item>
        <Form.Item label={t("date_to")} name="to" dependencies={["from"]} rules={[{ required: true }, notBefore("from", t("date_range_invalid"))]}>
          <Input type="date" />
        </Form.Item>
        <SearchButtons onReset={() => search({})} />
      </Form>
      {stats.isError && <ListError error={stats.error} retry={() => void stats.refetch()} />}
      <Card size="small" style={{ marginBottom: 16 }}>
        {days.length > 0 ? <BarChart days={days} /> : <Empty description={t("empty")} />}
      </Card>
      <Table<Schemas["DayOut"]>
        aria-label={t("menu_r_statistics")}
        rowKey="day"
        size="small"
        loading={stats.isFetching}
        dataSource={days}
        pagination={false}
        columns={[
          { title: t("r_day"), dataIndex: "day" },
          ...SERIES.map((s) => ({ title: t(s.label), dataIndex: s.key, align: "right" as const })),
        ]}
        summary={() =>
          stats.data ? (
            <Table.Summary.Row>
              <Table.Summary.Cell index={0}>{t("r_total")}</Table.Summary.Cell>
              <Table.Summary.Cell index={1} align="right">{stats.data.total_rentals}</Table.Summary.Cell>
              <Table.Summary.Cell index={2} align="right">{stats.data.total_returns}</Table.Summary.Cell>
              <Table.Summary.Cell index={3} align="right">{stats.data.total_new_users}</Table.Summary.Cell>
            </Table.Summary.Row>
          ) : null
        }
      />
    </>
  );
}
