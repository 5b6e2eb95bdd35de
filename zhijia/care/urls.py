from django.urls import path

from zhijia.care import views

app_name = "care"
urlpatterns = [
    path("console/care/", views.campaign_list, name="campaign_list"),
    path("console/care/campaigns/<int:campaign_id>/", views.campaign_detail, name="campaign_detail"),
    path("console/care/campaigns/<int:campaign_id>/allocate/", views.allocation_form, name="allocation_form"),
    path("console/care/campaigns/<int:campaign_id>/visits/new/", views.visit_new, name="visit_new"),
    path("console/care/campaigns/<int:campaign_id>/report/", views.campaign_report, name="campaign_report"),
    path("console/care/campaigns/<int:campaign_id>/report.xlsx", views.campaign_report_xlsx,
         name="campaign_report_xlsx"),
    path("console/care/visits/<int:visit_id>/", views.visit_detail, name="visit_detail"),
    path("console/care/hardship/", views.hardship_list, name="hardship_list"),
    path("console/care/hardship/report/", views.hardship_report, name="hardship_report"),
    path("console/care/hardship/export.xlsx", views.hardship_export, name="hardship_export"),
    path("console/care/hardship/<int:file_id>/", views.hardship_detail, name="hardship_detail"),
    path("console/care/claims/", views.claim_list, name="claim_list"),
    path("console/care/claims/export.xlsx", views.claim_export, name="claim_export"),
    path("console/care/claims/<int:claim_id>/", views.claim_detail, name="claim_detail"),
    path("w/care/", views.worker_home, name="worker_home"),
    path("w/care/hardship/apply/", views.worker_hardship_apply, name="worker_hardship_apply"),
    path("w/care/claims/new/", views.worker_claim_new, name="worker_claim_new"),
]
