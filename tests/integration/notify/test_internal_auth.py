"""Only the gateway's signed call reaches notify: forged X-Kefu-* headers get 401.

Before service-to-service authentication, ``X-Kefu-Actor: nobody`` read the latest
verification code in clear and the audit trail recorded ``nobody``.
"""

from __future__ import annotations

import httpx

from shared.internal_auth import INTERNAL_TOKEN_HEADER, InternalSigner
from tests.integration.notify.conftest import Notify, phone
from tests.integration.notify.test_codes import send_code, sent_code

FORGED = {"X-Kefu-Actor": "nobody", "X-Kefu-Roles": "duty_lead,admin"}


def raw_client(notify: Notify) -> httpx.AsyncClient:
    """A caller on the service's network that is not the gateway: it signs nothing."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=notify.app), base_url="http://n")


async def test_forged_actor_headers_get_401_and_nothing_is_recorded(notify: Notify) -> None:
    to = phone()
    await sent_code(notify, await send_code(notify, to))
    async with raw_client(notify) as outsider:
        for path in ("/sms/latest-code", "/sms", "/sms/code-lookups"):
            response = await outsider.get(path, params={"phone": to}, headers=FORGED)
            assert response.status_code == 401, (path, response.text)
            assert response.json()["code"] == "internal_auth_required"
        bare = await outsider.post("/verification-codes", json={"phone": phone()})
        assert bare.status_code == 401
    lookups = await notify.pool.fetchval("SELECT count(*) FROM code_lookups WHERE actor = 'nobody'")
    assert lookups == 0


async def test_a_token_for_another_service_or_request_gets_401(notify: Notify) -> None:
    to = phone()
    signer = InternalSigner(notify.app.state.internal_verifier._key)
    lead = frozenset({"duty_lead"})
    async with raw_client(notify) as outsider:
        for service, path in (("voucher", "/sms/latest-code"), ("notify", "/sms/code-lookups")):
            token = signer.token(service, "GET", path, "lead", lead)
            response = await outsider.get(
                "/sms/latest-code", params={"phone": to}, headers={INTERNAL_TOKEN_HEADER: token}
            )
            assert response.status_code == 401, (service, path)
        good = signer.token("notify", "GET", "/sms/latest-code", "lead", lead)
        response = await outsider.get(
            "/sms/latest-code", params={"phone": to}, headers={INTERNAL_TOKEN_HEADER: good}
        )
        assert response.status_code == 404  # signed right: answered (no code sent to it)


async def test_health_stays_open_for_the_supervisor_and_metrics_are_not_here(
    notify: Notify,
) -> None:
    async with raw_client(notify) as outsider:
        assert (await outsider.get("/health")).status_code in (200, 503)
        assert (await outsider.get("/metrics")).status_code == 401  # on a port of their own
        assert (await outsider.get("/openapi.json")).status_code == 401
