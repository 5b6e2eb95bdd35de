from django.urls import path

from zhijia.orgs import views

app_name = "orgs"
urlpatterns = [
    path("", views.console_home, name="console_home"),
    path("unions/", views.union_tree, name="union_tree"),
    path("unions/export.xlsx", views.union_export, name="union_export"),
    path("unions/<int:union_id>/", views.union_detail, name="union_detail"),
    path("unions/<int:union_id>/children/", views.union_children_partial, name="union_children"),
]
