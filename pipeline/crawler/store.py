"""Store fetched bytes under the corpus folder with safe, collision-free names.

Names come from untrusted input (URL segments, Content-Disposition headers), so every
name is sanitised and the final path is checked to lie inside the corpus folder. The
sha256 prefix makes names unique per content; identical bytes are stored once.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import unicodedata
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qsl, unquote, urlsplit

ATTACHMENT_EXTS = ("pdf", "doc", "docx", "wps", "xls", "xlsx")

_CONTENT_TYPE_EXT = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/pdf": "pdf",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/kswps": "wps",
    "application/vnd.ms-works": "wps",
    "text/plain": "txt",
}
_KNOWN_EXTS = set(ATTACHMENT_EXTS) | {"html", "htm", "shtml", "txt"}
_UNSAFE = re.compile(r"[^\w\-]+", re.UNICODE)
_MAX_STEM = 60


def safe_component(text: str, fallback: str = "file") -> str:
    """Reduce any string to one harmless path component (letters, digits, _ and -)."""
    text = unicodedata.normalize("NFKC", text)
    text = _UNSAFE.sub("_", text).strip("_-")
    return text[:_MAX_STEM].rstrip("_-") or fallback


def host_dir(url: str) -> str:
    """Folder for one site: the host, with the port kept so two local servers never mix."""
    parts = urlsplit(url)
    host = (parts.hostname or "unknown-host").lower()
    if parts.port:
        host = f"{host}_{parts.port}"
    host = re.sub(r"[^a-z0-9.\-_]+", "_", host).strip(".")
    return host or "unknown-host"


def filename_from_disposition(header: str | None) -> str | None:
    """The filename a server suggests (RFC 6266, including filename*=UTF-8'')."""
    if not header:
        return None
    match = re.search(r"filename\*\s*=\s*[\w-]*'[^']*'([^;]+)", header, re.I)
    if match:
        return unquote(match.group(1).strip().strip('"'))
    match = re.search(r'filename\s*=\s*"([^"]*)"|filename\s*=\s*([^;]+)', header, re.I)
    if match:
        raw = (match.group(1) or match.group(2) or "").strip()
        # servers often send raw UTF-8 bytes, which httpx exposes as latin-1
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
            raw = raw.encode("latin-1").decode("utf-8")
        return unquote(raw)
    return None


def split_name(name: str) -> tuple[str, str | None]:
    """Split 'a/b/报告.PDF' into ('报告', 'pdf'); only the last segment is ever used."""
    last = PurePosixPath(name.replace("\\", "/")).name
    stem, dot, ext = last.rpartition(".")
    if dot and ext.lower() in _KNOWN_EXTS:
        return stem, ext.lower()
    return last, None


def derive_name(url: str, sha256: str, content_type: str | None, disposition: str | None) -> str:
    """Relative path `<host>/<sha256[:16]>_<name>.<ext>` for a fetched document."""
    suggested = filename_from_disposition(disposition)
    url_name = unquote(PurePosixPath(urlsplit(url).path).name)
    if split_name(url_name)[1] is None:  # downfile.jsp?filename=报告.pdf
        for _key, value in parse_qsl(urlsplit(url).query):
            if split_name(value)[1] is not None:
                url_name = value
                break
    stem, ext = split_name(suggested or url_name)
    if ext is None and suggested:
        stem_u, ext = split_name(url_name)
        stem = stem or stem_u
    if ext is None:
        mime = (content_type or "").split(";")[0].strip().lower()
        ext = _CONTENT_TYPE_EXT.get(mime, "bin")
    if ext in ("htm", "shtml"):
        ext = "html"
    return f"{host_dir(url)}/{sha256[:16]}_{safe_component(stem, 'index')}.{ext}"


class Store:
    """Writes each distinct content once; remembers sha256 → relative path."""

    def __init__(self, root: Path, known: dict[str, str] | None = None) -> None:
        self.root = root.resolve()
        self.by_sha: dict[str, str] = dict(known or {})

    def save(self, data: bytes, sha256: str, relpath: str) -> str:
        """Write `data` atomically unless the same bytes are stored; return the stored path."""
        existing = self.by_sha.get(sha256)
        if existing and (self.root / existing).is_file():
            return existing
        target = (self.root / relpath).resolve()
        if not target.is_relative_to(self.root) or target == self.root:
            raise ValueError(f"unsafe storage path: {relpath!r}")
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        stored = target.relative_to(self.root).as_posix()
        self.by_sha[sha256] = stored
        return stored

    def read(self, relpath: str) -> bytes | None:
        """Bytes of a stored file, or None when it is missing (e.g. deleted by hand)."""
        path = (self.root / relpath).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            return None
        return path.read_bytes()
