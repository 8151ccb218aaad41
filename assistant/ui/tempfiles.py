"""The web app's temporary files: what browsers post (uploads) and exported transcripts.

Gradio keeps every posted file in its temporary folder (by default `/tmp/gradio`, readable by other
local users) until someone deletes it, and so did our transcripts. `assistant serve` instead gives
Gradio a private folder of its own (`GRADIO_TEMP_DIR`): `<tmp>/gender-justice-assistant-<uid>/server-…/`,
0700. A posted file is deleted as soon as it is copied into the uploads store (or refused); a
transcript lives there until the server stops, when the folder is removed; a folder left by a server
that was killed is removed when the next one starts (each live server holds a lock in its folder)."""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import tempfile
from pathlib import Path

from assistant.errors import AssistantError
from assistant.private import private_dir

log = logging.getLogger(__name__)

LOCK = ".server.lock"


def temp_root() -> Path:
    return Path(tempfile.gettempdir()) / f"gender-justice-assistant-{os.getuid()}"


def sweep(root: Path) -> list[Path]:
    """Remove the folders of servers that are no longer running; return them."""
    removed = []
    for folder in sorted(root.glob("server-*")):
        try:
            with open(folder / LOCK, "a") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # fails while its server runs
        except BlockingIOError:
            continue
        except OSError:
            pass  # no lock file: a server that died while starting
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


class ServerFiles:
    """This server's private temporary folder, made Gradio's; `close()` removes it."""

    def __init__(self) -> None:
        root = private_dir(temp_root())
        if root.stat().st_uid != os.getuid():
            raise AssistantError(f"the temporary folder {root} belongs to another user: remove it or set TMPDIR")
        for folder in sweep(root):
            log.warning("removed the temporary files of a server that stopped without cleaning up: %s", folder)
        self.folder = Path(tempfile.mkdtemp(prefix="server-", dir=root))  # 0700
        self._lock = open(self.folder / LOCK, "a")
        fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._previous = os.environ.get("GRADIO_TEMP_DIR")
        os.environ["GRADIO_TEMP_DIR"] = str(self.folder)  # read by each Gradio component and the app

    def close(self) -> None:
        if self._lock.closed:
            return
        shutil.rmtree(self.folder, ignore_errors=True)
        self._lock.close()
        if self._previous is None:
            os.environ.pop("GRADIO_TEMP_DIR", None)
        else:
            os.environ["GRADIO_TEMP_DIR"] = self._previous


def gradio_folder() -> Path:
    import gradio as gr

    return Path(gr.utils.get_upload_folder()).resolve()


def discard_posted(path: str | Path | None) -> None:
    """Delete a file a browser posted, once it has been copied (or refused), and its folder if empty.
    Only files inside Gradio's temporary folder are touched."""
    if not path:
        return
    path = Path(path).resolve()
    folder = gradio_folder()
    if not path.is_relative_to(folder) or path == folder:
        return
    path.unlink(missing_ok=True)
    if path.parent != folder:
        try:
            path.parent.rmdir()
        except OSError:
            pass  # not empty: another file shares it


def private_export_path(name: str) -> Path:
    """Where to write a file for download: a new private folder inside Gradio's temporary folder, so Gradio
    serves it from there without copying it elsewhere."""
    base = private_dir(gradio_folder() / "exports")
    return Path(tempfile.mkdtemp(dir=base)) / name
