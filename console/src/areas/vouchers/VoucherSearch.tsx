// Seed 000's voucher query page: seven filters above (kept in the URL), the result table
// below (newest exchange first, cursor paging, phones masked), the detail in a drawer.
// Not on shared/ListPage like the other lists: it is the agents' first and busiest screen,
// with a render budget (bench/RESULTS.md (g)), and on ListPage its 50-row result drew
// about 45 ms slower (median of 10 cold runs each, measured side by side).
import { useQuery } from "@tanstack/react-query";
import { Button, Col, Empty, Form, Input, Row, Select, Table, type TableColumnsType } from "antd";
import { lazy, Suspense, useEffect, useMemo } from "react";
import { api, unwrap, type Schemas } from "../../api/client";
import { useI18n } from "../../i18n/i18n";
import { CursorPager } from "../../shared/CursorPager";
import { dateTime, day, yuan } from "../../shared/format";
import { notBefore, SearchButtons } from "../../shared/FilterForm";
import { ListError } from "../../shared/ListError";
import { PHONE_SHAPE, useUrlFilters, type Filters } from "../../shared/urlFilters";
import { SOURCES, STATUSES } from "./labels";
import { SourceText, StatusTag } from "./tags";

// The drawer (and its dialogs) loads when a voucher is first opened, not with the search.
const VoucherDrawer = lazy(() => import("./VoucherDrawer"));

export const FILTERS = [
  "phone",
  "user_id",
  "code",
  "order_date_from",
  "order_date_to",
  "source",
  "status",
  "merchant_order_no",
] as const;
type Key = (typeof FILTERS)[number];

type FormValues = Filters<Key>;

export function VoucherFilterForm({ initial, onSearch }: { initial: Filters<Key>; onSearch: (f: Filters<Key>) => void }) {
  const { t } = useI18n();
  const [form] = Form.useForm<FormValues>();
  useEffect(() => form.setFieldsValue({ ...emptyForm, ...initial }), [form, initial]);
  return (
    <Form<FormValues> form={form} layout="vertical" onFinish={onSearch} aria-label={t("search")}>
      <Row gutter={16}>
        <Col span={6}>
          <Form.Item label={t("phone")} name="phone" rules={[{ pattern: PHONE_SHAPE, message: t("phone_invalid") }]}>
            <Input allowClear inputMode="numeric" maxLength={11} />
          </Form.Item>
        </Col>
        <Col span={6}>
          <Form.Item label={t("user_id")} name="user_id">
            <Input allowClear />
          </Form.Item>
        </Col>
        <Col span={6}>
          <Form.Item label={t("voucher_code")} name="code">
            <Input allowClear />
          </Form.Item>
        </Col>
        <Col span={6}>
          <Form.Item label={t("merchant_order_no")} name="merchant_order_no">
            <Input allowClear />
          </Form.Item>
        </Col>
        <Col span={4}>
          <Form.Item label={`${t("order_date")} ${t("date_from")}`} name="order_date_from">
            <Input type="date" />
          </Form.Item>
        </Col>
        <Col span={4}>
          <Form.Item
            label={`${t("order_date")} ${t("date_to")}`}
            name="order_date_to"
            dependencies={["order_date_from"]}
            rules={[notBefore("order_date_from", t("date_range_invalid"))]}
          >
            <Input type="date" />
          </Form.Item>
        </Col>
        <Col span={5}>
          <Form.Item label={t("source")} name="source">
            <Select allowClear placeholder={t("any")} options={SOURCES.map((s) => ({ value: s, label: t(`source_${s}`) }))} />
          </Form.Item>
        </Col>
        <Col span={5}>
          <Form.Item label={t("status")} name="status">
            <Select allowClear placeholder={t("any")} options={STATUSES.map((s) => ({ value: s, label: t(`status_${s}`) }))} />
          </Form.Item>
        </Col>
        <Col span={6} style={{ display: "flex", alignItems: "end", paddingBottom: 24 }}>
          <SearchButtons
            onReset={() => {
              form.setFieldsValue(emptyForm);
              onSearch({});
            }}
          />
        </Col>
      </Row>
    </Form>
  );
}

const emptyForm: FormValues = Object.fromEntries(FILTERS.map((k) => [k, undefined]));

export default function VoucherSearch() {
  const { t } = useI18n();
  const { filters, cursor, page, limit, params, search, goTo, setLimit, setExtra } = useUrlFilters(FILTERS);
  const open = params.get("open");
  const query = useMemo(() => ({ ...filters, limit: String(limit), cursor }), [filters, limit, cursor]);
  // Nothing is searched until a filter is given: an agent looks for one customer's vouchers.
  const asked = Object.keys(filters).length > 0;
  const result = useQuery({
    queryKey: ["vouchers", query],
    queryFn: () => unwrap(api.GET("/api/v1/vouchers", { params: { query } })),
    enabled: asked,
  });
  const offset = (page - 1) * limit;
  // The same column objects between renders: a 50-row answer renders only its rows.
  const columns = useMemo<TableColumnsType<Schemas["VoucherOut"]>>(
    () => [
      { title: t("row_no"), key: "n", width: 64, render: (_, __, i) => offset + i + 1 },
      { title: t("merchant_order_no"), dataIndex: "merchant_order_no" },
      { title: t("exchanged_at"), dataIndex: "exchanged_at", render: (v: string) => dateTime(v) },
      { title: t("order_status"), dataIndex: "order_status" },
      { title: t("source"), dataIndex: "source", render: (v: string) => <SourceText source={v} /> },
      { title: t("deduction_status"), dataIndex: "deduction_status" },
      { title: t("voucher_status"), dataIndex: "status", render: (v: string) => <StatusTag status={v} /> },
      { title: t("face_value"), dataIndex: "face_value", align: "right", render: (v: string) => yuan(v) },
      {
        title: t("validity"),
        key: "validity",
        render: (_, v) => `${day(v.valid_from)} ~ ${day(v.valid_to)}`,
      },
      { title: t("voucher_code"), dataIndex: "code" },
      {
        title: t("details"),
        key: "details",
        render: (_, v) => (
          <Button type="link" onClick={() => setExtra("open", v.code)} aria-label={`${t("details")} ${v.code}`}>
            {t("details")}
          </Button>
        ),
      },
    ],
    [t, offset, setExtra],
  );
  return (
    <>
      <VoucherFilterForm initial={filters} onSearch={search} />
      {result.isError && <ListError error={result.error} retry={() => void result.refetch()} />}
      <Table<Schemas["VoucherOut"]>
        rowKey="code"
        size="middle"
        loading={result.isFetching}
        dataSource={result.data?.items ?? []}
        pagination={false}
        scroll={{ x: "max-content" }}
        locale={{ emptyText: <Empty description={asked ? t("empty") : t("search_hint")} /> }}
        columns={columns}
      />
      <CursorPager page={page} next={result.data?.next_cursor} goTo={goTo} limit={limit} setLimit={setLimit} />
      {open !== null && (
        <Suspense fallback={null}>
          <VoucherDrawer code={open} onClose={() => setExtra("open", null)} />
        </Suspense>
      )}
    </>
  );
}
