"""Subject check: the picture shows what the brief is about.

The built-in renderer records the icon it drew in each key frame; the icon's words (label and
search terms) are scored against the brief's subject with the same embedding the renderer chose
it by (tools.keyvisual.icon_meaning): how far it stands out over a typical icon. A provider's
picture is described by its prompt, which always names the subject, so it is not judged here.
"""

from __future__ import annotations

from functools import partial

from tools.handoffs import KeyFrame, QACheck
from tools.keyvisual.icon_meaning import MIN_MARGIN, subject_fit
from tools.keyvisual.icons import FALLBACK_ICON
from tools.qa.checks_base import Production, check, scene_name
from tools.qa.decode import Memo

_fits: Memo[tuple[float, float]] = Memo(64, "subject_fit")


def _drawn_icon(p: Production, frame: KeyFrame) -> str:
    """Return the icon the built-in renderer drew in a frame, or "" for a provider's picture."""
    if frame.subject_box is not None:
        return frame.subject_box.icon
    # Key visuals recorded before frames carried their box: all drawn, or none.
    return p.keyvisuals.subject.icon if p.keyvisuals.provider == "procedural" else ""


def subject_checks(p: Production) -> list[QACheck]:
    """Check, per scene and the poster frame, that the drawn subject is the brief's subject."""
    subject = p.brief.subject
    drawn: dict[int, list[tuple[KeyFrame, str]]] = {}
    for frame in [*p.keyvisuals.frames, *p.keyvisuals.heroes]:
        icon = _drawn_icon(p, frame)
        if icon:
            drawn.setdefault(frame.scene_index, []).append((frame, icon))
    out: list[QACheck] = []
    for index in sorted(drawn, key=lambda i: (i < 0, i)):
        fits = [(frame, icon, _fits.get((subject, icon), partial(subject_fit, subject, icon)))
                for frame, icon in drawn[index]]
        frame, icon, (similarity, margin) = min(fits, key=lambda f: f[2][1])
        name = scene_name(index)
        fix = (f"no icon in the built-in set shows “{subject}”: name the subject as a thing "
               "the camera sees (e.g. the product itself), or use an image provider"
               if icon == FALLBACK_ICON else
               f"redraw {name} with the icon chosen by meaning for “{subject}”, not '{icon}'")
        out.append(check(
            "picture_shows_subject", margin >= MIN_MARGIN, margin,
            f"the drawn subject's similarity to the brief's ≥ {MIN_MARGIN:g} above a typical "
            "icon's", "keyvisual", fix,
            detail=f"{name} ({frame.aspect}) draws '{icon}' for “{subject}”: similarity "
            f"{similarity:.2f}, {margin:+.2f} over a typical icon",
            variant=frame.aspect, scene=index,
        ))
    return out
