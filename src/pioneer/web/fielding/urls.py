from django.urls import path

from pioneer.web.fielding import respond, views

app_name = "fielding"

urlpatterns = [
    path("waves/", views.wave_list, name="wave_list"),
    path("waves/<int:year>/", views.wave_detail, name="wave_detail"),
    path(
        "waves/<int:year>/sites/<slug:site_id>/contacts/",
        views.contact_list,
        name="contact_list",
    ),
    path(
        "waves/<int:year>/sites/<slug:site_id>/contacts/import/",
        views.contact_import,
        name="contact_import",
    ),
    path("contacts/<int:pk>/", views.contact_detail, name="contact_detail"),
    # The respondent's side: no sign-in; the token in the link, then the session.
    path("s/<str:token>/", respond.start, name="respond_start"),
    path("respond/", respond.questionnaire, name="respond_questionnaire"),
]
