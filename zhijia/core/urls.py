from django.urls import path

from zhijia.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("w/", views.worker_home, name="worker_home"),
]
