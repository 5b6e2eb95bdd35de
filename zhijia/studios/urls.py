from django.urls import path

from zhijia.studios import views

app_name = "studios"
urlpatterns = [
    path("w/studios/", views.worker_list, name="worker_list"),
    path("console/studios/", views.studio_list, name="studio_list"),
    path("console/studios/new/", views.studio_form, name="studio_new"),
    path("console/studios/totals/", views.totals, name="totals"),
    path("console/studios/<int:studio_id>/", views.studio_detail, name="studio_detail"),
    path("console/studios/<int:studio_id>/<str:action>/", views.studio_action, name="studio_action"),
]
