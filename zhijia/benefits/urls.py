from django.urls import path

from zhijia.benefits import views

app_name = "benefits"
urlpatterns = [
    path("w/benefits/", views.worker_list, name="worker_list"),
    path("w/benefits/mine/", views.worker_mine, name="worker_mine"),
    path("w/benefits/<int:benefit_id>/claim/", views.worker_claim, name="worker_claim"),
    path("w/benefits/claims/<int:claim_id>/cancel/", views.worker_cancel, name="worker_cancel"),
    path("console/benefits/", views.console_list, name="console_list"),
    path("console/benefits/new/", views.console_create, name="console_create"),
    path("console/benefits/redeem/", views.console_redeem, name="console_redeem"),
    path("console/benefits/<int:benefit_id>/", views.console_detail, name="console_detail"),
    path("console/benefits/<int:benefit_id>/live/", views.console_live, name="console_live"),
    path("console/benefits/<int:benefit_id>/edit/", views.console_edit, name="console_edit"),
    path("console/benefits/<int:benefit_id>/withdraw/", views.console_withdraw, name="console_withdraw"),
]
