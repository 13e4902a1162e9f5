from django.urls import path

from pioneer.web.fielding import monitor_views, optout, respond, views

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
    # The response monitor (monitor_views; docs/web.md "The response monitor").
    path("waves/<int:year>/monitor/", monitor_views.monitor, name="monitor"),
    path("waves/<int:year>/monitor/export/", monitor_views.monitor_export, name="monitor_export"),
    path(
        "waves/<int:year>/sites/<slug:site_id>/monitor/",
        monitor_views.monitor_site,
        name="monitor_site",
    ),
    path("waves/<int:year>/responses.csv", monitor_views.responses_export, name="responses_export"),
    path("waves/<int:year>/analysis/", monitor_views.analysis, name="analysis"),
    path("waves/<int:year>/close/", monitor_views.close_wave, name="close_wave"),
    # The respondent's side: no sign-in; the token in the link, then the session.
    path("s/<str:token>/", respond.start, name="respond_start"),
    path("s/<str:token>/opt-out/", optout.opt_out, name="respond_opt_out"),
    path("respond/", respond.questionnaire, name="respond_questionnaire"),
    path("respond/check/", respond.check, name="respond_check"),
    path("respond/done/", respond.done, name="respond_done"),
    path("respond/saved/", respond.saved, name="respond_saved"),
    path("respond/page/<slug:page>/", respond.page, name="respond_page"),
]
