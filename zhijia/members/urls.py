from django.urls import path

from zhijia.members import views

app_name = "members"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("applications/", views.application_queue, name="queue"),
    path("applications/new/", views.application_on_behalf, name="apply_for"),
    path("applications/<int:application_id>/", views.application_detail, name="application"),
    path("applications/<int:application_id>/<str:action>/", views.application_decide, name="decide"),
    path("list/", views.member_list, name="list"),
    path("list/export/", views.member_export, name="export"),
    path("m/<int:membership_id>/", views.member_detail, name="member"),
    path("m/<int:membership_id>/leave/", views.member_leave, name="leave"),
    path("m/<int:membership_id>/transfer/", views.member_transfer, name="transfer"),
    path("m/<int:membership_id>/card/<str:action>/", views.member_card, name="member_card"),
    path("workers/<int:worker_id>/reveal/", views.worker_reveal, name="reveal"),
    path("transfers/", views.transfer_list, name="transfers"),
    path("transfers/<int:transfer_id>/<str:action>/", views.transfer_decide, name="transfer_decide"),
    path("imports/", views.import_list, name="imports"),
    path("imports/template/", views.import_template, name="import_template"),
    path("imports/<int:import_id>/", views.import_detail, name="import"),
    path("imports/<int:import_id>/commit/", views.import_commit, name="import_commit"),
    path("imports/<int:import_id>/failed-rows/", views.import_failed_rows, name="import_failed"),
    path("rules/", views.routing_rules, name="rules"),
    path("scan/", views.scan, name="scan"),
    path("scan/sw.js", views.scan_service_worker, name="scan_sw"),
    path("unions/pick/", views.union_pick, name="union_pick"),
]
