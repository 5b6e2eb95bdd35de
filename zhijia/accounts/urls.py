from django.urls import path

from zhijia.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.staff_login, name="login"),
    path("w/login/", views.worker_login, name="worker_login"),
    path("logout/", views.logout_view, name="logout"),
]
