// One command of a rental screen: its key per action (shared/idempotency.ts), its error kept
// for the dialog, a message and a refresh of the rental queries once it is done.
import "../../i18n/rentalTexts";
import { useQueryClient } from "@tanstack/react-query";
import { message } from "antd";
import { useState } from "react";
import { useI18n } from "../../i18n/i18n";
import { useIdempotentAction } from "../../shared/idempotency";

export function useCommand<A, R>(send: (key: string, args: A) => Promise<R>, onDone?: (result: R) => void) {
  const { t } = useI18n();
  const client = useQueryClient();
  const action = useIdempotentAction(send);
  const [error, setError] = useState<unknown>(null);
  async function run(args: A): Promise<boolean> {
    setError(null);
    try {
      const result = await action.run(args);
      void message.success(t("done"));
      void client.invalidateQueries({ queryKey: ["rental"] });
      onDone?.(result);
      return true;
    } catch (e) {
      setError(e);
      return false;
    }
  }
  function cancel() {
    action.end();
    setError(null);
  }
  return { run, cancel, error, running: action.running };
}
