"""Anti-automation for the routes that guess or spend: login, refresh, password reset and SMS codes.

Growing delays by client address and by its network (kit.throttle), a soft delay per account, and the
per-(account, address) lock of the login routes. Scopes are fingerprints: no address, name or phone is
written to Redis in clear."""

from __future__ import annotations

from kit.throttle import Rule, Throttle, network_of

from auth.errors import TooManyAttempts
from auth.service.context import AuthContext, fingerprint

PREFIX = "lp:auth:throttle"


def _throttle(ctx: AuthContext) -> Throttle:
    return Throttle(ctx.redis, prefix=PREFIX)


def _rules(ctx: AuthContext) -> dict[str, Rule]:
    s = ctx.settings
    window, base, ceiling = s.throttle_window_seconds, s.throttle_base_seconds, s.throttle_ceiling_seconds
    return {
        "ip": Rule(s.throttle_address_free, base, ceiling, window),
        "net": Rule(s.throttle_network_free, base, ceiling, window),
        "acct": Rule(s.throttle_account_free, base, s.throttle_account_ceiling_seconds, window),
        "sms": Rule(s.throttle_sms_free, base, ceiling, window),
    }


def _address_scopes(ip: str) -> tuple[str, str]:
    return f"ip:{fingerprint(ip)}", f"net:{fingerprint(network_of(ip))}"


async def check_address(ctx: AuthContext, ip: str, *, message: str) -> None:
    """429 ``too_many_attempts`` while the address or its network is slowed down."""
    wait = await _throttle(ctx).wait(*_address_scopes(ip))
    if wait:
        raise TooManyAttempts(message.format(seconds=wait), retry_after=wait)


async def address_failed(ctx: AuthContext, ip: str) -> None:
    """One failed guess from this address (wrong password, code or refresh token)."""
    rules = _rules(ctx)
    ip_scope, net_scope = _address_scopes(ip)
    throttle = _throttle(ctx)
    await throttle.fail(ip_scope, rules["ip"])
    await throttle.fail(net_scope, rules["net"])


async def sms_requested(ctx: AuthContext, ip: str) -> None:
    """Each SMS code asked for counts; past the free ones the address waits longer each time."""
    await _throttle(ctx).fail(f"sms:{fingerprint(ip)}", _rules(ctx)["sms"])


async def check_sms(ctx: AuthContext, ip: str) -> None:
    wait = await _throttle(ctx).wait(f"sms:{fingerprint(ip)}", *_address_scopes(ip))
    if wait:
        raise TooManyAttempts(f"验证码请求过于频繁，请 {wait} 秒后再试", retry_after=wait)


async def account_wait(ctx: AuthContext, subject: str) -> int:
    return await _throttle(ctx).wait(f"acct:{subject}")


async def account_failed(ctx: AuthContext, subject: str) -> None:
    await _throttle(ctx).fail(f"acct:{subject}", _rules(ctx)["acct"])


async def clear_account(ctx: AuthContext, subject: str) -> None:
    await _throttle(ctx).clear(f"acct:{subject}")
