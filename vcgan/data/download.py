"""Download corpus archives: resumable, checksum-verified, then extracted once.

``fetch(resource, dest)`` downloads ``resource.url`` to ``dest/<filename>``:

* the transfer goes to ``<filename>.part`` and resumes from its size with an HTTP Range
  request (a server that ignores Range restarts it from zero);
* the finished file is checked against ``sha256`` (when known) before being renamed to
  its final name, so a complete-looking archive is always a verified one;
* an archive already present is verified and not downloaded again;
* extraction (zip, tar, tar.gz, tar.bz2) writes a marker ``.<filename>.extracted`` at the
  end, so an interrupted extraction is redone and a finished one is skipped. Members that
  would land outside ``dest`` are refused.

Checksums that could not be verified from a trustworthy source are ``None``: the archive is
then used unchecked and a warning says so.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tarfile
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

_CHUNK = 1 << 20  # bytes per read


class DownloadError(RuntimeError):
    """A download or extraction failed (message names the URL or file)."""


@dataclass(frozen=True)
class Resource:
    """One downloadable archive.

    Attributes:
        url: official address.
        filename: local file name.
        sha256: expected SHA-256 (hex) of the archive, or None when unknown.
    """

    url: str
    filename: str
    sha256: str | None = None


def sha256sum(path: Path) -> str:
    """Hex SHA-256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def _verify(path: Path, resource: Resource) -> None:
    if resource.sha256 is None:
        logger.warning("no known checksum for %s: %s used unverified", resource.url, path)
        return
    actual = sha256sum(path)
    if actual != resource.sha256:
        raise DownloadError(f"checksum mismatch for {path} (from {resource.url}): expected sha256 "
                            f"{resource.sha256}, got {actual}; the file was removed, download again")


def download(resource: Resource, dest: Path, timeout: float = 60.0) -> Path:
    """Download ``resource`` into directory ``dest`` (resuming a ``.part`` file); return the path."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    final = dest / resource.filename
    if final.is_file():
        try:
            _verify(final, resource)
        except DownloadError:
            final.unlink()
            raise
        logger.info("%s already downloaded", final)
        return final
    part = dest / (resource.filename + ".part")
    offset = part.stat().st_size if part.is_file() else 0
    request = urllib.request.Request(resource.url, headers={"User-Agent": "vcgan-downloader"})
    if offset:
        request.add_header("Range", f"bytes={offset}-")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            resumed = offset > 0 and getattr(response, "status", None) == 206
            if offset and not resumed:
                logger.info("server ignored the resume request: restarting %s", resource.url)
            mode = "ab" if resumed else "wb"
            logger.info("downloading %s -> %s%s", resource.url, final,
                        f" (resuming at {offset} bytes)" if resumed else "")
            with open(part, mode) as out:
                shutil.copyfileobj(response, out, _CHUNK)
    except OSError as e:  # URLError, HTTPError and socket errors are OSErrors
        raise DownloadError(f"download of {resource.url} failed: {e}; run again to resume "
                            f"({part} is kept)") from e
    try:
        _verify(part, resource)
    except DownloadError:
        part.unlink()
        raise
    os.replace(part, final)
    return final


def _safe_members(names: list[str], dest: Path, archive: Path) -> None:
    root = dest.resolve()
    for name in names:
        target = (root / name).resolve()
        if target != root and root not in target.parents:
            raise DownloadError(f"{archive}: member '{name}' would be written outside {dest}")


def extract(archive: Path, dest: Path) -> Path:
    """Extract ``archive`` into ``dest`` once (marker file); return ``dest``."""
    archive, dest = Path(archive), Path(dest)
    marker = dest / f".{archive.name}.extracted"
    if marker.is_file():
        logger.info("%s already extracted into %s", archive, dest)
        return dest
    dest.mkdir(parents=True, exist_ok=True)
    logger.info("extracting %s -> %s", archive, dest)
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as z:
                _safe_members(z.namelist(), dest, archive)
                z.extractall(dest)
        elif tarfile.is_tarfile(archive):
            with tarfile.open(archive) as t:
                members = t.getmembers()
                _safe_members([m.name for m in members], dest, archive)
                bad_links = [m.name for m in members if m.islnk() or m.issym()]
                if bad_links:
                    raise DownloadError(f"{archive}: links are not allowed: {bad_links[:3]}")
                t.extractall(dest)
        else:
            raise DownloadError(f"{archive}: not a zip or tar archive")
    except (zipfile.BadZipFile, tarfile.TarError, EOFError) as e:
        raise DownloadError(f"{archive}: damaged archive ({e}); delete it and download again") from e
    marker.write_text(f"{archive.name}\n")
    return dest


def fetch(resource: Resource, dest: Path) -> Path:
    """Download (resumable, verified) and extract ``resource`` into ``dest``; return ``dest``."""
    return extract(download(resource, dest), dest)
