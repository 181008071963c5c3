// Fund flows (资金流水, seed 001 2.12): rentals, top-ups and refunds, insurance fees, deposits,
// by local day range, kind and user; the totals per kind and the net over the whole filter
// (the API sums the ledger, every page); the CSV export read as a stream with its progress.
import "../../i18n/rentalTexts";
import { useQuery } from "@tanstack/react-query";
import { Alert, Button, Card, Empty, Form, Input, Progress as Bar, Select, Table, Tag } from "antd";
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { api, unwrap, type Schemas } from "../../api/client";
import { errorText } from "../../api/errors";
import { useI18n } from "../../i18n/i18n";
import { notBefore } from "../../shared/FilterForm";
import { BUSINESS_TZ, dateTime, yuanFromCents } from "../../shared/format";
import { ListError } from "../../shared/ListError";
import { ListPage, useListQuery, type FormMapping, type Paging } from "../../shared/ListPage";
import type { Filters } from "../../shared/urlFilters";
import { downloadCsv, progressFeed, type ProgressFeed } from "./csvDownload";
import { FLOW_KINDS, flowKindLabel } from "./labels";

const FILTERS = ["date_from", "date_to", "kind", "user_id"] as const;

/** Today in the business time zone, as the API's local days count. */
export function localToday(): string {
  return new Intl.DateTimeFormat("sv-SE", { timeZone: BUSINESS_TZ }).format(new Date());
}

type Key = (typeof FILTERS)[number];

/** The filter as the API takes it: this month up to today unless days are given. */
function flowFilter(filters: Filters<Key>) {
  const today = localToday();
  return {
    date_from: filters.date_from ?? `${today.slice(0, 8)}01`,
    date_to: filters.date_to ?? today,
    kind: filters.kind ? filters.kind.split(",") : undefined,
    user_id: filters.user_id,
  };
}

function fetchFlows(filters: Filters<Key>, paging: Paging) {
  return unwrap(api.GET("/api/v1/rental/fund-flows", { params: { query: { ...flowFilter(filters), ...paging } } }));
}

// The kinds are a list in the form and one comma-separated value in the URL.
const MAPPING: FormMapping<Key> = {
  toForm: flowFilter,
  fromForm: (v) => ({
    date_from: v.date_from as string | undefined,
    date_to: v.date_to as string | undefined,
    kind: (v.kind as string[] | undefined)?.join(","),
    user_id: v.user_id as string | undefined,
  }),
};

export default function FundFlows() {
  const { t, lang } = useI18n();
  const list = useListQuery(FILTERS, ["rental", "fund-flows"], fetchFlows);
  const filter = flowFilter(list.filters);
  const { date_from: dateFrom, date_to: dateTo, kind: kinds } = filter;
  // The totals come with the first page only: kept for the same filter while paging on.
  const totals = useQuery({
    queryKey: ["rental", "fund-flow-totals", filter],
    queryFn: () => unwrap(api.GET("/api/v1/rental/fund-flows", { params: { query: { ...filter, limit: 1 } } })),
  });
  const feed = useMemo(progressFeed, []);
  const [running, setRunning] = useState(false);
  const [exportError, setExportError] = useState<unknown>(null);
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);

  async function exportCsv() {
    const params = new URLSearchParams({ date_from: dateFrom, date_to: dateTo });
    for (const k of kinds ?? []) params.append("kind", k);
    if (filter.user_id) params.set("user_id", filter.user_id);
    abort.current = new AbortController();
    setExportError(null);
    setRunning(true);
    feed.set({ bytes: 0, rows: 0, done: false });
    try {
      await downloadCsv(`/api/v1/rental/fund-flows/export.csv?${params.toString()}`, feed.set, abort.current.signal);
    } catch (e) {
      setExportError(e);
      feed.set(null);
    } finally {
      setRunning(false);
    }
  }
  const expected = totals.data?.total ?? null;
  return (
    <ListPage
      list={list}
      title={t("menu_r_fund_flows")}
      mapping={MAPPING}
      fields={
        <>
          <Form.Item label={t("date_from")} name="date_from" rules={[{ required: true }]}>
            <Input type="date" />
          </Form.Item>
          <Form.Item label={t("date_to")} name="date_to" dependencies={["date_from"]} rules={[{ required: true }, notBefore("date_from", t("date_range_invalid"))]}>
            <Input type="date" />
          </Form.Item>
          <Form.Item label={t("r_kind")} name="kind">
            <Select
              mode="multiple"
              allowClear
              style={{ minWidth: 220 }}
              placeholder={t("any")}
              options={FLOW_KINDS.map((k) => ({ value: k, label: t(flowKindLabel(k)) }))}
            />
          </Form.Item>
          <Form.Item label={t("user_id")} name="user_id">
            <Input allowClear style={{ width: 150 }} />
          </Form.Item>
        </>
      }
      toolbar={
        <Card
          size="small"
          title={t("r_totals")}
          style={{ marginBottom: 16 }}
          extra={
            <Button onClick={() => void exportCsv()} loading={running}>
              {t("r_export_csv")}
            </Button>
          }
        >
          {totals.isError && <ListError error={totals.error} retry={() => void totals.refetch()} />}
          <Table<Schemas["FundFlowTotalOut"]>
            aria-label={t("r_totals")}
            rowKey={(r) => `${r.kind}-${r.direction}`}
            size="small"
            loading={totals.isFetching}
            pagination={false}
            dataSource={totals.data?.totals ?? []}
            locale={{ emptyText: <Empty description={t("empty")} /> }}
            columns={[
              { title: t("r_kind"), dataIndex: "kind", render: (v: string) => t(flowKindLabel(v)) },
              { title: t("r_direction"), dataIndex: "direction", render: (v: string) => <Tag color={v === "in" ? "green" : "orange"}>{t(v === "in" ? "r_in" : "r_out")}</Tag> },
              { title: t("r_count"), dataIndex: "count", align: "right", render: (v: number) => <span data-testid="total-count">{v}</span> },
              {
                title: t("r_amount"),
                dataIndex: "amount_cents",
                align: "right",
                render: (v: number, r) => <span data-testid={`total-${r.kind}-${r.direction}`}>{yuanFromCents(v)}</span>,
              },
            ]}
            summary={() =>
              totals.data?.net_cents != null ? (
                <Table.Summary.Row>
                  <Table.Summary.Cell index={0} colSpan={2}>
                    {t("r_net")}
                  </Table.Summary.Cell>
                  <Table.Summary.Cell index={2} align="right">
                    <span data-testid="total-rows">{expected ?? ""}</span>
                  </Table.Summary.Cell>
                  <Table.Summary.Cell index={3} align="right">
                    <strong data-testid="net">{yuanFromCents(totals.data.net_cents)}</strong>
                  </Table.Summary.Cell>
                </Table.Summary.Row>
              ) : null
            }
          />
          <ExportProgress feed={feed} expected={expected} />
          {exportError !== null && <Alert type="error" showIcon role="alert" message={errorText(exportError, lang)} style={{ marginTop: 12 }} />}
        </Card>
      }
      table={{
        rowKey: "id",
        columns: [
          { title: t("r_at"), dataIndex: "at", render: (v: string) => dateTime(v) },
          { title: t("user_id"), dataIndex: "user_id" },
          { title: t("r_kind"), dataIndex: "kind", render: (v: string) => t(flowKindLabel(v)) },
          { title: t("r_direction"), dataIndex: "direction", render: (v: string) => t(v === "in" ? "r_in" : "r_out") },
          { title: t("r_amount"), dataIndex: "amount_cents", align: "right", render: (v: number) => yuanFromCents(v) },
          { title: t("r_reference"), dataIndex: "reference" },
          { title: t("operator"), dataIndex: "actor" },
        ],
      }}
    />
  );
}

/** The export's progress line: the only part of the page its updates redraw. */
function ExportProgress({ feed, expected }: { feed: ProgressFeed; expected: number | null }) {
  const { t } = useI18n();
  const progress = useSyncExternalStore(feed.subscribe, feed.get);
  if (!progress) return null;
  return (
    <div role="status" data-testid="export-progress" style={{ marginTop: 12 }}>
      {expected ? <Bar percent={Math.min(100, Math.floor((progress.rows * 100) / Math.max(1, expected)))} size="small" /> : null}
      {progress.done ? t("r_export_done") : t("r_export_receiving")}: {progress.bytes.toLocaleString("en-US")} {t("r_bytes")} · {progress.rows}{" "}
      {t("r_rows")}
    </div>
  );
}
