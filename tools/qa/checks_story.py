"""Story checks: the anchor carried into every prompt, copy and picture serving each scene's goal,
the brief's tone, its must-haves and its call to action.

Relevance is measured with the offline sentence embedding against unrelated reference sentences,
because raw cosine similarity of short lines is low even when they fit. It is a coarse guard:
it catches copy and pictures about something else, not copy that is merely weak.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from memory.embedding import MODEL_PACKAGE, embed_texts
from tools.common.blas_threads import single_threaded
from tools.handoffs import QACheck
from tools.qa.checks_base import THRESHOLDS, Production, check, contains_phrase, scene_name
from tools.qa.decode import Memo

# Lines about other things entirely: the baseline a scene's copy must beat.
UNRELATED = (
    "The quarterly tax filing deadline is approaching for small businesses.",
    "Our dental clinic offers teeth whitening on weekends.",
    "a red sports car drifting on a race track at night",
    "Vote for the new city council budget on Tuesday.",
    "wide shot of a snowy mountain ridge with skiers",
    "Meet our new accounting software.",
    "Crypto prices fell sharply this morning.",
    "Download the app and get a free pizza tonight.",
    "an empty parking garage under fluorescent light",
    "Insurance quotes in under five minutes.",
)
OTHER_TONES = (
    "aggressive and dark",
    "silly and chaotic",
    "formal and corporate",
    "sad and somber",
    "frantic and loud",
    "cold and clinical",
    "sleepy and dull",
    "ironic and sarcastic",
)


def prompt_checks(p: Production) -> list[QACheck]:
    """Check the anchor's style words and subject reference reach every image and motion prompt."""
    words = [w.lower() for w in p.anchor.words]
    subject = [p.anchor.subject.name.lower(), p.anchor.subject.silhouette.lower()]
    out: list[QACheck] = []
    sets = (
        ("keyvisual", "image", [(f.scene_index, f.aspect, f.prompt)
                                for f in [*p.keyvisuals.frames, *p.keyvisuals.heroes]]),
        ("motion", "motion", [(c.scene_index, c.aspect, c.prompt) for c in p.motion.clips]),
    )
    for stage, kind, prompts in sets:
        for name, wanted, what in (
            ("anchor_style_in_prompts", words, "the anchor's style words"),
            ("subject_in_prompts", subject, "the subject reference"),
        ):
            lacking = [
                (f"{scene_name(i)} ({aspect})", [w for w in wanted if w not in text.lower()])
                for i, aspect, text in prompts
            ]
            lacking = [(who, miss) for who, miss in lacking if miss]
            out.append(
                check(
                    name, not lacking, f"{len(prompts) - len(lacking)}/{len(prompts)}",
                    f"{what} in every {kind} prompt", stage,  # type: ignore[arg-type]
                    f"carry the anchor line into the {kind} prompt of "
                    + "; ".join(f"{who} (missing {', '.join(m[:3])})" for who, m in lacking[:4]),
                    detail=f"{len(prompts)} {kind} prompts",
                )
            )
    return out


# Vectors by text (on disk too): QA rounds, revisions and re-judgments of one production ask for
# mostly the same lines again (the reference lines every time), and loading the embedding model
# and running it is the critic's most expensive measurement; a revision whose words are
# unchanged loads no model at all.
_vectors: Memo[np.ndarray] = Memo(4096, "embedding")


def _embed(texts: list[str], references: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Embed ``texts`` and the reference lines in one pass, remembering every vector."""
    wanted = list(dict.fromkeys((*texts, *references)))
    missing = [t for t in wanted if not _vectors.known((MODEL_PACKAGE, t))]
    if missing:  # the model loads only when a line is new
        with single_threaded():
            for text, vector in zip(missing, embed_texts(missing), strict=True):
                _vectors.put((MODEL_PACKAGE, text), vector)
    known = {t: _vectors.get((MODEL_PACKAGE, t), partial(_one, t)) for t in wanted}
    return np.array([known[t] for t in texts]), np.array([known[r] for r in references])


def _one(text: str) -> np.ndarray:
    """Embed one line (only when it fell out of memory between the batch and its use)."""
    with single_threaded():
        vector: np.ndarray = embed_texts([text])[0]
    return vector


@dataclass(frozen=True)
class _Relevance:
    """Per scene, how far copy and picture beat unrelated lines; and how the anchor reads."""

    copy_margin: np.ndarray
    picture_margin: np.ndarray
    tone_margin: float
    closest_tone: str
    tone_text: str


def relevance_checks(p: Production) -> list[QACheck]:
    """Check each scene's copy and picture serve its goal, and the anchor carries the tone.

    Copy (narration and on-screen text) is judged from its own side: it must sit closer to its
    goal, its picture or the brief's topic than to unrelated subjects, because a short generic
    line ("Sound familiar?") is near nothing while copy about something else is near that. A
    picture description must beat the unrelated lines' closeness to its goal by a margin.
    """
    measured = _measure_relevance(p)
    return [*_scene_relevance_checks(p, measured), _tone_check(p, measured)]


def _measure_relevance(p: Production) -> _Relevance:
    """Embed goals, copy, pictures, topic and tones once and measure every margin from them."""
    b, a, scenes = p.brief, p.anchor, p.script.scenes
    n = len(scenes)
    context = f"({b.subject}, for {b.audience})"
    tone_text = f"{', '.join(a.words)}; {a.lighting}; {a.music.mood} music; {a.voice.name}"
    texts = [
        *(f"{s.goal} {context}" for s in scenes),
        *(f"{s.on_screen_text}. {s.narration}".strip(". ") for s in scenes),
        *(s.visual.split(";")[0] for s in scenes),
        f"{b.subject}: {b.key_message}. {b.goal}",
        p.accept.tone,
        tone_text,
    ]
    others = tuple(t for t in OTHER_TONES if not contains_phrase(p.accept.tone, t))
    v, known = _embed(texts, (*UNRELATED, *others))
    goals, copy, pictures = v[:n], v[n : 2 * n], v[2 * n : 3 * n]
    topic, tone, anchor = v[3 * n], v[3 * n + 1], v[3 * n + 2]
    refs, other = known[: len(UNRELATED)], known[len(UNRELATED) :] @ anchor
    own = np.maximum(np.maximum(np.sum(copy * goals, 1), np.sum(copy * pictures, 1)), copy @ topic)
    copy_margin = own - (copy @ refs.T).max(axis=1)
    picture_margin = np.sum(pictures * goals, 1) - np.sort(goals @ refs.T, axis=1)[:, -3:].mean(1)
    closest = int(np.argmax(other))
    tone_margin = float(tone @ anchor - other[closest])
    return _Relevance(copy_margin, picture_margin, tone_margin, others[closest], tone_text)


def _scene_relevance_checks(p: Production, measured: _Relevance) -> list[QACheck]:
    """Judge every scene's copy and picture by their margins over unrelated subjects."""
    copy_min, picture_min = THRESHOLDS["copy_margin"], THRESHOLDS["picture_margin"]
    out: list[QACheck] = []
    margins = zip(p.script.scenes, measured.copy_margin, measured.picture_margin, strict=True)
    for s, mc, mp in margins:
        name = scene_name(s.index)
        out.append(
            check(
                "copy_serves_goal", mc >= copy_min, float(mc),
                f"margin ≥ {copy_min:g} over unrelated subjects", "script",
                f"{name}'s narration is about something else: rewrite it to serve “{s.goal}”",
                scene=s.index,
            )
        )
        out.append(
            check(
                "picture_serves_goal", mp >= picture_min, float(mp),
                f"margin ≥ {picture_min:g} over unrelated shots", "script",
                f"rewrite {name}'s visual so the camera shows its goal: “{s.goal}”",
                scene=s.index,
            )
        )
    return out


def _tone_check(p: Production, measured: _Relevance) -> QACheck:
    """Judge whether the anchor reads as another tone outright rather than the brief's own.

    The anchor fails its tone only when one of the other tones reads clearly closer than the
    brief's own: measured on 13 clean productions and every anchor judged against the other
    briefs' tones, clean anchors sit at -0.10 to +0.31 while a different brief's tone scores a
    median -0.08, so the embedding cannot tell a fitting anchor from a merely different one;
    only an anchor that reads as another tone outright (≤ -0.15) is a reliable failure.
    """
    limit = THRESHOLDS["tone_margin"]
    closest = measured.closest_tone
    return check(
        "tone", measured.tone_margin >= limit, measured.tone_margin,
        f"≥ {limit:g}: no other tone reads clearly closer", "anchor",
        f"the style anchor reads as “{closest}” rather than “{p.accept.tone}”: "
        "re-derive its style words, music mood and voice from the brief's tone",
        detail=f"anchor: {measured.tone_text}; closest other tone “{closest}”",
    )


def copy_checks(p: Production, captions: list[tuple[float, str]]) -> list[QACheck]:
    """Check the CTA closes the copy, the must-haves appear, and the narration language.

    ``captions`` are (start, text) cues read from every caption file of every cut.
    """
    out: list[QACheck] = []
    last = p.script.scenes[-1]
    cta = p.accept.cta
    start = p.audio.timeline[-1].start_s if p.audio.timeline else 0.0
    tail = " ".join(text for a, text in captions if a >= start - 0.05)
    said = contains_phrase(last.narration, cta)
    shown = contains_phrase(tail, cta) or contains_phrase(last.on_screen_text, cta)
    out.append(
        check(
            "cta_in_copy", said or shown, "said" if said else "shown" if shown else "missing",
            "the CTA in the last scene's narration or captions", "script",
            f"end the last scene's narration with the CTA “{cta}” and show it on screen",
        )
    )
    everything = " ".join(
        [*(s.narration for s in p.script.scenes), *(s.on_screen_text for s in p.script.scenes),
         *(text for _, text in captions), p.edit.cta]
    )
    for phrase in p.accept.must_have:
        out.append(
            check(
                "must_have", contains_phrase(everything, phrase), phrase,
                "in narration, captions or on-screen text", "script",
                f"say or show “{phrase}” (the brief's must-have), e.g. in the proof scene",
                detail=phrase,
            )
        )
    want = p.accept.languages[0]
    out.append(
        check(
            "narration_language", p.script.language == want, p.script.language, f"= {want}",
            "script", f"write and voice the narration in {want}",
        )
    )
    return out

