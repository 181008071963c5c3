"""The voucher service's own pieces, as its composition root (services/voucher/app.py)
builds them, for the benchmarks that drive them in-process."""

from __future__ import annotations

from typing import Any

from services.voucher.adapters.issuer import SandboxIssuer
from services.voucher.deps import Deps
from services.voucher.settings import VoucherSettings
from services.voucher.store.waiters import OperationWaiters
from services.voucher.subscribers import subscriptions
from shared.contracts import VOUCHER_ISSUED
from shared.messaging.consumer import Subscription
from shared.platform import Platform
from shared.settings import PlatformSettings


def deps_of(platform: Platform, platform_settings: PlatformSettings) -> Deps:
    settings = VoucherSettings.of(platform_settings)
    return Deps(
        pool=platform.pool,
        issuer=SandboxIssuer(platform.pool, settings),
        settings=settings,
        waiters=OperationWaiters(platform.pool),
        source="/kefu/voucher",
    )


def issued_subscription(platform: Platform, settings: PlatformSettings) -> Subscription[Any]:
    """The subscription the service consumes ``voucher.issued.v1`` with."""
    subs = [s for s in subscriptions(deps_of(platform, settings)) if s.topic == VOUCHER_ISSUED]
    if len(subs) != 1:
        raise RuntimeError(f"expected one voucher.issued.v1 subscription, found {len(subs)}")
    return subs[0]
