from django.urls import path

from zhijia.contests import views

app_name = "contests"
urlpatterns = [
    path("w/contests/", views.worker_home, name="worker_home"),
    path("w/contests/<int:contest_id>/register/", views.register, name="register"),
    path("w/contests/rounds/<int:round_id>/exam/", views.exam, name="exam"),
    path("w/contests/entries/<int:entry_id>/certificate.pdf", views.certificate, name="certificate"),
    path("contests/verify/", views.verify, name="verify"),
    path("console/contests/", views.console, name="console"),
    path("console/contests/<int:contest_id>/", views.contest_detail, name="contest"),
    path("console/contests/<int:contest_id>/questions/", views.questions, name="questions"),
    path("console/contests/rounds/<int:round_id>/ranking/", views.ranking, name="ranking"),
    path("console/contests/rounds/<int:round_id>/score/", views.score, name="score"),
]
