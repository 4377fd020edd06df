"""Remember composed scores: the same direction, length and seed always give the same samples.

A revision that changes a voice line (a new CTA) re-mixes the music under the new line; the bed
itself is the same, so it is copied from here instead of composed again (0.2-0.4 s of numpy on
two cores, a tenth of such a revision). Like the other stage caches it is keyed by content and
never pruned; deleting it only costs a composition.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
from pathlib import Path

from tools.common.atomic import write_atomic
from tools.handoffs import MusicDirection
from tools.music.score import ScoreInfo, compose_score

SCORE_CACHE = "scores"  # beside the music stage's run folders, shared by them (hex: no clash)
SCORE_VERSION = 1  # bump when compose_score writes different samples for the same inputs


def score_key(direction: MusicDirection, duration_s: float, seed: int, sample_rate: int) -> str:
    """Return the key of the score these inputs compose."""
    what = [json.loads(direction.score_json()), round(duration_s, 6), seed, sample_rate,
            SCORE_VERSION]
    return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()[:24]


def compose_cached(direction: MusicDirection, duration_s: float, out_path: Path, seed: int,
                   cache: Path, sample_rate: int = 48000) -> ScoreInfo:
    """Write the score to ``out_path``, from ``cache`` when it was composed before."""
    key = score_key(direction, duration_s, seed, sample_rate)
    wav, info = cache / f"score-{key}.wav", cache / f"score-{key}.json"
    out_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fields = json.loads(info.read_text(encoding="utf-8"))
        shutil.copyfile(wav, out_path)
        return ScoreInfo(**{**fields, "path": str(out_path.resolve())})
    except (OSError, ValueError, TypeError):
        pass  # not composed yet, or a half-kept entry: compose it
    score = compose_score(direction, duration_s, out_path, seed=seed, sample_rate=sample_rate)
    cache.mkdir(parents=True, exist_ok=True)
    write_atomic(wav, out_path.read_bytes())
    write_atomic(info, json.dumps(dataclasses.asdict(score)).encode())  # the wav first
    return score
