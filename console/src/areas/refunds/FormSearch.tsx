// Refund forms: search by phone, name, order number, filing dates and state (kept in the URL),
// newest first with cursor paging; agents file a new form from here.
import { Button, Col, Form, Input, Select, Tag, type TableColumnsType } from "antd";
import { useMemo, useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import { api, unwrap, type Schemas } from "../../api/client";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/i18n";
import { dateTime, yuanFromCents } from "../../shared/format";
import { DateRangeFields } from "../../shared/FilterForm";
import { ListPage, useListQuery, type Paging } from "../../shared/ListPage";
import type { Filters } from "../../shared/urlFilters";
import { STATES, stateLabel, type FormState } from "./labels";
import { NewFormDialog } from "./NewFormDialog";
import "../../i18n/refundTexts";

export const FILTERS = ["phone", "customer_name", "order_no", "filed_from", "filed_to", "state"] as const;
type Key = (typeof FILTERS)[number];

/** The search's fields, each a column of the filter form's grid. */
function FormFields() {
  const { t } = useI18n();
  return (
    <>
      <Col span={6}>
        <Form.Item label={t("phone")} name="phone" rules={[{ pattern: /^(\d{4}|1\d{10})$/, message: t("phone_invalid") }]}>
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
      <DateRangeFields from="filed_from" to="filed_to" fromLabel={t("filed_from")} toLabel={t("filed_to")} span={6} />
    </>
  );
}

function fetchForms(filters: Filters<Key>, paging: Paging) {
  const { state, ...rest } = filters;
  const query = { ...rest, state: state ? [state as FormState] : undefined, ...paging };
  return unwrap(api.GET("/api/v1/refunds/forms", { params: { query } }));
}

export default function FormSearch() {
  const { t } = useI18n();
  const { can } = useAuth();
  const navigate = useNavigate();
  const [filing, setFiling] = useState(false);
  const list = useListQuery(FILTERS, ["refunds", "forms"], fetchForms);
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
    <ListPage
      list={list}
      title={t("menu_refund_forms")}
      extra={
        can("POST /api/v1/refunds/forms") && (
          <Button type="primary" onClick={() => setFiling(true)}>
            {t("new_refund_form")}
          </Button>
        )
      }
      grid={12}
      fields={<FormFields />}
      table={{ rowKey: "form_id", columns }}
    >
      <NewFormDialog
        open={filing}
        onClose={() => setFiling(false)}
        onFiled={(f) => {
          setFiling(false);
          navigate(`/refunds/forms/${encodeURIComponent(f.form_id)}`);
        }}
      />
    </ListPage>
  );
}
