"""Qualitative evidence in the store: projects, the coding frame, transcripts, coded segments
and memos, so several coders can work on one corpus at once through the web.

The library's frozen types (:mod:`pioneer.qualitative.model`) stay the source of truth for
what is valid: :mod:`pioneer.web.qualitative.store` converts both ways and every write is
checked by building a library ``Project``. A document's ``text`` is the coordinate system
(code points, LF line ends); segments hold ``start``/``end`` into it and the quoted text.

Transcripts are identifiable: documents are bound to a site (``site_path``) so that
:func:`~pioneer.web.accounts.permissions.scope` narrows them, and every page that shows
one writes an audit event.
"""

from __future__ import annotations

from django.db import models

from pioneer.web.programme.models import Site


class QualFrame(models.Model):
    """A coding frame (current version) with its history of edits (library ``FrameChange``
    entries as JSON)."""

    frame_id = models.CharField(max_length=100, unique=True)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=300, blank=True)
    history = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ("frame_id",)

    def __str__(self) -> str:
        return f"{self.frame_id} v{self.version}"


class QualCode(models.Model):
    """One code of a frame; ``code_id`` is the stable id segments refer to (``B.I.A.T1``)."""

    frame = models.ForeignKey(QualFrame, on_delete=models.CASCADE, related_name="codes")
    code_id = models.CharField(max_length=100)
    label = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    colour = models.CharField(max_length=7, blank=True)
    parent_id = models.CharField(max_length=100, blank=True)
    #: Reading order of the frame (parents before their children).
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ("frame", "position")
        constraints = (
            models.UniqueConstraint(fields=["frame", "code_id"], name="qual_code_unique"),
        )

    def __str__(self) -> str:
        return f"{self.code_id} {self.label}"


class QualProject(models.Model):
    """A coding project: a frame, its documents, segments, memos and cases (as JSON)."""

    project_id = models.CharField(max_length=100, unique=True)
    title = models.CharField(max_length=300)
    frame = models.ForeignKey(QualFrame, on_delete=models.PROTECT, related_name="projects")
    fictional = models.BooleanField(default=False)
    #: Library ``Case`` entries: ``[{"id", "label", "variables": [[k, v]], "document_ids"}]``.
    cases = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ("project_id",)

    def __str__(self) -> str:
        return self.title


class QualDocument(models.Model):
    """An interview transcript or site document, with the interview register's fields."""

    project = models.ForeignKey(QualProject, on_delete=models.CASCADE, related_name="documents")
    document_id = models.CharField(max_length=100)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="qual_documents")
    kind = models.CharField(max_length=32)
    title = models.CharField(max_length=300)
    text = models.TextField()
    round = models.PositiveSmallIntegerField(null=True, blank=True)
    interviewee_type = models.CharField(max_length=200, blank=True, null=True)
    org_type = models.CharField(max_length=64, blank=True, null=True)
    date = models.CharField(max_length=32, blank=True, null=True)
    interviewer = models.CharField(max_length=200, blank=True, null=True)
    topic_guide_version = models.CharField(max_length=64, blank=True, null=True)
    consent = models.CharField(max_length=64, blank=True, null=True)
    fictional = models.BooleanField(default=False)
    source = models.CharField(max_length=500, blank=True, null=True)
    attributes = models.JSONField(default=list, blank=True)
    #: Position in the project's document order (the library keeps documents in order).
    position = models.PositiveIntegerField(default=0)

    #: Permission checks find the site of a row through this path (see accounts.permissions).
    site_path = "site"

    class Meta:
        ordering = ("project", "position", "document_id")
        constraints = (
            models.UniqueConstraint(fields=["project", "document_id"], name="qual_document_unique"),
        )

    def __str__(self) -> str:
        return self.title


class QualSegment(models.Model):
    """A coded passage ``text == document.text[start:end]`` (code points) and its codes."""

    project = models.ForeignKey(QualProject, on_delete=models.CASCADE, related_name="segments")
    segment_id = models.CharField(max_length=200)
    document = models.ForeignKey(QualDocument, on_delete=models.CASCADE, related_name="segments")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    text = models.TextField()
    #: The coder's user name (web coding) or the coder id of an imported coding.
    coder = models.CharField(max_length=150)
    #: ISO 8601 text, kept exactly as the library has it.
    created = models.CharField(max_length=40)
    codes = models.ManyToManyField(QualCode, through="QualSegmentCode", related_name="+")

    site_path = "document__site"

    class Meta:
        ordering = ("document", "start", "end", "pk")
        constraints = (
            models.UniqueConstraint(fields=["project", "segment_id"], name="qual_segment_unique"),
            models.CheckConstraint(
                condition=models.Q(start__lt=models.F("end")), name="qual_segment_is_a_passage"
            ),
        )

    @property
    def site_id(self) -> int:
        """The document's site, so audit events of a segment name it."""
        return self.document.site_id

    def __str__(self) -> str:
        return self.segment_id


class QualSegmentCode(models.Model):
    """One code on a segment, in the order the segment lists its codes."""

    segment = models.ForeignKey(QualSegment, on_delete=models.CASCADE, related_name="codings")
    code = models.ForeignKey(QualCode, on_delete=models.PROTECT, related_name="codings")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("segment", "position")
        constraints = (
            models.UniqueConstraint(fields=["segment", "code"], name="qual_segment_code_unique"),
        )


class QualMemo(models.Model):
    """An analyst's memo; ``about`` lists the ids (documents, segments, codes, sites)."""

    project = models.ForeignKey(QualProject, on_delete=models.CASCADE, related_name="memos")
    memo_id = models.CharField(max_length=200)
    title = models.CharField(max_length=300, blank=True)
    text = models.TextField()
    author = models.CharField(max_length=150, blank=True)
    created = models.CharField(max_length=40, blank=True)
    about = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ("project", "pk")
        constraints = (
            models.UniqueConstraint(fields=["project", "memo_id"], name="qual_memo_unique"),
        )

    def __str__(self) -> str:
        return self.memo_id
