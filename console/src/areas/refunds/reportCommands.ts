// Handover and monthly-statistics commands, each sent with the key of the user's action.
import { api, unwrap, type Schemas } from "../../api/client";
import { keyed } from "../../shared/idempotency";
import "../../i18n/refundTexts";


export function handOver(key: string, body: Schemas["HandoverIn"]) {
  return unwrap(api.POST("/api/v1/refunds/handovers", { body, headers: keyed(key) }));
}

export function acknowledgeHandover(key: string, id: number) {
  return unwrap(
    api.POST("/api/v1/refunds/handovers/{handover_id}/acknowledge", {
      params: { path: { handover_id: id } },
      headers: keyed(key),
    }),
  );
}

export type Department = Schemas["MonthlyStatisticsOut"]["department"];
export type StatisticsAction = Schemas["MonthlyStatisticsOut"]["actions"][number];

/** One decision on a month's statistics; `text` is the opinion, reason or note it needs. */
export function decideStatistics(
  key: string,
  args: { month: string; department: Department; action: StatisticsAction; text: string },
) {
  const params = { path: { month: args.month, department: args.department } };
  const headers = keyed(key);
  switch (args.action) {
    case "approve":
      return unwrap(
        api.POST("/api/v1/refunds/reports/monthly-statistics/{month}/{department}/approve", {
          params,
          body: { opinion: args.text },
          headers,
        }),
      );
    case "verify":
      return unwrap(
        api.POST("/api/v1/refunds/reports/monthly-statistics/{month}/{department}/verify", {
          params,
          body: { opinion: args.text },
          headers,
        }),
      );
    case "return":
      return unwrap(
        api.POST("/api/v1/refunds/reports/monthly-statistics/{month}/{department}/return", {
          params,
          body: { reason: args.text },
          headers,
        }),
      );
    case "archive":
      return unwrap(
        api.POST("/api/v1/refunds/reports/monthly-statistics/{month}/{department}/archive", { params, headers }),
      );
    case "follow_up":
      return unwrap(
        api.POST("/api/v1/refunds/reports/monthly-statistics/{month}/{department}/follow-ups", {
          params,
          body: { note: args.text },
          headers,
        }),
      );
  }
}
