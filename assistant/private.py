"""Files that hold what people asked, wrote or uploaded (feedback, the question log, uploads): readable
by the user running the assistant only (folders 0700, files 0600), written under a temporary name and
renamed into place, so that a failure (a full disk, a killed process) leaves the previous file whole."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600
FULL_DISK_ERRNOS = {errno.ENOSPC, errno.EDQUOT}


def private_dir(path: Path) -> Path:
    """Create `path` (and its parents) if needed and make it 0700."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    _chmod(path, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create an empty file 0600 if it does not exist; make an existing one 0600."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE))
    _chmod(path, FILE_MODE)
    return path


def append_private(path: Path, text: str) -> None:
    """Append text to a file that is created 0600 in a folder made 0700."""
    private_dir(path.parent)
    with os.fdopen(os.open(private_file(path), os.O_WRONLY | os.O_APPEND), "a", encoding="utf-8") as handle:
        handle.write(text)


def write_private(path: Path, data: bytes | str) -> None:
    """Replace `path` atomically by a 0600 file holding `data`; on failure no partial file is left."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # 0600
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def is_temporary(path: Path) -> bool:
    """A file `write_private` was writing when its process died."""
    return path.name.startswith(".") and path.name.endswith(".tmp")


def disk_full(exc: BaseException | None) -> bool:
    """Whether an error, or one it was raised from, says the disk (or the quota) is full; SQLite and
    Chroma's storage engine report it in words."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in FULL_DISK_ERRNOS:
            return True
        text = str(exc).lower()
        if "no space left" in text or "disk is full" in text or "disk quota" in text:
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _chmod(path: Path, mode: int) -> None:
    try:
        os.chmod(path, mode)
    except OSError as exc:  # a read-only mount: whoever writes there reports it
        if exc.errno not in (errno.EROFS, errno.EPERM, errno.EACCES):
            raise
