// Payouts needing attention (finance): the payouts whose retries ran out, oldest first, each
// with Retry when the API offers it (its `actions`), one key per click.
import { useQueryClient } from "@tanstack/react-query";
import { Alert, Button, type TableColumnsType, message } from "antd";
import { useMemo, useState } from "react";
import { Link } from "react-router-dom";
import { api, unwrap, type Schemas } from "../../api/client";
import { errorText } from "../../api/errors";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/i18n";
import { dateTime, yuanFromCents } from "../../shared/format";
import { useIdempotentAction } from "../../shared/idempotency";
import { ListPage, useListQuery, type Paging } from "../../shared/ListPage";
import type { Filters } from "../../shared/urlFilters";
import { retryFormPayout, retryRequestedPayout } from "./commands";
import "../../i18n/refundTexts";

type Attention = Schemas["AttentionOut"];
const NO_FILTERS = [] as const;

function RetryButton({ payout, onDone }: { payout: Attention; onDone: (error: unknown) => void }) {
  const { t } = useI18n();
  const { can } = useAuth();
  const retry = useIdempotentAction(async (key, p: Attention) => {
    if (p.subject_kind === "form") await retryFormPayout(key, p.subject_id);
    else await retryRequestedPayout(key, p.subject_id);
  });
  const route =
    payout.subject_kind === "form"
      ? "POST /api/v1/refunds/forms/{form_id}/payout-retry"
      : "POST /api/v1/refunds/requested/{refund_id}/payout-retry";
  if (!payout.actions.includes("payout_retry") || !can(route)) return null;
  return (
    <Button
      loading={retry.running}
      aria-label={`${t("payout_retry")} ${payout.payout_id}`}
      onClick={() =>
        void retry.run(payout).then(
          () => onDone(null),
          (e: unknown) => onDone(e),
        )
      }
    >
      {t("payout_retry")}
    </Button>
  );
}

function fetchAttention(_: Filters<never>, paging: Paging) {
  return unwrap(api.GET("/api/v1/refunds/payouts/attention", { params: { query: paging } }));
}

export default function Payouts() {
  const { t, lang } = useI18n();
  const client = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const list = useListQuery(NO_FILTERS, ["refunds", "payouts"], fetchAttention);
  const columns = useMemo<TableColumnsType<Attention>>(
    () => [
      { title: t("payout_id"), dataIndex: "payout_id" },
      {
        title: t("kind"),
        dataIndex: "subject_kind",
        render: (v: string, p) =>
          v === "form" ? <Link to={`/refunds/forms/${encodeURIComponent(p.subject_id)}`}>{t("kind_form")}</Link> : t("kind_requested"),
      },
      { title: t("refund_amount"), dataIndex: "amount_cents", align: "right", render: (v: number) => yuanFromCents(v) },
      { title: t("attempts"), dataIndex: "attempts" },
      { title: t("last_error"), dataIndex: "last_error" },
      { title: t("created_at"), dataIndex: "created_at", render: (v: string) => dateTime(v) },
      {
        title: t("actions"),
        key: "retry",
        render: (_, p) => (
          <RetryButton
            payout={p}
            onDone={(e) => {
              setError(e);
              if (e === null) void message.success(t("done"));
              void client.invalidateQueries({ queryKey: ["refunds"] });
            }}
          />
        ),
      },
    ],
    [t, client],
  );
  return (
    <ListPage
      list={list}
      title={t("menu_refund_payouts")}
      toolbar={error !== null && <Alert type="error" showIcon role="alert" message={errorText(error, lang)} style={{ marginBottom: 16 }} />}
      table={{ rowKey: "payout_id", columns }}
    />
  );
}
