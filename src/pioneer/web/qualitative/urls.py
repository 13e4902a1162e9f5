"""Qualitative evidence on the web: the frame, transcripts and coding, matrices and quotes."""

from django.urls import path

from pioneer.web.qualitative import views

app_name = "qualitative"

urlpatterns = [
    path("frame/", views.frame_view, name="frame"),
    path("transcripts/", views.transcript_list, name="transcript_list"),
    path("transcripts/<int:document>/", views.transcript, name="transcript"),
    path("transcripts/<int:document>/code/", views.code_passage, name="code"),
    path(
        "segments/<int:segment>/remove-code/",
        views.remove_segment_code,
        name="remove_code",
    ),
    path("matrix/", views.matrix, name="matrix"),
    path("sites/<slug:site_id>/matrix/", views.site_matrix, name="site_matrix"),
    path("quotes/", views.quotes, name="quotes"),
    path("coding.js", views.script, name="script"),
]
