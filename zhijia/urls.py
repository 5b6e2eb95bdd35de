import datetime

from django.conf import settings
from django.urls import include, path
from django.views.decorators.cache import cache_page
from django.views.decorators.http import last_modified
from django.views.i18n import JavaScriptCatalog
from django.views.static import serve

from zhijia.api import api
from zhijia.core import views as core_views

STARTED = datetime.datetime.now(tz=datetime.UTC)

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", core_views.favicon),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # The page scripts' catalogue: one per language, cached (the cache key includes the language) and revalidated
    # against the server's start, since it changes only with a deployment.
    path("jsi18n/", cache_page(3600)(last_modified(lambda request: STARTED)(JavaScriptCatalog.as_view())),
         name="javascript-catalog"),
    path("accounts/", include("zhijia.accounts.urls")),
    path("console/", include("zhijia.orgs.urls")),
    path("console/audit/", include("zhijia.audit.urls")),
    path("", include("zhijia.wellbeing.urls")),
    path("", include("zhijia.volunteers.urls")),
    path("console/members/", include("zhijia.members.urls")),
    path("w/members/", include("zhijia.members.worker_urls")),
    path("", include("zhijia.appeals.urls")),
    path("", include("zhijia.care.urls")),
    path("", include("zhijia.benefits.urls")),
    path("", include("zhijia.stations.urls")),
    path("", include("zhijia.studios.urls")),
    path("", include("zhijia.challenge.urls")),
    path("", include("zhijia.contests.urls")),
    path("", include("zhijia.honors.urls")),
    path("", include("zhijia.core.urls")),
]

if settings.DEBUG:
    urlpatterns.append(path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}))
