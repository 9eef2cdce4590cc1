"""Running `mlsd.cli.main` in a fresh process with a clean cache, and asking what it imported:
how the cache tests (help, screens) tell a render from a cache hit."""

from __future__ import annotations

import os
import subprocess
import sys

_PROBE = ("import sys; from mlsd.cli import main\n"
          "try:\n    main(sys.argv[1:])\nexcept SystemExit as exc:\n    code = exc.code\n"
          "rendered = any(m in sys.modules for m in %r)\n"
          "sys.stderr.write(f'\\nrendered={rendered} code={code}')")


def run_main(tmp_path, args, rendering_modules: tuple[str, ...], **env) -> tuple[str, str]:
    """(stdout, "rendered=<any of rendering_modules imported> code=<exit status>") of `mlsd ARGS`,
    with its own cache and data folders and none of the colour or width settings of this shell."""
    full = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "MLSD_NO_CACHE")}
    full.update(XDG_CACHE_HOME=str(tmp_path / "cache"), MLSD_HOME=str(tmp_path / "home"), TERM="xterm", **env)
    done = subprocess.run([sys.executable, "-c", _PROBE % (rendering_modules,), *args], capture_output=True,
                          text=True, env=full, timeout=60)
    return done.stdout, done.stderr.rsplit("\n", 1)[-1]
