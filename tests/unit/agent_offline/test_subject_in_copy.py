"""The built-in copy names a subject the way English does: "our Leeds bike repair shop"."""

from __future__ import annotations

import pytest

from agent.brain.script import script_writer
from agent.offline.key_message import default_key_message
from agent.offline.model import OfflineChatModel
from tools.anchor.derive import derive_anchor
from tools.handoffs import Brief


def _spoken(subject: str) -> str:
    brief = Brief.model_validate({
        "title": subject.title(), "use_case": "campaign", "goal": "Bring people in",
        "audience": "busy locals", "platforms": ["reels"], "duration_s": 20, "tone": "warm",
        "key_message": default_key_message(subject), "cta": "Book today", "subject": subject,
        "languages": ["en"],
    })
    script = script_writer(OfflineChatModel())(brief, derive_anchor(brief))
    return " ".join(s.narration for s in script.scenes)


@pytest.mark.parametrize(
    ("subject", "said", "never"),
    [
        ("Leeds bike repair shop", "our Leeds bike repair shop", "Meet Leeds"),
        ("Lisbon coworking space", "our Lisbon coworking space", "Meet Lisbon"),
        ("Westside Jazz Festival", "the Westside Jazz Festival", "Meet Westside"),
        ("Harrogate Museum", "the Harrogate Museum", "Meet Harrogate"),
        ("Acme Coffee", "Acme Coffee", "our Acme Coffee"),
    ],
)
def test_a_place_before_a_common_noun_is_not_a_name(subject: str, said: str, never: str) -> None:
    spoken = _spoken(subject)
    assert said.lower() in spoken.lower()
    assert never not in spoken
