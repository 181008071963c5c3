"""The top-up receipt (交易凭证) as a page to print at the counter (seed 004: every top-up
gives a receipt with the amount, the time and the transaction serial number, kept and
looked up later).

Sized for an 80 mm receipt printer, and readable on A4: ``@page`` sets the paper, and
the print button is hidden on paper. Every value is escaped; the payer account arrives
masked.
"""

from __future__ import annotations

from html import escape
from zoneinfo import ZoneInfo

from services.rental.accounts.domain.fund_flow import yuan
from shared.api.rental_accounts import ReceiptOut

METHODS = {"cash": "现金", "bank_card": "银行卡", "wechat": "微信", "alipay": "支付宝"}

_STYLE = """
body { font-family: "PingFang SC", "Noto Sans CJK SC", sans-serif; margin: 2em auto;
       max-width: 72mm; color: #000; }
h1 { font-size: 1.1em; text-align: center; margin: 0 0 .6em; }
table { width: 100%; border-collapse: collapse; font-size: .9em; }
th { text-align: left; font-weight: normal; color: #444; padding: .15em 0; }
td { text-align: right; padding: .15em 0; }
tr.amount td { font-size: 1.3em; font-weight: bold; }
p.note { font-size: .8em; text-align: center; margin-top: 1em; }
button { display: block; margin: 1.5em auto 0; }
@page { size: 80mm auto; margin: 4mm; }
@media print {
  body { margin: 0; max-width: none; }
  button, .no-print { display: none; }
}
"""


def receipt_html(receipt: ReceiptOut, tz: ZoneInfo) -> str:
    at = receipt.at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
    rows = [
        ("交易流水号 Serial no.", receipt.serial_no),
        ("交易时间 Time", at),
        ("用户编号 Customer", receipt.user_id),
        ("支付方式 Paid by", METHODS.get(receipt.payment_method, receipt.payment_method)),
        ("支付账户 Account", receipt.payer_account),
        ("充值前余额 Balance before", f"¥{yuan(receipt.balance_before_cents)}"),
        ("充值后余额 Balance after", f"¥{yuan(receipt.balance_after_cents)}"),
        ("经办人 Agent", receipt.agent),
    ]
    if receipt.bonus_cents:
        rows.insert(1, ("赠送金额 Bonus", f"¥{yuan(receipt.bonus_cents)}"))
    body = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>交易凭证 {escape(receipt.serial_no)}</title><style>{_STYLE}</style></head>"
        "<body><h1>线下储值交易凭证<br>Top-up receipt</h1><table>"
        f'<tr class="amount"><th>充值金额 Amount</th><td>¥{escape(receipt.amount_yuan)}</td></tr>'
        f"{body}</table>"
        '<p class="note">请核对金额并妥善保存本凭证<br>'
        "Please check the amount and keep this receipt</p>"
        '<button class="no-print" onclick="window.print()">打印 Print</button>'
        "</body></html>"
    )
