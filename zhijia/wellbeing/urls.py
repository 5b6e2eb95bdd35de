app_name="wellbeing"
urlpatterns=[]
