// What an API error means, in words: the server's {code, message} through a table of
// code → zh/en text, with the server's own message when the code is not in the table.
import type { Lang } from "../i18n/i18n";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }

  /** A transient failure: the same action may be sent again with the same key. */
  get transient(): boolean {
    return this.status === 0 || this.status >= 500 || this.code === "request_in_progress";
  }
}

export const ERROR_TEXTS: Record<string, { zh: string; en: string }> = {
  network: { zh: "网络连接失败，请稍后重试", en: "The network failed; try again" },
  unauthorized: { zh: "请先登录", en: "Sign in first" },
  token_expired: { zh: "登录已过期，请重新登录", en: "Your session expired; sign in again" },
  invalid_credentials: { zh: "账号或密码错误", en: "Wrong username or password" },
  forbidden: { zh: "您的角色无权进行此操作", en: "Your roles may not do this" },
  not_found: { zh: "未找到", en: "Not found" },
  voucher_not_found: { zh: "未找到该券", en: "No such voucher" },
  order_not_found: { zh: "未找到该订单", en: "No such order" },
  operation_not_found: { zh: "未找到该操作", en: "No such operation" },
  reason_required: { zh: "必须填写操作原因", en: "A reason is required" },
  not_available: { zh: "该券不是可用状态，不能作废", en: "The voucher is not available: it cannot be voided" },
  voucher_used: { zh: "有已使用的券，不符合返销条件", en: "A voucher of the order is used: not reversible" },
  source_not_reversible: {
    zh: "该兑换来源没有返销接口，不能返销",
    en: "This exchange source has no reversal: not reversible",
  },
  already_reversed: { zh: "该订单已返销", en: "The order is already reversed" },
  not_retryable: { zh: "该操作无需重试", en: "This operation cannot be retried" },
  operation_in_progress: { zh: "该订单有操作正在处理中", en: "An operation on this order is in progress" },
  request_in_progress: { zh: "同一操作正在处理中，请稍候", en: "The same action is in progress; wait a moment" },
  idempotency_key_reused: { zh: "重复的请求与前一次不一致", en: "This request differs from the first with its key" },
  idempotency_key_required: { zh: "缺少幂等键", en: "An Idempotency-Key is required" },
  invalid_phone: { zh: "手机号格式不正确", en: "Not a valid phone number" },
  invalid_order_date_range: { zh: "下单日期范围不正确", en: "The order date range is not valid" },
  invalid_date_range: { zh: "日期范围不正确", en: "The date range is not valid" },
  invalid_filter: { zh: "查询条件不正确", en: "A filter is not valid" },
  invalid_cursor: { zh: "分页已失效，请重新查询", en: "The page is stale; search again" },
  invalid_limit: { zh: "每页条数不正确", en: "The page size is not valid" },
  rate_limited: { zh: "请求过于频繁，请稍后再试", en: "Too many requests; try again later" },
  service_unavailable: { zh: "服务暂不可用，请稍后重试", en: "A service is unavailable; try again" },
  service_timeout: { zh: "服务响应超时，请稍后重试", en: "A service timed out; try again" },
  busy: { zh: "系统繁忙，请稍后重试", en: "The system is busy; try again" },
  invalid_input: { zh: "输入内容不正确", en: "The input is not valid" },
  // the other areas' codes load with their screens
  // (i18n/rentalTexts.ts, reportsTexts.ts, refundTexts.ts, messagesTexts.ts)
};

/** Codes whose words load with the screens that meet them (i18n/rentalTexts.ts, ...). */
export function registerErrorTexts(table: Record<string, { zh: string; en: string }>): void {
  Object.assign(ERROR_TEXTS, table);
}

export function errorText(error: unknown, lang: Lang): string {
  if (error instanceof ApiError) {
    const known = ERROR_TEXTS[error.code];
    if (known) return lang === "en-US" ? known.en : known.zh;
    return error.message || error.code;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}
