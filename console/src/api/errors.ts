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
  no_code_sent: { zh: "该手机号暂无验证码短信", en: "No verification code was sent to this phone" },
  announcement_online: { zh: "公告已发布，需先下线再编辑", en: "The announcement is online: withdraw it first" },
  announcement_not_online: { zh: "公告未发布", en: "The announcement is not online" },
  announcement_not_found: { zh: "未找到该公告", en: "No such announcement" },
  invalid_announcement: { zh: "公告内容不正确", en: "The announcement is not valid" },
  invalid_schedule: { zh: "定时设置不正确", en: "The schedule is not valid" },
  rate_limited: { zh: "请求过于频繁，请稍后再试", en: "Too many requests; try again later" },
  service_unavailable: { zh: "服务暂不可用，请稍后重试", en: "A service is unavailable; try again" },
  service_timeout: { zh: "服务响应超时，请稍后重试", en: "A service timed out; try again" },
  busy: { zh: "系统繁忙，请稍后重试", en: "The system is busy; try again" },
  invalid_input: { zh: "输入内容不正确", en: "The input is not valid" },
  wrong_step: { zh: "该单不在此环节，无法办理", en: "The form is not at this step" },
  already_decided: { zh: "该环节已办理", en: "This step is already decided" },
  role_required: { zh: "您的角色不能办理此环节", en: "Your roles do not decide this step" },
  own_form: { zh: "不能审批自己填写或提交的单", en: "You filed or resubmitted this form: someone else decides it" },
  same_person_twice: { zh: "您已办理过此单的其他环节，同一人不能办理两个环节", en: "You decided another step of this form: one person decides one step" },
  over_refund: { zh: "退款金额大于订单实付金额", en: "The refund is more than the customer paid" },
  form_exists: { zh: "该订单已有退款单", en: "This order already has a refund form" },
  invalid_form: { zh: "退款单内容不正确", en: "The form is not valid" },
  form_not_found: { zh: "未找到该退款单", en: "No such refund form" },
  // rental screens
  user_not_found: { zh: "未找到该用户", en: "No such user" },
  user_deleted: { zh: "该用户已删除", en: "The user is deleted" },
  user_not_deleted: { zh: "该用户未删除", en: "The user is not deleted" },
  user_renting: { zh: "用户租赁中，不能删除", en: "The user is renting: not deleted" },
  already_blacklisted: { zh: "该用户已在黑名单中", en: "The user is already blacklisted" },
  not_blacklisted: { zh: "该用户不在黑名单中", en: "The user is not blacklisted" },
  not_latest_order: { zh: "该订单不是用户最后一条订单，不能修改用户状态", en: "Not the user's latest order: the status cannot change" },
  lock_not_locked: {
    zh: "车锁非已锁状态，客服不得操作，请联系景区管理员到场处理",
    en: "The lock is not locked: do nothing and send on-site staff",
  },
  order_not_open: { zh: "订单已结束", en: "The order has ended" },
  invalid_end_time: { zh: "还车时间须在租赁开始之后、当前时间之前", en: "The end time must be between the start and now" },
  bike_not_found: { zh: "未找到该车辆", en: "No such bike" },
  feedback_not_found: { zh: "未找到该反馈", en: "No such feedback" },
  application_not_found: { zh: "未找到该保险申请", en: "No such insurance application" },
  guide_version_conflict: { zh: "指南已被他人修改，请刷新后再改", en: "Someone saved the guide meanwhile: reload and edit again" },
  guide_version_not_found: { zh: "未找到该版本", en: "No such version" },
  account_not_found: { zh: "未找到该账户", en: "No such account" },
  identity_not_verified: { zh: "请先核实客户身份", en: "Verify the customer first" },
  verification_code_invalid: { zh: "验证码不正确或已过期", en: "The code is wrong or expired" },
  identity_verification_not_found: { zh: "身份核实已失效，请重新核实", en: "The identity check has expired: verify again" },
  no_phone_on_file: { zh: "该用户没有登记手机号", en: "No phone on file" },
  card_expired: { zh: "充值失败：卡片已过期", en: "Refused: the card has expired" },
  card_reported_lost: { zh: "充值失败：卡片已挂失", en: "Refused: the card is reported lost" },
  card_frozen: { zh: "充值失败：卡片已冻结", en: "Refused: the card is frozen" },
  card_transition_invalid: { zh: "卡片当前状态不能这样修改", en: "The card cannot change to that state" },
  amount_mismatch: { zh: "客户确认金额与充值金额不一致", en: "The confirmed amount differs from the amount" },
  amount_over_limit: { zh: "充值失败：超出该卡类型的单次充值限额", en: "Refused: over the card type's limit per top-up" },
  daily_amount_over_limit: { zh: "充值失败：超出该卡类型的每日充值限额", en: "Refused: over the card type's daily limit" },
  daily_count_over_limit: { zh: "充值失败：超出该卡类型的每日充值次数", en: "Refused: over the card type's top-ups a day" },
  payer_account_short: { zh: "充值失败：付款账户余额不足", en: "Refused: the paying account is short" },
  device_fault: { zh: "充值失败：充值设备故障，请稍后重试", en: "Refused: the payment device failed; try again" },
  top_up_in_progress: { zh: "该笔充值正在处理中，请稍候", en: "This top-up is at the device now; wait a moment" },
  top_up_unconfirmed: {
    zh: "充值设备未应答，系统将自动确认，请勿重复收款",
    en: "The device did not answer: the system will confirm it; do not charge again",
  },
  invalid_amount: { zh: "金额不正确", en: "The amount is not valid" },
  balance_insufficient: { zh: "退款金额超过余额", en: "More than the balance" },
  no_deposit: { zh: "该账户没有押金", en: "No deposit to refund" },
  deposit_refund_amount_mismatch: { zh: "押金退款须为全额押金", en: "A deposit refund is the whole deposit" },
  refund_pending: { zh: "已有同类退款在处理中", en: "A refund of this kind is pending" },
  nothing_to_pay_back: { zh: "扣除优惠和手续费后无可退金额", en: "Nothing left to pay back after the bonus and fee" },
  ops_supervisor_required: { zh: "仅运营主管可修改押金", en: "Only an operations supervisor changes a deposit" },
  receipt_not_found: { zh: "未找到该凭证", en: "No such receipt" },
  // refund reports and after-sales screens
  ticket_not_found: { zh: "未找到该服务单", en: "No such ticket" },
  ticket_not_reviewable: { zh: "该服务单已审核，不能再审核", en: "The ticket is already reviewed" },
  ticket_not_awaiting_receipt: { zh: "该服务单不在待收货状态", en: "The ticket is not awaiting the return" },
  ticket_not_awaiting_processing: { zh: "该服务单不在待处理状态", en: "The ticket is not awaiting processing" },
  batch_not_allowed: {
    zh: "批量审核仅支持同意客户发货（同一申请单）、审核不通过和客户放弃",
    en: "A batch review approves shipment (one application), rejects or records that the customer gave up",
  },
  permission_missing: { zh: "您没有该操作的权限（审核与处理权限分开）", en: "You lack this permission (review and processing are apart)" },
  not_seller_staff: { zh: "您不是该商家的售后人员", en: "You are not this seller's staff" },
  not_main_account: { zh: "只有商家主账号可以操作", en: "Only the seller's main account may do this" },
  invalid_return_address: { zh: "退货地址须为省、市、区三级地址", en: "The return address needs province, city and district" },
  activation_pending: { zh: "申请正在审核中，请勿重复提交", en: "The application is already waiting for review" },
  activation_already_approved: { zh: "该商家已开通自主售后", en: "The seller is already activated" },
  seller_not_activated: { zh: "该商家未开通自主售后", en: "The seller is not activated" },
  region_not_found: { zh: "未找到该地区", en: "No such division" },
  too_many_images: { zh: "图片最多 3 张", en: "At most 3 images" },
  image_too_large: { zh: "图片须小于 800K", en: "Each image must be under 800 KB" },
  invalid_image: { zh: "图片格式不正确", en: "Not a valid image" },
  invalid_handover: { zh: "交接单每项必填（没有的写无），请检查考勤与卫生", en: "Every line of the handover is required: check attendance and cleaning" },
  invalid_period: { zh: "时间段不正确", en: "The period is not valid" },
  same_person: { zh: "不能由同一人办理", en: "Someone else must do this" },
  handover_already_acknowledged: { zh: "该交接单已有人接班", en: "The handover was already taken over" },
  handover_not_found: { zh: "未找到该交接单", en: "No such handover" },
  month_not_over: { zh: "本月尚未结束，不能审核", en: "The month has not ended yet" },
  wrong_state: { zh: "当前状态不能进行此操作", en: "Not possible in this state" },
};

export function errorText(error: unknown, lang: Lang): string {
  if (error instanceof ApiError) {
    const known = ERROR_TEXTS[error.code];
    if (known) return lang === "en-US" ? known.en : known.zh;
    return error.message || error.code;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}
