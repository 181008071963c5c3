// Rental orders (租赁订单列表, seed 001 2.8): filters in the URL (phone, user, bike, status,
// start and end times), newest first; each opens its detail with the exception fix.
import "../../i18n/rentalTexts";
import { useQuery } from "@tanstack/react-query";
import { Empty, Form, Input, Select, Table, Tag } from "antd";
import { useEffect, useMemo } from "react";
import { Link } from "react-router-dom";
import { api, unwrap, type Schemas } from "../../api/client";
import { useI18n } from "../../i18n/i18n";
import { CursorPager } from "../../shared/CursorPager";
import { notBefore, SearchButtons } from "../../shared/FilterForm";
import { dateTime, shanghaiIso, yuanFromCents } from "../../shared/format";
import { ListError } from "../../shared/ListError";
import { useUrlFilters, type Filters } from "../../shared/urlFilters";
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
      columns={[
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
      ]}
    />
  );
}

export default function Orders() {
  const { t } = useI18n();
  const { filters, cursor, page, limit, search, goTo, setLimit } = useUrlFilters(FILTERS);
  const [form] = Form.useForm<Filters<Key>>();
  useEffect(() => {
    form.resetFields();
    form.setFieldsValue(filters);
  }, [form, filters]);
  const query = useMemo(
    () => ({
      phone: filters.phone,
      user_id: filters.user_id,
      bike_id: filters.bike_id,
      status: filters.status as OrderStatus | undefined,
      started_from: dayStart(filters.started_from),
      started_before: dayStart(filters.started_to, true),
      ended_from: dayStart(filters.ended_from),
      ended_before: dayStart(filters.ended_to, true),
      limit,
      cursor,
    }),
    [filters, limit, cursor],
  );
  const orders = useQuery({
    queryKey: ["rental", "orders", query],
    queryFn: () => unwrap(api.GET("/api/v1/rental/orders", { params: { query } })),
  });
  return (
    <>
      <h2>{t("menu_r_orders")}</h2>
      <Form<Filters<Key>> form={form} layout="inline" onFinish={search} aria-label={t("search")} style={{ marginBottom: 16, rowGap: 8 }}>
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
        <Form.Item label={`${t("r_started_at")} ${t("date_from")}`} name="started_from">
          <Input type="date" />
        </Form.Item>
        <Form.Item
          label={t("date_to")}
          name="started_to"
          dependencies={["started_from"]}
          rules={[notBefore("started_from", t("date_range_invalid"))]}
        >
          <Input type="date" />
        </Form.Item>
        <Form.Item label={`${t("r_ended_at")} ${t("date_from")}`} name="ended_from">
          <Input type="date" />
        </Form.Item>
        <Form.Item label={t("date_to")} name="ended_to" dependencies={["ended_from"]} rules={[notBefore("ended_from", t("date_range_invalid"))]}>
          <Input type="date" />
        </Form.Item>
        <SearchButtons onReset={() => search({})} />
      </Form>
      {orders.isError && <ListError error={orders.error} retry={() => void orders.refetch()} />}
      <OrderTable items={orders.data?.items ?? []} loading={orders.isFetching} />
      <CursorPager page={page} next={orders.data?.next_cursor} goTo={goTo} limit={limit} setLimit={setLimit} />
    </>
  );
}
