// Seed 000's voucher query page: seven filters above (kept in the URL), the result table
// below (newest exchange first, cursor paging, phones masked), the detail in a drawer.
import { Button, Col, Form, Input, Select, type TableColumnsType } from "antd";
import { lazy, Suspense, useMemo } from "react";
import { api, unwrap, type Schemas } from "../../api/client";
import { useI18n } from "../../i18n/i18n";
import { dateTime, day, yuan } from "../../shared/format";
import { DateRangeFields } from "../../shared/FilterForm";
import { ListFilters, ListPage, useListQuery, type Paging } from "../../shared/ListPage";
import { PHONE_SHAPE, type Filters } from "../../shared/urlFilters";
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

/** The seven filters, each a column of the filter form's grid. */
function VoucherFields() {
  const { t } = useI18n();
  return (
    <>
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
      <DateRangeFields
        from="order_date_from"
        to="order_date_to"
        fromLabel={`${t("order_date")} ${t("date_from")}`}
        toLabel={`${t("order_date")} ${t("date_to")}`}
        span={4}
      />
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
    </>
  );
}

export function VoucherFilterForm({ initial, onSearch }: { initial: Filters<Key>; onSearch: (f: Filters<Key>) => void }) {
  return (
    <ListFilters initial={initial} onSearch={onSearch} grid={6}>
      <VoucherFields />
    </ListFilters>
  );
}

function fetchVouchers(filters: Filters<Key>, paging: Paging) {
  const query = { ...filters, limit: String(paging.limit), cursor: paging.cursor };
  return unwrap(api.GET("/api/v1/vouchers", { params: { query } }));
}

// Nothing is searched until a filter is given: an agent looks for one customer's vouchers.
const anyFilter = (filters: Filters<Key>) => Object.keys(filters).length > 0;

export default function VoucherSearch() {
  const { t } = useI18n();
  const list = useListQuery(FILTERS, ["vouchers"], fetchVouchers, { ready: anyFilter });
  const { page, limit, params, setExtra } = list;
  const open = params.get("open");
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
    <ListPage list={list} grid={6} fields={<VoucherFields />} emptyText={list.asked ? undefined : t("search_hint")} table={{ rowKey: "code", columns }}>
      {open !== null && (
        <Suspense fallback={null}>
          <VoucherDrawer code={open} onClose={() => setExtra("open", null)} />
        </Suspense>
      )}
    </ListPage>
  );
}
