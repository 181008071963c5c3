// Where a void or reversal stands, in words: pending polls the operation until it ends;
// a failed one offers Retry (its own user action, with its own Idempotency-Key).
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Space, Spin } from "antd";
import { api, unwrap } from "../../api/client";
import { errorText } from "../../api/errors";
import { useAuth } from "../../auth/AuthProvider";
import { useI18n } from "../../i18n/i18n";
import { useIdempotentAction } from "../../shared/idempotency";
import { outcomeText, retryOperation, type OperationStatus } from "./actions";
import { useEffect, useState } from "react";

export const POLL_MS = 1000;

export function OperationResult(props: { first: OperationStatus; type: "void" | "reversal"; onSettled: () => void }) {
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const client = useQueryClient();
  const id = props.first.operation_id;
  const [retryError, setRetryError] = useState<unknown>(null);
  const operation = useQuery({
    queryKey: ["operation", id],
    queryFn: async () =>
      (await unwrap(api.GET("/api/v1/operations/{operation_id}", { params: { path: { operation_id: id } } }))) as OperationStatus,
    initialData: props.first,
    staleTime: Infinity,
    refetchInterval: (query) => (query.state.data?.status === "pending" ? POLL_MS : false),
  });
  const retry = useIdempotentAction((key: string, _: null) => retryOperation(key, id));
  const status = operation.data;
  const { onSettled } = props;
  // Once it ends (at once, after polling, or after a retry), the lists show its effect.
  useEffect(() => {
    if (status.status !== "pending") onSettled();
  }, [status.status, onSettled]);

  async function onRetry() {
    setRetryError(null);
    try {
      const next = await retry.run(null);
      client.setQueryData(["operation", id], next);
      if (next.status !== "pending") onSettled(); // a new attempt is a new operation record
    } catch (e) {
      setRetryError(e);
    }
  }

  const words = t(outcomeText(status));
  if (status.status === "pending") {
    return (
      <Alert
        type="info"
        role="status"
        data-testid="operation-result"
        message={
          <Space>
            <Spin size="small" />
            {words}
          </Space>
        }
      />
    );
  }
  if (status.status === "succeeded") {
    return (
      <Alert
        type="success"
        showIcon
        role="status"
        data-testid="operation-result"
        message={words}
        description={props.type === "reversal" ? t("points_notice") : undefined}
      />
    );
  }
  return (
    <Alert
      type="error"
      showIcon
      role="status"
      data-testid="operation-result"
      message={words}
      description={retryError !== null ? errorText(retryError, lang) : undefined}
      action={
        can("POST /api/v1/operations/{operation_id}/retry") && (
          <Button danger loading={retry.running} onClick={onRetry}>
            {t("retry")}
          </Button>
        )
      }
    />
  );
}
