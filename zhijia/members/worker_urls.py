from django.urls import path

from zhijia.members import views

app_name = "members_w"
urlpatterns = [
    path("join/", views.join, name="join"),
    path("card/", views.card, name="card"),
    path("card/reissue/", views.card_reissue, name="card_reissue"),
    path("leave/", views.worker_leave, name="leave"),
    path("transfer/", views.worker_transfer, name="transfer"),
    path("streets/", views.streets_options, name="streets"),
]
