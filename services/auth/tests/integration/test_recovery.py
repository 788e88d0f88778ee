"""账号找回: public request with a letter checked by content → operator list → decision → SMS. The operator
never sees a password; every decision is audited with who and why."""

from __future__ import annotations

import re


def _form(ready: dict, **overrides) -> dict:
    form = {"credit_code": ready["credit_code"], "enterprise_name": "杭州测试电器股份有限公司", "contact_name": "张三",
            "reason": "原手机号已停用，忘记密码"}
    form.update(overrides)
    return form


async def _submit(client, h, form: dict, letter=None, name="授权书.pdf", kind="application/pdf"):
    letter = h.pdf_bytes() if letter is None else letter
    return await client.post("/api/auth/recovery-requests", data=form, files={"letter": (name, letter, kind)},
                             headers={"X-Forwarded-For": h.random_ip()})


async def test_approved_request_sends_a_new_password_to_the_new_phone(client, h):
    ready = await h.ready_enterprise(client)
    new_phone = h.new_phone()
    submitted = await _submit(client, h, _form(ready, new_phone=new_phone))
    assert submitted.status_code == 201, submitted.text
    request_id = submitted.json()["id"]

    operator = h.bearer((await h.demo_login(client, "operator01"))["access_token"])
    listed = (await client.get("/api/auth/recovery-requests", headers=operator, params={"status": "pending"})).json()
    item = next(i for i in listed["items"] if i["id"] == request_id)
    assert item["new_phone"] == new_phone[:3] + "****" + new_phone[-4:]  # masked for the operator
    assert item["account_found"] is True and item["status_label"] == "待审核"
    letter = await client.get(item["letter_url"], headers=operator)
    assert letter.status_code == 200 and letter.content.startswith(b"%PDF-")

    decided = await client.post(f"/api/auth/recovery-requests/{request_id}/decision", headers=operator,
                                json={"approve": True, "opinion": "授权书与营业执照一致"})
    assert decided.status_code == 204 and decided.content == b""  # no password for the operator
    again = await client.post(f"/api/auth/recovery-requests/{request_id}/decision", headers=operator,
                              json={"approve": False, "opinion": "重复"})
    assert again.status_code == 409

    text = (await h.sms_to(client, new_phone))[0]
    assert "审核通过" in text and ready["credit_code"] in text
    password = re.search(r"新登录密码为 ([A-Za-z0-9]+)。", text).group(1)
    # The old sessions end; the new password is a generated one: change it first.
    assert (await client.get("/api/auth/me", headers=h.bearer(ready["access_token"]))).status_code == 401
    tokens = await h.login(client, new_phone, password)
    assert tokens["must_change_password"] is True
    assert (await client.get("/api/auth/enterprise", headers=h.bearer(tokens["access_token"]))).status_code == 403

    audit = (await client.get("/api/auth/audit-log", headers=operator,
                              params={"action": "recovery_decided", "page_size": 100})).json()["items"]
    entry = next(e for e in audit if e["detail"].get("request_id") == request_id)
    me = (await client.get("/api/auth/me", headers=operator)).json()
    assert entry["actor_account_id"] == me["account"]["id"] and entry["detail"]["opinion"] == "授权书与营业执照一致"
    assert entry["result"] == "approved" and password not in str(entry)


async def test_rejected_request_tells_the_old_phone_why(client, h):
    ready = await h.ready_enterprise(client)
    submitted = await _submit(client, h, _form(ready), letter=h.png_bytes(), name="letter.png", kind="image/png")
    assert submitted.status_code == 201, submitted.text
    operator = h.bearer((await h.demo_login(client, "operator01"))["access_token"])
    decided = await client.post(f"/api/auth/recovery-requests/{submitted.json()['id']}/decision", headers=operator,
                                json={"approve": False, "opinion": "授权书未加盖公章"})
    assert decided.status_code == 204
    text = (await h.sms_to(client, ready["phone"]))[0]
    assert "未通过审核" in text and "授权书未加盖公章" in text
    # Nothing changed for the account.
    assert (await client.get("/api/auth/me", headers=h.bearer(ready["access_token"]))).status_code == 200


async def test_request_for_an_unknown_credit_code_can_only_be_rejected(client, h):
    form = {"credit_code": h.new_credit_code(), "enterprise_name": "不存在公司", "contact_name": "某人",
            "reason": "找回账号"}
    submitted = await _submit(client, h, form, letter=h.jpeg_bytes(), name="a.jpg", kind="image/jpeg")
    assert submitted.status_code == 201
    operator = h.bearer((await h.demo_login(client, "operator01"))["access_token"])
    path = f"/api/auth/recovery-requests/{submitted.json()['id']}/decision"
    approve = await client.post(path, headers=operator, json={"approve": True, "opinion": "同意"})
    assert approve.status_code == 409 and h.error_code(approve) == "recovery_account_not_found"
    assert (await client.post(path, headers=operator, json={"approve": False, "opinion": "无此企业"})).status_code == 204


async def test_bad_requests_and_roles(client, h, settings):
    ready = await h.ready_enterprise(client)
    text_file = await _submit(client, h, _form(ready), letter=b"just text, not a letter", name="letter.pdf")
    assert text_file.status_code == 415
    scripted = await _submit(client, h, _form(ready), letter=h.pdf_bytes().replace(b"/Type /Catalog",
                                                                                 b"/Type /Catalog /OpenAction << /JS (x) >>"))
    assert scripted.status_code == 415
    huge = await _submit(client, h, _form(ready), letter=b"%PDF-" + b"0" * (settings.recovery_letter_max_bytes + 1))
    assert huge.status_code == 413
    bad_code = await _submit(client, h, _form(ready, credit_code="123"))
    assert bad_code.status_code == 422
    bad_phone = await _submit(client, h, _form(ready, new_phone="555"))
    assert bad_phone.status_code == 422
    no_letter = await client.post("/api/auth/recovery-requests", data=_form(ready))
    assert no_letter.status_code == 422

    enterprise = h.bearer(ready["access_token"])
    assert (await client.get("/api/auth/recovery-requests", headers=enterprise)).status_code == 403
    assert (await client.get("/api/auth/recovery-requests")).status_code == 401
    operator = h.bearer((await h.demo_login(client, "operator01"))["access_token"])
    missing = await client.post("/api/auth/recovery-requests/00000000-0000-4000-8000-000000000000/decision",
                                headers=operator, json={"approve": True, "opinion": "x"})
    assert missing.status_code == 404
    no_opinion = await client.post("/api/auth/recovery-requests/00000000-0000-4000-8000-000000000000/decision",
                                   headers=operator, json={"approve": True})
    assert no_opinion.status_code == 422
    wrong_type = await client.post("/api/auth/recovery-requests/00000000-0000-4000-8000-000000000000/decision",
                                   headers=operator, json={"approve": "perhaps", "opinion": "x"})
    assert wrong_type.status_code == 422


async def test_recovery_requests_are_rate_limited_per_address(client, h, settings):
    ready = await h.ready_enterprise(client)
    ip = {"X-Forwarded-For": h.random_ip()}
    codes = []
    for _ in range(settings.recovery_requests_per_ip_hour + 1):
        response = await client.post("/api/auth/recovery-requests", data=_form(ready), headers=ip,
                                     files={"letter": ("a.pdf", h.pdf_bytes(), "application/pdf")})
        codes.append(response.status_code)
    assert codes == [201] * settings.recovery_requests_per_ip_hour + [429]
