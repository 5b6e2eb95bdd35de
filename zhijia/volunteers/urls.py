from django.urls import path

from zhijia.volunteers import views

app_name = "volunteers"
urlpatterns = [
    path("w/volunteers/", views.worker_home, name="worker_home"),
    path("w/volunteers/register/", views.register, name="register"),
    path("w/volunteers/calls/<int:call_id>/signup/", views.signup, name="signup"),
    path("w/volunteers/shifts/<int:shift_id>/", views.shift_action, name="shift_action"),
    path("w/volunteers/certificate.pdf", views.certificate, name="certificate"),
    path("console/volunteers/", views.console, name="console"),
]
