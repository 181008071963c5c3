"""Announcements, SMS and inboxes in ``kefu demo``.

An operations supervisor writes three announcements (one online, one taken offline,
one left a draft); the agent sends a login code by SMS. The other SMS and inbox
messages come from the work itself: a reversal texts its customer, a paid refund
form texts the customer and tells the agent's inbox, the top-up's receipt.
"""

from __future__ import annotations

from shared.devstack.demo.staff import Staff

N = "/api/v1/notify"
# (title, body, what ops does after writing it)
ANNOUNCEMENTS = (
    ("春节期间服务时间调整", "2月4日至2月10日客服热线服务时间为9:00-18:00。", ("publish",)),
    ("系统升级通知", "11月30日 02:00-04:00 兑换功能暂停使用。", ("publish", "withdraw")),
    ("新版退款流程说明（草稿）", "退款单经值班负责人复核后提交财务。", ()),
)
CODE_PHONE = "13912345678"
STAFF_STEPS = sum(1 + len(actions) for *_, actions in ANNOUNCEMENTS) + 1


async def notify_staff(staff: Staff, *, seed: int) -> dict[str, str]:
    shown: dict[str, str] = {}
    existing = {a["title"]: a for a in await staff.found("ops", f"{N}/announcements", limit=100)}
    for title, body, actions in ANNOUNCEMENTS:
        if title in existing:
            shown[title] = str(existing[title]["id"])
            staff.steps.done(1 + len(actions))
            continue
        made = await staff.send(
            "ops", f"notify: write {title}", f"{N}/announcements", {"title": title, "body": body}
        )
        for action in actions:
            await staff.send(
                "ops", f"notify: {action} {title}", f"{N}/announcements/{made['id']}/{action}"
            )
        shown[title] = str(made["id"])
    await staff.send(
        "agent",
        f"notify: a login code to {CODE_PHONE} (seed {seed})",
        f"{N}/verification-codes",
        {"phone": CODE_PHONE, "purpose": "login"},
    )
    return shown
