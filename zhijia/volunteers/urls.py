app_name="volunteers"
urlpatterns=[]
