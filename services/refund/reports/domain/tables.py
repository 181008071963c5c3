"""The reports as tables: the seed's column headings and each row's cells, for CSV.

Phones are masked (a report is a list); amounts in yuan with two decimals; times to
the minute in the business's time zone. The last row is the total (合计).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from zoneinfo import ZoneInfo

from services.refund.domain.periods import local_minute, yuan
from services.refund.reports.domain.daily import DailyFaults
from services.refund.reports.domain.monthly import FinanceRow, ServiceRow, Verdict, totals

SERVICE_HEADINGS = (
    "序号", "提交日期", "退单编号", "订单号", "联系方式", "开户行", "金额", "提交人",
    "提交技术部时间", "提交财务时间", "财务反馈时间", "反馈用户时间", "备注",
)  # fmt: skip
FINANCE_HEADINGS = (
    "序号", "提交日期", "退单编号", "订单号", "开户行", "金额", "提交人",
    "出纳核实", "会计复核", "财务总监审核", "反馈客服", "备注",
)  # fmt: skip
DAILY_HEADINGS = ("故障原因", "单数", "金额")

Mask = Callable[[str], str]


def _verdict(v: Verdict | None, tz: ZoneInfo) -> str:
    return f"{v.words} {local_minute(v.at, tz)}" if v is not None else ""


def service_table(rows: Sequence[ServiceRow], tz: ZoneInfo, mask: Mask) -> Iterator[list[str]]:
    yield list(SERVICE_HEADINGS)
    for r in rows:
        yield [
            str(r.seq),
            r.submitted_at.astimezone(tz).date().isoformat(),
            r.form_id,
            r.order_no,
            mask(r.contact),
            r.bank,
            yuan(r.amount_cents),
            r.submitter,
            local_minute(r.to_tech_at, tz),
            local_minute(r.to_finance_at, tz),
            local_minute(r.finance_feedback_at, tz),
            local_minute(r.customer_told_at, tz),
            r.remarks,
        ]
    total = totals(rows)
    yield ["合计", f"{total.count}单", "", "", "", "", yuan(total.amount_cents), *[""] * 6]


def finance_table(rows: Sequence[FinanceRow], tz: ZoneInfo) -> Iterator[list[str]]:
    yield list(FINANCE_HEADINGS)
    for r in rows:
        yield [
            str(r.seq),
            r.submitted_at.astimezone(tz).date().isoformat(),
            r.form_id,
            r.order_no,
            r.bank,
            yuan(r.amount_cents),
            r.submitter,
            _verdict(r.cashier, tz),
            _verdict(r.accountant, tz),
            _verdict(r.director, tz),
            local_minute(r.service_told_at, tz),
            r.remarks,
        ]
    total = totals(rows)
    yield ["合计", f"{total.count}单", "", "", "", yuan(total.amount_cents), *[""] * 6]


def daily_table(report: DailyFaults) -> Iterator[list[str]]:
    yield list(DAILY_HEADINGS)
    for line in report.by_cause:
        yield [line.label, str(line.forms), yuan(line.amount_cents)]
    yield ["合计", str(report.filed.forms), yuan(report.filed.amount_cents)]
    yield [
        "已提交财务",
        str(report.submitted_to_finance.forms),
        yuan(report.submitted_to_finance.amount_cents),
    ]
    yield ["已退款", str(report.paid.forms), yuan(report.paid.amount_cents)]
    yield [
        "财务退回",
        str(report.sent_back_by_finance.forms),
        yuan(report.sent_back_by_finance.amount_cents),
    ]
    yield ["超时", str(report.sla_breaches), ""]
