from django.urls import path

from pioneer.web.programme import views

app_name = "programme"

urlpatterns = [
    path("", views.home, name="home"),
    path("sites/", views.site_list, name="site_list"),
    path("sites/<slug:site_id>/", views.site_detail, name="site_detail"),
]
