def client_ip(request) -> str | None:
    """The client's address. Behind a trusted proxy set NUM_PROXIES so X-Forwarded-For is read."""
    from django.conf import settings

    proxies = int(getattr(settings, "NUM_PROXIES", 0) or 0)
    if proxies:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")
