class ChineseFirstMiddleware:
    """zh-Hans first: the browser's Accept-Language is not consulted, so a phone set to English still gets Chinese
    pages; English is chosen explicitly with the switch (language cookie). Runs before LocaleMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
