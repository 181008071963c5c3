// Refund forms: search by phone, name, order number, filing dates and state (kept in the URL),
// newest first with cursor paging; agents file a new form from here.
import { useQuery } from "@tanstack/react-query";
import { Button, Col, Empty, Form, Input, Row, Select, Space, Table, Tag, type TableColumnsType } from "antd";
import { useEffect, useMemo, useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import { api, unwrap, type Schemas } from "../../api/client";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/i18n";
import { CursorPager } from "../../shared/CursorPager";
import { dateTime, yuanFromCents } from "../../shared/format";
import { notBefore, SearchButtons } from "../../shared/FilterForm";
import { ListError } from "../../shared/ListError";
import { useUrlFilters, type Filters } from "../../shared/urlFilters";
import { STATES, stateLabel, type FormState } from "./labels";
import { NewFormDialog } from "./NewFormDialog";
import "../../i18n/refundTexts";

export const FILTERS = ["phone", "customer_name", "order_no", "filed_from", "filed_to", "state"] as const;
type Key = (typeof FILTERS)[number];

const emptyForm: Filters<Key> = Object.fromEntries(FILTERS.map((k) => [k, undefined]));

export function FormFilterForm({ initial, onSearch }: { initial: Filters<Key>; onSearch: (f: Filters<Key>) => void }) {
  const { t } = useI18n();
  const [form] = Form.useForm<Filters<Key>>();
  useEffect(() => form.setFieldsValue({ ...emptyForm, ...initial }), [form, initial]);
  return (
    <Form<Filters<Key>> form={form} layout="vertical" onFinish={onSearch} aria-label={t("search")}>
      <Row gutter={16}>
        <Col span={6}>
          <Form.Item
            label={t("phone")}
            name="phone"
            rules={[{ pattern: /^(\d{4}|1\d{10})$/, message: t("phone_invalid") }]}
          >
            <Input allowClear inputMode="numeric" maxLength={11} />
          </Form.Item>
        </Col>
        <Col span={6}>
          <Form.Item label={t("customer_name")} name="customer_name">
            <Input allowClear />
          </Form.Item>
        </Col>
        <Col span={6}>
          <Form.Item label={t("order_no")} name="order_no">
            <Input allowClear />
          </Form.Item>
        </Col>
        <Col span={6}>
          <Form.Item label={t("form_state")} name="state">
            <Select allowClear placeholder={t("any")} options={STATES.map((s) => ({ value: s, label: t(`state_${s}`) }))} />
          </Form.Item>
        </Col>
        <Col span={6}>
          <Form.Item label={t("filed_from")} name="filed_from">
            <Input type="date" />
          </Form.Item>
        </Col>
        <Col span={6}>
          <Form.Item
            label={t("filed_to")}
            name="filed_to"
            dependencies={["filed_from"]}
            rules={[notBefore("filed_from", t("date_range_invalid"))]}
          >
            <Input type="date" />
          </Form.Item>
        </Col>
        <Col span={12} style={{ display: "flex", alignItems: "end", paddingBottom: 24 }}>
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

export default function FormSearch() {
  const { t } = useI18n();
  const { can } = useAuth();
  const navigate = useNavigate();
  const [filing, setFiling] = useState(false);
  const { filters, cursor, page, limit, search, goTo, setLimit } = useUrlFilters(FILTERS);
  const query = useMemo(() => {
    const { state, ...rest } = filters;
    return { ...rest, state: state ? [state as FormState] : undefined, limit, cursor };
  }, [filters, limit, cursor]);
  const result = useQuery({
    queryKey: ["refunds", "forms", query],
    queryFn: () => unwrap(api.GET("/api/v1/refunds/forms", { params: { query } })),
  });
  const columns = useMemo<TableColumnsType<Schemas["RefundFormSummaryOut"]>>(
    () => [
      { title: t("order_no"), dataIndex: "order_no" },
      { title: t("form_state"), dataIndex: "state", render: (v: string) => <Tag>{t(stateLabel(v) ?? "empty")}</Tag> },
      { title: t("customer_name"), dataIndex: "customer_name" },
      { title: t("phone"), dataIndex: "phone" },
      { title: t("refund_amount"), dataIndex: "amount_cents", align: "right", render: (v: number) => yuanFromCents(v) },
      { title: t("bank"), dataIndex: "bank" },
      { title: t("filed_by"), dataIndex: "filed_by" },
      { title: t("filed_at"), dataIndex: "filed_at", render: (v: string) => dateTime(v) },
      { title: t("round"), dataIndex: "round" },
      {
        title: t("details"),
        key: "open",
        render: (_, f) => (
          <Link to={`/refunds/forms/${encodeURIComponent(f.form_id)}`} aria-label={`${t("details")} ${f.order_no}`}>
            {t("details")}
          </Link>
        ),
      },
    ],
    [t],
  );
  return (
    <>
      <Space style={{ marginBottom: 16 }}>
        <h2 style={{ margin: 0 }}>{t("menu_refund_forms")}</h2>
        {can("POST /api/v1/refunds/forms") && (
          <Button type="primary" onClick={() => setFiling(true)}>
            {t("new_refund_form")}
          </Button>
        )}
      </Space>
      <FormFilterForm initial={filters} onSearch={search} />
      {result.isError && <ListError error={result.error} retry={() => void result.refetch()} />}
      <Table<Schemas["RefundFormSummaryOut"]>
        rowKey="form_id"
        size="middle"
        loading={result.isFetching}
        dataSource={result.data?.items ?? []}
        pagination={false}
        scroll={{ x: "max-content" }}
        locale={{ emptyText: <Empty description={t("empty")} /> }}
        columns={columns}
      />
      <CursorPager page={page} next={result.data?.next_cursor} goTo={goTo} limit={limit} setLimit={setLimit} />
      <NewFormDialog
        open={filing}
        onClose={() => setFiling(false)}
        onFiled={(f) => {
          setFiling(false);
          navigate(`/refunds/forms/${encodeURIComponent(f.form_id)}`);
        }}
      />
    </>
  );
}
