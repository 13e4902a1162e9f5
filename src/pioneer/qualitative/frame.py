"""Coding frames from YAML, and the default barriers-and-facilitators frame.

The default frame has the shape of the interim report's Appendix D (002 seed): two roots,
``B`` (barriers) and ``F`` (facilitators); levels I–III below them (national,
organisational/professional, local); lettered subheadings and named themes below those.
Ids are the codes of the reference extract (``B.I.A.T1``), so they stay stable across
versions. Labels are the appendix headings; descriptions are our own coding guidance.

A frame file is YAML: ``id``, ``version``, ``title`` and a list ``codes`` of mappings
with ``id``, ``label``, optional ``parent``, ``description`` and ``colour``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml

from pioneer.errors import DataFileError, PioneerError
from pioneer.qualitative.model import Code, CodingFrame, FrameChange

#: The packaged default frame.
DEFAULT_FRAME_FILE = "frame_barriers_facilitators.yaml"


def default_frame() -> CodingFrame:
    """The barriers-and-facilitators frame shipped with Pioneer (version 1)."""
    resource = resources.files("pioneer") / "data" / "qualitative" / DEFAULT_FRAME_FILE
    return frame_from_text(resource.read_text(encoding="utf-8"), DEFAULT_FRAME_FILE)


def load_frame(path: str | Path) -> CodingFrame:
    """A coding frame read from a YAML file (see the module docstring for the layout)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataFileError(path, "the file does not exist", fix="check the path") from None
    except UnicodeDecodeError as exc:
        raise DataFileError(
            path, f"the file is not UTF-8 (byte {exc.start})", fix="save it as UTF-8"
        ) from None
    return frame_from_text(text, str(path))


def frame_from_text(text: str, file: str = "<frame>") -> CodingFrame:
    """A coding frame parsed from YAML text; ``file`` names it in errors."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DataFileError(file, f"the YAML cannot be parsed ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("codes"), list):
        raise DataFileError(
            file, "a frame file needs a mapping with a list 'codes'", fix="see docs/qualitative"
        )
    codes = []
    for row, entry in enumerate(data["codes"], start=1):
        if not isinstance(entry, dict) or "id" not in entry or "label" not in entry:
            raise DataFileError(
                file, "each code needs an id and a label", row=row, value=str(entry)[:60]
            )
        unknown = set(entry) - {"id", "label", "parent", "description", "colour"}
        if unknown:
            raise DataFileError(
                file,
                "unknown key in a code",
                row=row,
                value=sorted(unknown)[0],
                expected="id, label, parent, description, colour",
            )
        try:
            codes.append(
                Code(
                    id=str(entry["id"]),
                    label=str(entry["label"]),
                    description=str(entry.get("description") or ""),
                    colour=entry.get("colour"),
                    parent_id=None if entry.get("parent") is None else str(entry["parent"]),
                )
            )
        except DataFileError as exc:
            raise DataFileError(file, exc.problem, row=row, value=exc.value, fix=exc.fix) from None
    try:
        version = int(data.get("version", 1))
    except (TypeError, ValueError):
        raise DataFileError(
            file, "the version is not a whole number", value=data.get("version")
        ) from None
    frame_id = str(data.get("id", "frame"))
    try:
        return CodingFrame(
            id=frame_id,
            version=version,
            codes=tuple(codes),
            title=str(data.get("title", "")),
            history=(FrameChange("create", 0, version, (), tuple(c.id for c in codes)),),
        )
    except PioneerError as exc:
        raise DataFileError(file, str(exc)) from None


def frame_to_yaml(frame: CodingFrame) -> str:
    """The frame as YAML text in the layout :func:`frame_from_text` reads."""
    codes = []
    for code in frame.codes:
        entry: dict[str, object] = {"id": code.id, "label": code.label}
        if code.parent_id is not None:
            entry["parent"] = code.parent_id
        if code.colour:
            entry["colour"] = code.colour
        if code.description:
            entry["description"] = code.description
        codes.append(entry)
    data = {"id": frame.id, "version": frame.version, "title": frame.title, "codes": codes}
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
