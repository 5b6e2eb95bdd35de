from django.urls import path

from zhijia.orgs import views

app_name = "orgs"
urlpatterns = [
    path("", views.console_home, name="console_home"),
    path("unions/", views.union_tree, name="union_tree"),
    path("unions/export.xlsx", views.union_export, name="union_export"),
    path("unions/<int:union_id>/", views.union_detail, name="union_detail"),
    path("unions/<int:union_id>/create/", views.union_create_view, name="union_create"),
    path("unions/<int:union_id>/move/", views.union_move_view, name="union_move"),
    path("unions/<int:union_id>/founding/", views.founding_record_view, name="founding_record"),
    path("unions/<int:union_id>/children/", views.union_children_partial, name="union_children"),
]
