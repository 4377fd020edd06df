"""Serve Producer as a web chat: ``chainlit run app.py`` (``make web``).

The thin entry Chainlit loads: the handlers live in ``agent.web`` (``handlers`` registers them,
``turns`` runs a turn through ``agent.chat.session.Session``, ``render`` shows its events).
"""

from __future__ import annotations

from agent.web.handlers import install

CHAT = install()
