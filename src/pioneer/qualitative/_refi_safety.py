"""Reading untrusted REFI-QDA files safely: zip archives with size, ratio, count and path
limits, and XML with no DTDs, no entities and no network.

Every refusal is a :class:`~pioneer.errors.DataFileError` naming the archive, the member and
what to do. Nothing here writes a file.
"""

from __future__ import annotations

import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import defusedxml
import defusedxml.ElementTree
from lxml import etree

from pioneer.errors import DataFileError

_MIB = 1024 * 1024


@dataclass(frozen=True)
class ArchiveLimits:
    """How much an imported archive may hold before it is refused as a possible zip bomb.

    Sizes are uncompressed bytes. The ratio is uncompressed over compressed size and is only
    checked for members larger than ``ratio_applies_above`` (tiny files compress oddly).
    """

    max_members: int = 10_000
    max_member_bytes: int = 64 * _MIB
    max_total_bytes: int = 256 * _MIB
    max_ratio: float = 100.0
    ratio_applies_above: int = 1 * _MIB

    def __post_init__(self) -> None:
        for name in ("max_members", "max_member_bytes", "max_total_bytes", "max_ratio"):
            if getattr(self, name) <= 0:
                raise ValueError(f"ArchiveLimits.{name} must be positive")


DEFAULT_LIMITS = ArchiveLimits()

_DRIVE = re.compile(r"^[A-Za-z]:")
_CHUNK = 64 * 1024


def where(archive: str | Path, member: str | None = None) -> str:
    """How an error names a file inside an archive."""
    return f"{archive}" if member is None else f"{archive} (member {member!r})"


def unsafe_member_name(name: str) -> str | None:
    """Why ``name`` would land outside the archive's folder if extracted, or None if it is
    safe. Backslashes count as separators (Windows tools write them)."""
    if "\x00" in name:
        return "contains a NUL character"
    text = name.replace("\\", "/")
    if text.startswith("/"):
        return "is an absolute path"
    if _DRIVE.match(text):
        return "starts with a drive letter"
    if any(part == ".." for part in PurePosixPath(text).parts):
        return "climbs out of the archive with '..'"
    return None


class SafeArchive:
    """A zip archive opened for reading after its central directory passed every check.

    Use as a context manager; :meth:`read` enforces the limits again while decompressing, so
    a member whose header understates its size is caught too.
    """

    def __init__(self, path: str | Path, limits: ArchiveLimits = DEFAULT_LIMITS) -> None:
        self.path = Path(path)
        self.limits = limits
        self._read_total = 0
        try:
            self._zip = zipfile.ZipFile(self.path)
        except FileNotFoundError:
            raise DataFileError(
                self.path, "the file does not exist", fix="check the path and try again"
            ) from None
        except (zipfile.BadZipFile, OSError) as exc:
            raise DataFileError(
                self.path,
                f"not a zip archive ({exc})",
                expected="a .qdpx file (a zip holding project.qde and Sources/)",
                fix="export the project again from the QDA program as a REFI-QDA project",
            ) from None
        try:
            self._check_directory()
        except BaseException:
            self._zip.close()
            raise
        self.names = [info.filename for info in self._zip.infolist()]

    def __enter__(self) -> SafeArchive:
        return self

    def __exit__(self, *exc: object) -> None:
        self._zip.close()

    def _check_directory(self) -> None:
        infos = self._zip.infolist()
        limits = self.limits
        if len(infos) > limits.max_members:
            raise DataFileError(
                self.path,
                f"the archive holds {len(infos)} members, more than the limit of "
                f"{limits.max_members}",
                fix="a REFI-QDA project needs one project.qde and one file per source; "
                "split the project or raise the limit (ArchiveLimits.max_members)",
            )
        seen: set[str] = set()
        total = 0
        for info in infos:
            name = info.filename
            reason = unsafe_member_name(name)
            if reason:
                raise DataFileError(
                    where(self.path, name),
                    f"the member's path {reason}",
                    fix="refuse this archive: a genuine REFI-QDA export only holds relative "
                    "paths under the archive's own folder",
                )
            mode = info.external_attr >> 16
            if info.create_system == 3 and stat.S_ISLNK(mode):
                raise DataFileError(
                    where(self.path, name),
                    "the member is a symbolic link",
                    fix="export the project again without links; Pioneer reads only regular files",
                )
            key = name.replace("\\", "/")
            if key in seen:
                raise DataFileError(
                    where(self.path, name),
                    "the archive holds two members with this name",
                    fix="export the project again; each member must be unique",
                )
            seen.add(key)
            if info.file_size > limits.max_member_bytes:
                raise DataFileError(
                    where(self.path, name),
                    f"the member is {info.file_size} bytes uncompressed, more than the "
                    f"limit of {limits.max_member_bytes}",
                    fix="this may be a zip bomb; if the file is genuine, raise "
                    "ArchiveLimits.max_member_bytes",
                )
            total += info.file_size
            if total > limits.max_total_bytes:
                raise DataFileError(
                    self.path,
                    f"the members add up to more than {limits.max_total_bytes} bytes uncompressed",
                    fix="this may be a zip bomb; if the project is genuine, raise "
                    "ArchiveLimits.max_total_bytes",
                )
            self._check_ratio(name, info.file_size, info.compress_size)

    def _check_ratio(self, name: str, size: int, compressed: int) -> None:
        limits = self.limits
        if size <= limits.ratio_applies_above:
            return
        ratio = size / max(compressed, 1)
        if ratio > limits.max_ratio:
            raise DataFileError(
                where(self.path, name),
                f"the member expands {ratio:.0f} times, more than the limit of "
                f"{limits.max_ratio:.0f}",
                fix="this looks like a zip bomb; Pioneer will not open it",
            )

    def info(self, name: str) -> zipfile.ZipInfo:
        return self._zip.getinfo(name)

    def find(self, name: str) -> str | None:
        """The member called ``name``, matched exactly or else ignoring letter case."""
        if name in self.names:
            return name
        folded = [n for n in self.names if n.casefold() == name.casefold()]
        return folded[0] if len(folded) == 1 else None

    def read(self, name: str) -> bytes:
        """The member's bytes, counted while they are decompressed."""
        info = self._zip.getinfo(name)
        limits = self.limits
        chunks: list[bytes] = []
        size = 0
        try:
            with self._zip.open(info) as stream:
                while True:
                    chunk = stream.read(_CHUNK)
                    if not chunk:
                        break
                    size += len(chunk)
                    self._read_total += len(chunk)
                    if size > limits.max_member_bytes or size > info.file_size:
                        raise DataFileError(
                            where(self.path, name),
                            "the member expands beyond the size its header declares or "
                            f"beyond the limit of {limits.max_member_bytes} bytes",
                            fix="this looks like a zip bomb or a tampered archive; Pioneer "
                            "will not open it",
                        )
                    if self._read_total > limits.max_total_bytes:
                        raise DataFileError(
                            self.path,
                            f"reading the members produced more than "
                            f"{limits.max_total_bytes} bytes",
                            fix="this looks like a zip bomb; Pioneer will not open it",
                        )
                    chunks.append(chunk)
        except zipfile.BadZipFile as exc:
            raise DataFileError(
                where(self.path, name),
                f"the member's data does not match its header ({exc})",
                fix="the archive is damaged or tampered with (a header may understate the "
                "size); export the project again",
            ) from None
        except (OSError, EOFError, RuntimeError) as exc:
            raise DataFileError(
                where(self.path, name),
                f"the member cannot be decompressed ({exc})",
                fix="the archive is damaged or encrypted; export the project again "
                "without a password",
            ) from None
        self._check_ratio(name, size, info.compress_size)
        return b"".join(chunks)


def _xml_error(file: str, problem: str, *, row: int | None = None, value=None) -> DataFileError:
    return DataFileError(
        file,
        problem,
        row=row,
        value=value,
        fix="export the file again from the QDA program; Pioneer reads plain REFI-QDA XML "
        "without DTDs or entity declarations",
    )


_LXML_PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}


def parse_xml(data: bytes, file: str) -> etree._ElementTree:
    """An lxml tree of ``data`` once defusedxml has refused any DTD, entity declaration or
    external reference in it; lxml is then asked never to load or resolve anything."""
    try:
        defusedxml.ElementTree.fromstring(
            data, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except defusedxml.DTDForbidden:
        raise _xml_error(
            file, "the XML declares a DTD (<!DOCTYPE ...>), which can hide entity attacks"
        ) from None
    except defusedxml.EntitiesForbidden:
        raise _xml_error(
            file, "the XML declares entities, which can expand without bound"
        ) from None
    except defusedxml.ExternalReferenceForbidden:
        raise _xml_error(file, "the XML refers to an external file or URL") from None
    except defusedxml.ElementTree.ParseError as exc:
        row = exc.position[0] if getattr(exc, "position", None) else None
        raise _xml_error(file, f"the XML is not well formed ({exc})", row=row) from None
    parser = etree.XMLParser(**_LXML_PARSER_OPTIONS)
    try:
        return etree.ElementTree(etree.fromstring(data, parser))
    except etree.XMLSyntaxError as exc:
        raise _xml_error(file, f"the XML is not well formed ({exc.msg})", row=exc.lineno) from None
