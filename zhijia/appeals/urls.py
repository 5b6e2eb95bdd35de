from django.urls import path

from zhijia.appeals import views

app_name = "appeals"
urlpatterns = [
    path("console/appeals/", views.appeal_list, name="appeal_list"),
    path("console/appeals/intake/", views.intake, name="intake"),
    path("console/appeals/intake/lookup/", views.intake_lookup, name="intake_lookup"),
    path("console/appeals/intake/duplicates/", views.intake_duplicates, name="intake_duplicates"),
    path("console/appeals/rates/", views.rates, name="rates"),
    path("console/appeals/rates/cases/", views.rates_cases, name="rates_cases"),
    path("console/appeals/rates/export.xlsx", views.rates_export, name="rates_export"),
    path("console/appeals/rules/", views.rules, name="rules"),
    path("console/appeals/outbox/", views.outbox, name="outbox"),
    path("console/appeals/calendar/", views.calendar, name="calendar"),
    path("console/appeals/limits/", views.limits, name="limits"),
    path("console/appeals/<int:appeal_id>/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path("console/appeals/inbox/", views.inbox, name="inbox"),
    path("console/appeals/<int:appeal_id>/", views.appeal_detail, name="appeal_detail"),
    path("console/appeals/<int:appeal_id>/act/<str:action>/", views.appeal_act, name="appeal_act"),
    path("w/appeals/", views.my_appeals, name="my_appeals"),
    path("w/appeals/new/", views.worker_new, name="worker_new"),
    path("w/appeals/<int:appeal_id>/", views.worker_detail, name="worker_detail"),
    path("w/appeals/<int:appeal_id>/attachments/<int:attachment_id>/", views.worker_attachment,
         name="worker_attachment"),
]
