"""Load the later stages' heavy modules in a thread while the first stages run.

The music mix and the critic bring scipy, pyloudnorm and chromadb: seconds of imports that
used to sit between process start and the first stage. The production nodes import them when
they need them; this thread imports them meanwhile, while the early stages mostly wait on
numpy, onnxruntime and ffmpeg, so by the time music or QA runs they are usually loaded. Python's
per-module import locks make the two sides safe: a node that needs a module still loading waits
for it, and nothing is imported twice. The icon index (most of a second of YAML, under its own
lock) is parsed first: a full run's anchor needs it. A revision leaves it to the key frames'
stage, which a new CTA or line never runs.
"""

from __future__ import annotations

import importlib
import threading

# In the order the line needs them.
HEAVY_MODULES = ("tools.music.plan", "tools.qa.critic")
_started = threading.Event()


def warm_up(icons: bool = True) -> None:
    """Start loading the heavy modules in a daemon thread, once per process.

    Without ``icons`` the icon index is left to the stage that draws one: a revision that
    keeps the key frames (a new CTA or line) never needs it, and its parse (0.36 s holding
    the interpreter) slowed the revision's planning on the main thread to 0.6 s.
    """
    if _started.is_set():
        return
    _started.set()
    threading.Thread(target=load_now, args=(icons,), name="warm-imports", daemon=True).start()


def load_now(icons: bool = True) -> None:
    """Load here and now what the warm-up thread loads (a process that ran the line holds it)."""
    try:  # the icon index: the anchor's subject (a full run) or the key frames (a revision)
        if icons:
            from tools.keyvisual.render import warm_up as load_icon_index

            load_icon_index()
    except Exception:  # the stage's own call will raise it where it can be reported
        pass
    for name in HEAVY_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # the node's own import will raise it where it can be reported
            return
