// Rental orders (租赁订单列表, seed 001 2.8): filters in the URL (phone, user, bike, status,
// start and end times), newest first; each opens its detail with the exception fix.
import "../../i18n/rentalTexts";
import { Empty, Form, Input, Select, Table, Tag, type TableColumnsType } from "antd";
import { Link } from "react-router-dom";
import { api, unwrap, type Schemas } from "../../api/client";
import { useI18n } from "../../i18n/i18n";
import { DateRangeFields } from "../../shared/FilterForm";
import { dateTime, shanghaiIso, yuanFromCents } from "../../shared/format";
import { ListPage, useListQuery, type Paging } from "../../shared/ListPage";
import type { Filters } from "../../shared/urlFilters";
import { ORDER_STATUSES, orderStatusLabel, STATUS_COLOR, type OrderStatus } from "./labels";
import { PHONE_OR_LAST4 } from "./Users";

const FILTERS = ["phone", "user_id", "bike_id", "status", "started_from", "started_to", "ended_from", "ended_to"] as const;
type Key = (typeof FILTERS)[number];

/** A local day's start in Shanghai; the day after for an inclusive "to" day. */
function dayStart(d: string | undefined, next = false): string | undefined {
  if (!d) return undefined;
  if (!next) return shanghaiIso(`${d}T00:00`);
  const day = new Date(`${d}T00:00:00Z`);
  day.setUTCDate(day.getUTCDate() + 1);
  return shanghaiIso(`${day.toISOString().slice(0, 10)}T00:00`);
}

function Point({ p }: { p: Schemas["RentalPointOut"] | null }) {
  if (!p) return <>—</>;
  return (
    <span title={`${p.latitude}, ${p.longitude}`}>
      {p.name} ({p.latitude}, {p.longitude})
    </span>
  );
}

/** The orders' columns, with the rental points' coordinates where asked (a user's history). */
export function orderColumns(t: ReturnType<typeof useI18n>["t"], points?: boolean): TableColumnsType<Schemas["RentalOrderOut"]> {
  return [
    {
      title: t("r_trip_id"),
      dataIndex: "trip_id",
      render: (v: string) => (
        <Link to={`/rental/orders/${encodeURIComponent(v)}`} aria-label={`${t("details")} ${v}`}>
          {v}
        </Link>
      ),
    },
    { title: t("user_id"), dataIndex: "user_id" },
    { title: t("phone"), dataIndex: "phone" },
    { title: t("r_bike_id"), dataIndex: "bike_id" },
    {
      title: t("r_order_status"),
      dataIndex: "status",
      render: (s: OrderStatus) => <Tag color={STATUS_COLOR[s]}>{t(orderStatusLabel(s))}</Tag>,
    },
    { title: t("r_started_at"), dataIndex: "started_at", render: (v: string) => dateTime(v) },
    { title: t("r_ended_at"), dataIndex: "ended_at", render: (v: string | null) => dateTime(v) },
    ...(points
      ? [
          { title: t("r_start_point"), key: "sp", render: (_: unknown, o: Schemas["RentalOrderOut"]) => <Point p={o.start_point} /> },
          { title: t("r_end_point"), key: "ep", render: (_: unknown, o: Schemas["RentalOrderOut"]) => <Point p={o.end_point} /> },
        ]
      : []),
    {
      title: t("r_charge"),
      dataIndex: "charge_cents",
      align: "right" as const,
      render: (v: number | null) => (v === null ? "—" : yuanFromCents(v)),
    },
    { title: t("r_fixed_at"), dataIndex: "fixed_at", render: (v: string | null) => (v ? dateTime(v) : "") },
  ];
}

export function OrderTable({ items, loading, points }: { items: Schemas["RentalOrderOut"][]; loading: boolean; points?: boolean }) {
  const { t } = useI18n();
  return (
    <Table<Schemas["RentalOrderOut"]>
      rowKey="trip_id"
      size="small"
      loading={loading}
      dataSource={items}
      pagination={false}
      scroll={{ x: "max-content" }}
      locale={{ emptyText: <Empty description={t("empty")} /> }}
      columns={orderColumns(t, points)}
    />
  );
}

function fetchOrders(filters: Filters<Key>, paging: Paging) {
  const query = {
    phone: filters.phone,
    user_id: filters.user_id,
    bike_id: filters.bike_id,
    status: filters.status as OrderStatus | undefined,
    started_from: dayStart(filters.started_from),
    started_before: dayStart(filters.started_to, true),
    ended_from: dayStart(filters.ended_from),
    ended_before: dayStart(filters.ended_to, true),
    ...paging,
  };
  return unwrap(api.GET("/api/v1/rental/orders", { params: { query } }));
}

export default function Orders() {
  const { t } = useI18n();
  const list = useListQuery(FILTERS, ["rental", "orders"], fetchOrders);
  return (
    <ListPage
      list={list}
      title={t("menu_r_orders")}
      fields={
        <>
          <Form.Item label={t("phone")} name="phone" rules={[{ pattern: PHONE_OR_LAST4, message: t("r_phone_or_last4") }]}>
            <Input allowClear maxLength={11} style={{ width: 140 }} />
          </Form.Item>
          <Form.Item label={t("user_id")} name="user_id">
            <Input allowClear style={{ width: 150 }} />
          </Form.Item>
          <Form.Item label={t("r_bike_id")} name="bike_id">
            <Input allowClear style={{ width: 130 }} />
          </Form.Item>
          <Form.Item label={t("r_order_status")} name="status">
            <Select allowClear style={{ width: 120 }} placeholder={t("any")} options={ORDER_STATUSES.map((s) => ({ value: s, label: t(orderStatusLabel(s)) }))} />
          </Form.Item>
          <DateRangeFields from="started_from" to="started_to" fromLabel={`${t("r_started_at")} ${t("date_from")}`} toLabel={t("date_to")} />
          <DateRangeFields from="ended_from" to="ended_to" fromLabel={`${t("r_ended_at")} ${t("date_from")}`} toLabel={t("date_to")} />
        </>
      }
      table={{ rowKey: "trip_id", size: "small", columns: orderColumns(t) }}
    />
  );
}
