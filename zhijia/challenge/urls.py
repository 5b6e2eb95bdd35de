from django.urls import path

from zhijia.challenge import views

app_name = "challenge"
urlpatterns = [
    path("w/challenge/", views.worker_home, name="worker_home"),
    path("w/challenge/<int:challenge_id>/", views.worker_challenge, name="worker_challenge"),
    path("w/challenge/<int:challenge_id>/join/", views.join, name="join"),
    path("w/challenge/<int:challenge_id>/log/", views.log_exercise, name="log"),
    path("w/challenge/<int:challenge_id>/quiz/", views.quiz, name="quiz"),
    path("w/challenge/<int:challenge_id>/board/", views.board, name="board"),
    path("console/challenge/", views.console, name="console"),
    path("console/challenge/<int:challenge_id>/", views.console_challenge, name="console_challenge"),
    path("console/challenge/<int:challenge_id>/review/<int:entry_id>/", views.console_review, name="review"),
    path("console/challenge/<int:challenge_id>/questions/", views.console_question, name="question_add"),
    path("console/challenge/<int:challenge_id>/close/", views.console_close, name="close"),
]
