"""Write an answer in $EDITOR (or $VISUAL)."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path

from mlsd.errors import UserError


def edit_text(initial: str) -> str:
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        raise UserError("no editor set: export EDITOR (e.g. EDITOR=nano) to write answers in an editor")
    with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False, encoding="utf-8") as handle:
        handle.write(initial)
        path = Path(handle.name)
    try:
        # the editor command comes from the user's own environment, never from answer text
        subprocess.run([*shlex.split(editor), str(path)], check=False)
        return path.read_text(encoding="utf-8")
    finally:
        path.unlink(missing_ok=True)
