// My queue: the forms waiting on a step the signed-in user's role decides, oldest due first
// (the API's order), each with its limit counting down and overdue ones marked.
import { useQuery } from "@tanstack/react-query";
import { Empty, Table, Tag, type TableColumnsType } from "antd";
import { useMemo } from "react";
import { Link } from "react-router-dom";
import { api, unwrap, type Schemas } from "../../api/client";
import { useI18n } from "../../i18n/i18n";
import { CursorPager } from "../../shared/CursorPager";
import { dateTime, yuanFromCents } from "../../shared/format";
import { ListError } from "../../shared/ListError";
import { useUrlFilters } from "../../shared/urlFilters";
import { Countdown } from "./Countdown";
import { stateLabel } from "./labels";
import "../../i18n/refundTexts";

const NO_FILTERS = [] as const;

export const QUEUE_KEY = ["refunds", "queue"] as const;

export default function MyQueue() {
  const { t } = useI18n();
  const { cursor, page, limit, goTo, setLimit } = useUrlFilters(NO_FILTERS);
  const query = useMemo(() => ({ limit, cursor }), [limit, cursor]);
  const result = useQuery({
    queryKey: [...QUEUE_KEY, query],
    queryFn: () => unwrap(api.GET("/api/v1/refunds/forms/queue", { params: { query } })),
    refetchInterval: 30_000,
  });
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
    <>
      <h2>{t("menu_refund_queue")}</h2>
      {result.isError && <ListError error={result.error} retry={() => void result.refetch()} />}
      <Table<Schemas["QueuedFormOut"]>
        rowKey="form_id"
        size="middle"
        loading={result.isFetching && !result.data}
        dataSource={result.data?.items ?? []}
        pagination={false}
        scroll={{ x: "max-content" }}
        rowClassName={(f) => (f.overdue ? "kefu-overdue" : "")}
        locale={{ emptyText: <Empty description={t("queue_empty")} /> }}
        columns={columns}
      />
      <CursorPager page={page} next={result.data?.next_cursor} goTo={goTo} limit={limit} setLimit={setLimit} />
    </>
  );
}
