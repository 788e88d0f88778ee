"""SMS texts and the explanations shown to people (Chinese, in one place)."""

from __future__ import annotations

# The seed's registration message, word for word.
REGISTERED = (
    "【企业标准领跑者】恭喜您,注册企业标准“领跑者”企业成功,登录名为 {login_name}, 登录密码为 {password}。"
    "登录平台后可进入个人中心修改密码。系统已防止第三方应用恶意读取和使用验证码。切勿泄露他人。"
)
VERIFICATION_CODE = (
    "【企业标准领跑者】您的{purpose}验证码为 {code}，{minutes} 分钟内有效。系统已防止第三方应用恶意读取和使用验证码。"
    "切勿泄露他人。"
)
RECOVERY_APPROVED = (
    "【企业标准领跑者】您的账号找回申请已审核通过,登录名为 {login_name}, 新登录密码为 {password}。"
    "该密码 {days} 天内有效,登录后请立即修改密码。切勿泄露他人。"
)
RECOVERY_REJECTED = (
    "【企业标准领跑者】您的账号找回申请未通过审核,原因:{opinion}。如有疑问请联系平台技术支持。"
)
# To the account's current phone: someone asked to take the account over. The code refuses it.
RECOVERY_FILED_OWNER = (
    "【企业标准领跑者】有人以{org_name}的名义提交了账号找回申请{phone_part},审核通过后将重置登录密码。"
    "如非本企业申请,请访问 {cancel_url} 或在平台“撤销账号找回”页面输入撤销码 {code} 撤销申请。"
)
RECOVERY_APPROVED_OWNER = (
    "【企业标准领跑者】{org_name}的账号找回申请已审核通过,将于 {effective} 生效{phone_part}。"
    "如非本企业申请,请在此之前凭撤销码 {cancel_code} 撤销(访问 {cancel_url});"
    "如确系本企业申请,可凭确认码 {confirm_code} 立即生效(访问 {confirm_url})。"
)
RECOVERY_APPROVED_REQUESTER = "【企业标准领跑者】您的账号找回申请已审核通过,为保障账号安全将于 {effective} 生效,届时新登录密码将以短信发送至本手机号。"
RECOVERY_REJECTED_OWNER = (
    "【企业标准领跑者】以{org_name}名义提交的账号找回申请未通过审核,原因:{opinion}。账号未作任何变更。"
)
RECOVERY_CANCELLED = "【企业标准领跑者】{org_name}的账号找回申请已撤销,账号未作任何变更。"
RECOVERY_PHONE_REPLACED_OLD = (
    "【企业标准领跑者】{org_name}的账号找回申请已生效,账号预留手机号已由本号码更换为 {new_phone},登录密码已重置。"
    "如非本企业操作,请立即联系平台技术支持。"
)
PHONE_CHANGED_OLD = (
    "【企业标准领跑者】{org_name}的账号预留手机号已由本号码更换为 {new_phone},其他登录设备已下线。"
    "如非本企业操作,请立即联系平台技术支持。"
)
ORGANISATION_CREATED = (
    "【企业标准领跑者】已为{org_name}开通平台账号,登录名为 {login_name}, 登录密码为 {password}。"
    "该密码 {days} 天内有效,登录后请立即修改密码。切勿泄露他人。"
)

FORERUNNER_NOT_ELIGIBLE = (
    "本企业的企业标准尚未入围评估机构的领跑者名单，暂不能进行领跑者企业身份认证。您可以："
    "1. 等待评估机构的评估结果，若评估机构将本企业企标纳入领跑者入围名单，即可进行身份认证；"
    "2. 企业自主申报，在平台进行对标，若企标满足先进水平，补充相关信息后将企标提交至评估机构审核。"
)
FORERUNNER_ELIGIBLE = "本企业的企业标准已入围评估机构的领跑者名单，请选择手机号接收验证码完成身份认证。"
