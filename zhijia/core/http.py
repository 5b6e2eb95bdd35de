from ninja.security import SessionAuth


def client_ip(request) -> str | None:
    """The client's address. Behind a trusted proxy set NUM_PROXIES so X-Forwarded-For is read."""
    from django.conf import settings

    proxies = int(getattr(settings, "NUM_PROXIES", 0) or 0)
    if proxies:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


class PageSession(SessionAuth):
    """The page's session (with its CSRF token), only for requests that carry no bearer token: a client that sent a
    token that is unknown, revoked or expired gets 401, not the session check's 403 about a missing CSRF token."""

    def __call__(self, request):
        if request.headers.get("Authorization"):
            return None
        return super().__call__(request)


page_session = PageSession()
