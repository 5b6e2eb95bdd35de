from django.urls import path

from zhijia.stations import views

app_name = "stations"
urlpatterns = [
    path("w/stations/", views.worker_map, name="worker_map"),
    path("w/stations/checkin/", views.worker_checkin, name="worker_checkin"),
    path("console/stations/", views.station_list, name="station_list"),
    path("console/stations/new/", views.station_form, name="station_new"),
    path("console/stations/coverage/", views.coverage, name="coverage"),
    path("console/stations/follow-ups/", views.follow_ups, name="follow_ups"),
    path("console/stations/<int:station_id>/", views.station_detail, name="station_detail"),
    path("console/stations/<int:station_id>/edit/", views.station_form, name="station_edit"),
    path("console/stations/<int:station_id>/qr/", views.station_qr_print, name="station_qr"),
    path("console/stations/<int:station_id>/inspect/", views.inspection_new, name="inspection_new"),
    path("console/stations/follow-ups/<int:follow_up_id>/resolve/", views.follow_up_resolve, name="follow_up_resolve"),
]
