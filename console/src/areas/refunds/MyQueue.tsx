// My queue: the forms waiting on a step the signed-in user's role decides, oldest due first
// (the API's order), each with its limit counting down and overdue ones marked.
import { Tag, type TableColumnsType } from "antd";
import { useMemo } from "react";
import { Link } from "react-router-dom";
import { api, unwrap, type Schemas } from "../../api/client";
import { useI18n } from "../../i18n/i18n";
import { dateTime, yuanFromCents } from "../../shared/format";
import { ListPage, useListQuery, type Paging } from "../../shared/ListPage";
import type { Filters } from "../../shared/urlFilters";
import { Countdown } from "./Countdown";
import { stateLabel } from "./labels";
import "../../i18n/refundTexts";

const NO_FILTERS = [] as const;

export const QUEUE_KEY = ["refunds", "queue"] as const;

function fetchQueue(_: Filters<never>, paging: Paging) {
  return unwrap(api.GET("/api/v1/refunds/forms/queue", { params: { query: paging } }));
}

export default function MyQueue() {
  const { t } = useI18n();
  const list = useListQuery(NO_FILTERS, QUEUE_KEY, fetchQueue, { refetchInterval: 30_000 });
  const columns = useMemo<TableColumnsType<Schemas["QueuedFormOut"]>>(
    () => [
      {
        title: t("time_left"),
        key: "due",
        render: (_, f) => <Countdown due={f.due_at} overdue={f.overdue} paused={f.due_paused} />,
      },
      { title: t("due_at"), dataIndex: "due_at", render: (v: string | null) => dateTime(v) },
      { title: t("order_no"), dataIndex: "order_no" },
      {
        title: t("form_state"),
        dataIndex: "state",
        render: (v: string) => <Tag>{t(stateLabel(v) ?? "empty")}</Tag>,
      },
      { title: t("customer_name"), dataIndex: "customer_name" },
      { title: t("phone"), dataIndex: "phone" },
      { title: t("refund_amount"), dataIndex: "amount_cents", align: "right", render: (v: number) => yuanFromCents(v) },
      { title: t("filed_by"), dataIndex: "filed_by" },
      { title: t("round"), dataIndex: "round" },
      {
        title: t("open_form"),
        key: "open",
        render: (_, f) => (
          <Link to={`/refunds/forms/${encodeURIComponent(f.form_id)}`} aria-label={`${t("open_form")} ${f.order_no}`}>
            {t("open_form")}
          </Link>
        ),
      },
    ],
    [t],
  );
  return (
    <ListPage
      list={list}
      title={t("menu_refund_queue")}
      quiet
      emptyText={t("queue_empty")}
      table={{ rowKey: "form_id", columns, rowClassName: (f) => (f.overdue ? "kefu-overdue" : "") }}
    />
  );
}
