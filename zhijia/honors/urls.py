from django.urls import path

from zhijia.honors import views

app_name = "honors"
urlpatterns = [
    path("console/honors/", views.console, name="console"),
    path("console/honors/honours/", views.console_honours, name="console_honours"),
    path("console/honors/<int:selection_id>/", views.console_detail, name="console_detail"),
    path("console/honors/<int:selection_id>/review/", views.console_review, name="console_review"),
    path("console/honors/<int:selection_id>/quarantine/", views.console_quarantine, name="console_quarantine"),
    path("console/honors/<int:selection_id>/scoring/", views.console_scoring, name="console_scoring"),
    path("console/honors/<int:selection_id>/results/", views.console_results, name="console_results"),
    path("console/honors/<int:selection_id>/notice/", views.console_notice, name="console_notice"),
    path("w/honors/", views.worker_list, name="worker_list"),
    path("w/honors/mine/", views.my_honours, name="my_honours"),
    path("w/honors/<int:selection_id>/", views.worker_selection, name="worker_selection"),
    path("w/honors/<int:selection_id>/notice/", views.worker_notice, name="worker_notice"),
    path("w/honors/candidates/<int:candidate_id>/", views.worker_candidate, name="worker_candidate"),
    path("w/honors/candidates/<int:candidate_id>/vote/", views.worker_vote, name="worker_vote"),
]
