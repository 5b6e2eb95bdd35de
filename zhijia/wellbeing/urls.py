from django.urls import path

from zhijia.wellbeing import views

app_name = "wellbeing"
urlpatterns = [
    path("w/wellbeing/", views.worker_home, name="worker_home"),
    path("w/wellbeing/assess/<str:scale>/", views.assess, name="assess"),
    path("w/wellbeing/results/<int:assessment_id>/share/", views.share, name="share"),
    path("w/wellbeing/slots/", views.slots, name="slots"),
    path("w/wellbeing/book/", views.book, name="book"),
    path("w/wellbeing/bookings/", views.bookings, name="bookings"),
    path("w/wellbeing/bookings/<int:booking_id>/cancel/", views.booking_cancel, name="booking_cancel"),
    path("w/wellbeing/bookings/<int:booking_id>/rate/", views.booking_rate, name="booking_rate"),
    path("w/wellbeing/quick/", views.quick, name="quick"),
    path("console/wellbeing/", views.console, name="console"),
    path("console/wellbeing/report.xlsx", views.report_xlsx, name="report_xlsx"),
    path("console/wellbeing/desk/", views.desk_action, name="desk_action"),
]
