from django.utils.translation import gettext as _
from ninja import Router, Status

from zhijia.accounts import services
from zhijia.accounts.schemas import CodeRequestIn, MeOut, TokenIn, TokenOut
from zhijia.core.errors import ValidationFailed
from zhijia.core.http import client_ip

router = Router(tags=["登录 auth"])


@router.post("/token", auth=None, response={200: TokenOut}, summary="换取访问令牌（用户名密码或手机验证码）")
def token_create(request, payload: TokenIn):
    ip = client_ip(request)
    if payload.phone:
        user = services.login_code_verify(phone=payload.phone, code=payload.code or "", ip=ip)
    elif payload.username is not None:
        user = services.user_authenticate(username=payload.username, password=payload.password or "", ip=ip)
    else:
        raise ValidationFailed.field("username", _("请提供用户名和密码，或手机号和验证码"))
    raw, token = services.api_token_issue(user=user)
    return {"token": raw, "expires_at": token.expires_at, "user_id": user.pk, "role": user.role}


@router.post("/code", auth=None, response={204: None}, summary="发送手机登录验证码")
def code_request(request, payload: CodeRequestIn):
    services.login_code_request(phone=payload.phone, ip=client_ip(request))
    return Status(204, None)


@router.get("/me", response=MeOut, summary="当前用户")
def me(request):
    return request.user
