from django.contrib.auth import login, logout
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from zhijia.accounts import services
from zhijia.core.errors import DomainError
from zhijia.core.http import client_ip


def _next_url(request, default: str) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return nxt
    return default


def staff_login(request):
    error = None
    if request.method == "POST":
        try:
            user = services.user_authenticate(username=request.POST.get("username", ""),
                                              password=request.POST.get("password", ""),
                                              ip=client_ip(request), request=request)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            default = "/console/" if user.is_union_staff else "/w/"
            return redirect(_next_url(request, default))
        except DomainError as exc:
            error = exc.message
    return render(request, "accounts/login.html", {"error": error, "next": _next_url(request, "")},
                  status=400 if error else 200)


def worker_login(request):
    """Workers sign in with phone and a one-time code (or, for demo accounts, a username and password)."""
    error, phone, code_sent = None, request.POST.get("phone", ""), False
    if request.method == "POST":
        try:
            if request.POST.get("action") == "send_code":
                services.login_code_request(phone=phone, ip=client_ip(request))
                code_sent = True
            elif request.POST.get("action") == "password":
                user = services.user_authenticate(username=request.POST.get("username", ""),
                                                  password=request.POST.get("password", ""),
                                                  ip=client_ip(request), request=request)
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                return redirect(_next_url(request, "/w/"))
            else:
                user = services.login_code_verify(phone=phone, code=request.POST.get("code", ""),
                                                  ip=client_ip(request))
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                return redirect(_next_url(request, "/w/"))
        except DomainError as exc:
            error = exc.message
    return render(request, "accounts/worker_login.html",
                  {"error": error, "phone": phone, "code_sent": code_sent, "next": _next_url(request, "")},
                  status=400 if error else 200)


@require_POST
def logout_view(request):
    staff = getattr(request.user, "is_union_staff", False)
    logout(request)
    return redirect("accounts:login" if staff else "accounts:worker_login")
