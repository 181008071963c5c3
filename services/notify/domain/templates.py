"""Message templates: Chinese text with named blanks, filled from a request's parameters.

A missing (or blank) parameter is an error, never a message with a hole in it.
Parameters a template marks secret (a verification code) are masked wherever the
message is shown to staff; only the latest-code look-up reveals them.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field

from services.notify.domain.errors import (
    MessageTooLong,
    SecretParamInClear,
    TemplateParamMissing,
    TemplateUnknown,
)

MAX_TEXT = 1000
"""Longer than any SMS (a long SMS is a handful of 67-character parts); a safety bound."""
SECRET_MASK = "******"
ParamValue = str | int


@dataclass(frozen=True)
class Template:
    id: str
    title: str
    body: str
    """``str.format`` blanks: ``{code}``."""
    secret: frozenset[str] = field(default_factory=frozenset)
    """Parameters never shown in lists."""

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(
            name for _, name, _, _ in string.Formatter().parse(self.body) if name is not None
        )


@dataclass(frozen=True)
class Rendered:
    template_id: str | None
    title: str | None
    text: str
    """As the recipient reads it."""
    display_text: str
    """As staff see it in lists: secret parameters masked."""


TEMPLATES: dict[str, Template] = {
    t.id: t
    for t in (
        Template(
            "verification_code",
            "验证码",
            "您的验证码是{code}，{minutes}分钟内有效。请勿泄露给他人。",
            secret=frozenset({"code"}),
        ),
        Template(
            "points_refunded",
            "积分已退回",
            "您的订单{merchant_order_no}已返销，{points}泡泡积分已退回您的账户。",
        ),
        Template(
            "refund_paid",
            "退款已支付",
            "您的退款{amount}元（订单号{order_no}）已退回原支付账户，请注意查收。",
        ),
        Template(
            "feedback_accepted",
            "反馈已受理",
            "您提交的反馈（编号{feedback_id}）已受理，感谢您的支持。",
        ),
        Template(
            "feedback_rejected",
            "反馈未受理",
            "您提交的反馈（编号{feedback_id}）未被受理，原因：{reason}。",
        ),
        Template(
            "insurance_accepted",
            "保险申请已通过",
            "您的保险申请（编号{application_id}）已通过审核。",
        ),
        Template(
            "insurance_rejected",
            "保险申请未通过",
            "您的保险申请（编号{application_id}）未通过审核，原因：{reason}。",
        ),
        Template(
            "deposit_refunded",
            "押金已退还",
            "您的押金{amount}元已退还至原支付账户，预计3-7个工作日到账。",
        ),
        Template(
            "refund_form_overdue",
            "退款单超时",
            "退款单{form_id}（订单号{order_no}）在“{step}”环节已超过{limit}时限，请尽快处理。",
        ),
        Template(
            "aftersales_ticket_overdue",
            "售后服务单超时",
            "售后服务单{ticket_id}（订单号{order_no}）{stage}已超时，请尽快处理。",
        ),
        Template(
            "refund_monthly_report_due",
            "退款统计表待提交",
            "{month}{department}退款统计表已可导出，请审核后于{due_on}提交行政人事部。",
        ),
        Template(
            "refund_monthly_report_approved",
            "退款统计表待核实",
            "{month}{department}退款统计表已由部门主管{approved_by}审核通过，请核实并存档。",
        ),
        Template(
            "refund_monthly_report_returned",
            "退款统计表被退回",
            "{month}{department}退款统计表被行政人事部退回，原因：{reason}。请重新审核。",
        ),
        Template(
            "refund_form_paid",
            "退款已支付",
            "退款单{form_id}（订单号{order_no}）已退款{amount}元，请告知客户。",
        ),
        Template(
            "refund_form_sent_back",
            "退款单被退回",
            "退款单{form_id}（订单号{order_no}）在“{step}”环节被退回，原因：{reason}。请更正后重新提交。",
        ),
        Template(
            "refund_form_closed",
            "退款单已关闭",
            "退款单{form_id}（订单号{order_no}）不予处理，已关闭，原因：{reason}。",
        ),
        Template(
            "refund_refused",
            "退款未通过",
            "您的退款申请（订单号{order_no}）经核实不予退款，原因：{reason}。如有疑问请联系客服。",
        ),
        Template(
            "stored_value_refunded",
            "储值已退款",
            "您的储值退款{amount}元已退回原支付账户，预计3-7个工作日到账。",
        ),
    )
}


def render(
    template_id: str | None,
    params: Mapping[str, ParamValue],
    text: str | None = None,
    title: str | None = None,
    templates: Mapping[str, Template] = TEMPLATES,
) -> Rendered:
    """The message a request asks for: its template filled in, or its ready text."""
    if template_id is None:
        if not text:
            raise TemplateUnknown("a message needs a template or text")
        return _checked(Rendered(None, title, text, text))
    template = templates.get(template_id)
    if template is None:
        raise TemplateUnknown(
            f"no template {template_id!r} (known: {', '.join(sorted(templates))})"
        )
    values = {k: str(v).strip() for k, v in params.items()}
    missing = [p for p in dict.fromkeys(template.params) if not values.get(p)]
    if missing:
        raise TemplateParamMissing(
            f"template {template_id!r} needs {', '.join(missing)}: missing or blank"
        )
    shown = {k: SECRET_MASK if k in template.secret else v for k, v in values.items()}
    return _checked(
        Rendered(
            template_id,
            title or template.title,
            template.body.format_map(values),
            template.body.format_map(shown),
        )
    )


def joined_params(
    template_id: str | None,
    params: Mapping[str, ParamValue],
    sealed: Mapping[str, ParamValue],
    templates: Mapping[str, Template] = TEMPLATES,
) -> dict[str, ParamValue]:
    """A request's parameters with its sealed ones; a secret parameter given in clear is
    refused (it was readable on its way here: the message must not go out)."""
    template = templates.get(template_id) if template_id is not None else None
    in_clear = sorted(template.secret & params.keys()) if template is not None else []
    if in_clear:
        raise SecretParamInClear(
            f"template {template_id!r} takes {', '.join(in_clear)} only in sealed_params"
        )
    return {**params, **sealed}


def _checked(rendered: Rendered) -> Rendered:
    if len(rendered.text) > MAX_TEXT:
        raise MessageTooLong(f"the message is {len(rendered.text)} characters; at most {MAX_TEXT}")
    return rendered
