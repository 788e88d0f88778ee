"""SMS verification codes in Redis (QUALITY 3): per-IP, resend-gap and daily limits shared by every replica,
an HMAC with a TTL, single use, bound to (purpose, phone, ref), dead after the fifth wrong try."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from kit.ratelimit import enforce

from auth.domain import texts
from auth.domain.codes import code_mac, looks_like_code, new_code
from auth.domain.statuses import SmsPurpose
from auth.errors import SmsCodeExhausted, SmsCodeExpired, SmsCodeWrong, SmsResendTooSoon
from auth.service.context import AuthContext, fingerprint

CHINA = ZoneInfo("Asia/Shanghai")

# Atomic check: a right code is deleted at once (single use); a wrong one counts, the last wrong one kills it.
_VERIFY = """
local mac = redis.call('HGET', KEYS[1], 'mac')
if not mac then return 0 end
if mac == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
local tries = redis.call('HINCRBY', KEYS[1], 'tries', 1)
if tries >= tonumber(ARGV[2]) then
  redis.call('DEL', KEYS[1])
  return -2
end
return -(100 + tonumber(ARGV[2]) - tries)
"""


def _code_key(purpose: SmsPurpose, phone: str, ref: str | None) -> str:
    return f"lp:auth:code:{purpose.value}:{fingerprint(phone)}:{fingerprint(ref or '-')}"


async def issue(
    ctx: AuthContext,
    *,
    phone: str,
    purpose: SmsPurpose,
    ip: str,
    ref: str | None = None,
    deliver: bool = True,
) -> int:
    """Create and send a code; returns the seconds until another may be asked for.
    With ``deliver=False`` (a phone that has no account) every limit still applies and the answer is the
    same, but nothing is sent: the reply never tells whether a number is registered."""
    s = ctx.settings
    redis = ctx.redis
    await enforce(
        redis,
        f"lp:auth:sms-ip:{fingerprint(ip)}",
        limit=s.sms_hourly_cap_per_ip,
        window_seconds=3600,
        message="验证码请求过于频繁，请稍后再试",
    )
    # The gap is per purpose: a code just sent to register must not block a password reset.
    gap_key = f"lp:auth:sms-gap:{purpose.value}:{fingerprint(phone)}"
    if not await redis.set(gap_key, "1", nx=True, ex=s.sms_resend_gap_seconds):
        wait = await redis.ttl(gap_key)
        raise SmsResendTooSoon(f"验证码已发送，请 {max(wait, 1)} 秒后再试", retry_after=max(wait, 1))
    today = (await ctx.now()).astimezone(CHINA).strftime("%Y%m%d")
    await enforce(
        redis,
        f"lp:auth:sms-day:{fingerprint(phone)}:{today}",
        limit=s.sms_daily_cap_per_phone,
        window_seconds=86400,
        message="该手机号今日获取验证码次数已达上限，请明天再试",
    )
    if not deliver:
        return s.sms_resend_gap_seconds
    code = new_code()
    key = _code_key(purpose, phone, ref)
    mac = code_mac(s.sms_code_secret, purpose=purpose.value, phone=phone, ref=ref, code=code)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.delete(key)
        pipe.hset(key, mapping={"mac": mac, "tries": 0})
        pipe.expire(key, s.sms_code_ttl_seconds)
        await pipe.execute()
    text = texts.VERIFICATION_CODE.format(
        purpose=purpose.label, code=code, minutes=s.sms_code_ttl_seconds // 60
    )
    try:
        await ctx.runtime.sms.send(phone, text)
    except Exception:
        # Not sent: let the person ask again at once instead of waiting out the gap.
        await redis.delete(key, gap_key)
        raise
    return s.sms_resend_gap_seconds


async def verify(
    ctx: AuthContext, *, phone: str, purpose: SmsPurpose, code: str, ref: str | None = None
) -> None:
    """Consume the code or raise 422 saying why (expired, wrong with tries left, exhausted)."""
    s = ctx.settings
    key = _code_key(purpose, phone, ref)
    candidate = code if looks_like_code(code) else "-"
    mac = code_mac(s.sms_code_secret, purpose=purpose.value, phone=phone, ref=ref, code=candidate)
    outcome = int(await ctx.redis.eval(_VERIFY, 1, key, mac, s.sms_code_max_tries))
    if outcome == 1:
        return
    if outcome == 0:
        raise SmsCodeExpired("验证码已失效或未获取，请重新获取验证码")
    if outcome == -2:
        raise SmsCodeExhausted("验证码错误次数过多，已失效，请重新获取验证码")
    left = -outcome - 100
    raise SmsCodeWrong(f"验证码不正确，还可尝试 {left} 次", details={"tries_left": left})
