"""Narration with the real voices: piper, espeak-ng, and a remote TTS on a loopback server."""

from __future__ import annotations

import io
import json
import threading
import time
import wave
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pytest
from scipy.io import wavfile

from tests.conftest import style_anchor
from tools.common.http import HttpEndpoint
from tools.handoffs import Scene, Script, StyleAnchor, VoicePersona
from tools.voice import narrate as voice_module
from tools.voice.narrate import (
    MIN_LENGTH_SCALE,
    PIPER_PACE,
    length_scale,
    narrate,
    speech_seconds,
)
from tools.voice.openai_tts import OpenAITTSProvider

pytestmark = pytest.mark.integration

ENGLISH = [
    "Meet the kettle that boils in ninety seconds.",
    "",
    "Brushed steel, a quiet base, and a handle that stays cool.",
]
SPANISH = [
    "Conoce la tetera que hierve en noventa segundos.",
    "Acero cepillado y un asa que no se calienta.",
]


def _anchor(gender: Literal["male", "female", "neutral"] = "male") -> StyleAnchor:
    return style_anchor(voice=VoicePersona(name="warm narrator", gender=gender))


def _script(lines: list[str], language: str = "en", seconds: float = 4.0) -> Script:
    scenes = [
        Scene(index=i, goal="g", visual="v", narration=t, motion="push_in", duration_s=seconds)
        for i, t in enumerate(lines)
    ]
    return Script(language=language, hook="h", cta="c", scenes=scenes)


def _measure(path: str) -> tuple[float, float]:
    """Return (seconds, RMS in dBFS) read straight from the file."""
    rate, data = wavfile.read(path)
    assert data.ndim == 1, "narration must be mono"
    x = data.astype(np.float64) / 32768.0
    rms = float(np.sqrt(np.mean(x**2))) if x.size else 0.0
    return len(x) / rate, 20 * np.log10(max(rms, 1e-9))


def _check_spoken(narration_lines: list[Any]) -> None:
    for line in narration_lines:
        assert Path(line.path).is_absolute() and Path(line.path).is_file()
        seconds, rms_db = _measure(line.path)
        assert seconds == pytest.approx(line.duration_s, abs=0.01)
        if line.words:
            assert rms_db > -35, f"line {line.scene_index} is near silent ({rms_db:.1f} dBFS)"
            assert 1.5 <= line.words / seconds <= 4.5


def test_piper_narrates_english_with_silence_for_empty_lines(tmp_path: Path) -> None:
    started = time.perf_counter()
    narration = narrate(_script(ENGLISH), _anchor(), tmp_path)
    elapsed = time.perf_counter() - started

    assert narration.provider == "piper"
    assert narration.voice == "en_US-joe-medium"
    _check_spoken(narration.lines)
    empty = narration.lines[1]
    assert empty.words == 0 and 0 < empty.duration_s < 1.0
    assert _measure(empty.path)[1] < -80
    spoken = sum(line.duration_s for line in narration.lines if line.words)
    print(f"piper load {voice_module.piper_load_s}s; {spoken:.1f}s of speech in {elapsed:.2f}s")


def test_piper_pace_follows_the_persona(tmp_path: Path) -> None:
    lines = [ENGLISH[0], ENGLISH[2]]
    slow, fast = _anchor(), _anchor()
    slow.voice.words_per_second = 1.8
    fast.voice.words_per_second = 3.4
    script = _script(lines, seconds=10.0)  # room enough that nothing is sped up to fit
    slow_total = sum(x.duration_s for x in narrate(script, slow, tmp_path / "s").lines)
    fast_total = sum(x.duration_s for x in narrate(script, fast, tmp_path / "f").lines)
    assert slow_total > 1.4 * fast_total


# Lines like the offline writer's, with names, numbers and pauses: what the pace is measured on.
PACE_LINES = [
    "City runners aged 20 to 35, this one's for you.",
    "Meet our running sneaker. Featherlight foam that gives back every step.",
    "Take a closer look.",
    "Shop now, 20% off this week.",
    "Here's what I learned: one quiet hour before the world wakes up changed how I write.",
    "Recap: plants use sunlight, water and carbon dioxide to make sugar and oxygen.",
]


@pytest.mark.parametrize("wps", [2.4, 2.7])
def test_piper_speaks_at_the_persona_pace(tmp_path: Path, wps: float) -> None:
    """The persona's words per second is what comes out, so scripts can budget for it."""
    anchor = _anchor()
    anchor.voice.words_per_second = wps
    narration = narrate(_script(PACE_LINES, seconds=10.0), anchor, tmp_path)
    words = sum(line.words for line in narration.lines)
    seconds = sum(line.duration_s for line in narration.lines)
    print(f"persona {wps} wps: length_scale {length_scale(wps):.2f}, "
          f"spoke {words / seconds:.2f} wps")
    assert words / seconds == pytest.approx(wps, rel=0.1)
    assert not any("faster" in note for note in narration.notes)
    for line in narration.lines:
        # The estimate the script stage budgets with is close to the real line. Piper samples
        # noise in its duration predictor, so one long line varies by a few tenths run to run.
        assert speech_seconds(line.text, "en", wps) == pytest.approx(line.duration_s, abs=0.9)
        # Silence around the line is trimmed: the timeline adds its own breaths.
        rate, data = wavfile.read(line.path)
        loud = np.flatnonzero(np.abs(data.astype(np.int32)) > 0.004 * 32768)
        assert loud[0] / rate <= 0.05 and (len(data) - loud[-1]) / rate <= 0.08


def test_pace_table_is_monotonic_and_never_too_fast() -> None:
    rates = [r for _, r in PIPER_PACE]
    assert rates == sorted(rates, reverse=True)
    scales = [length_scale(w) for w in (1.8, 2.2, 2.5, 2.7, 3.0)]
    assert scales == sorted(scales, reverse=True)
    assert length_scale(4.0) < MIN_LENGTH_SCALE  # the provider clamps what the table allows


def test_narration_that_overruns_is_spoken_a_little_faster(tmp_path: Path) -> None:
    lines = [PACE_LINES[1], PACE_LINES[4]]
    anchor = _anchor()
    anchor.voice.words_per_second = 2.5
    relaxed = narrate(_script(lines, seconds=10.0), anchor, tmp_path / "relaxed")
    natural = sum(line.duration_s for line in relaxed.lines)
    # Scenes that leave about 10% too little time for that speech and its breaths.
    seconds = (natural * 0.9 + 2 * 0.6) / 2
    tight = narrate(_script(lines, seconds=seconds), anchor, tmp_path / "tight")
    sped = sum(line.duration_s for line in tight.lines)
    assert any("faster" in note and "length_scale" in note for note in tight.notes), tight.notes
    assert 0.75 * natural < sped < natural
    assert not any("over the" in note for note in tight.notes), tight.notes

    hopeless = narrate(_script(lines, seconds=2.0), anchor, tmp_path / "hopeless")
    assert any("faster" in note for note in hopeless.notes)
    assert any("over the 4 s asked for" in note for note in hopeless.notes), hopeless.notes


@pytest.mark.parametrize(
    ("language", "lines"),
    [
        ("es", [*SPANISH, "Compra ahora, veinte por ciento de descuento esta semana."]),
        ("fr", ["Coureurs urbains de 20 à 35 ans, c'est pour vous.",
                "Une mousse légère qui vous rend chaque pas.",
                "Ce que j'ai appris : les pots imparfaits enseignent les meilleures leçons.",
                "Envie d'en savoir plus ? Réservez votre cours gratuit."]),
        ("de", ["Stadtläufer zwischen 20 und 35, das ist für euch.",
                "Federleichter Schaum, der jeden Schritt zurückgibt.",
                "Was ich gelernt habe: Unperfekte Töpfe sind die besten Lehrer.",
                "Mehr davon? Buche deine kostenlose Probestunde."]),
    ],
)
def test_espeak_speaks_at_the_persona_pace(tmp_path: Path, language: str, lines: list[str]) -> None:
    narration = narrate(_script(lines, language=language, seconds=10.0), _anchor(), tmp_path)
    words = sum(line.words for line in narration.lines)
    seconds = sum(line.duration_s for line in narration.lines)
    assert words / seconds == pytest.approx(_anchor().voice.words_per_second, rel=0.2)


def test_spanish_falls_back_to_espeak(tmp_path: Path) -> None:
    narration = narrate(_script(SPANISH, language="es"), _anchor(), tmp_path)
    assert narration.provider == "espeak-ng"
    assert narration.voice.startswith("es")
    assert any("es" in note and "espeak" in note for note in narration.notes)
    assert all(line.language == "es" for line in narration.lines)
    _check_spoken(narration.lines)


def test_female_persona_uses_an_espeak_female_variant(tmp_path: Path) -> None:
    narration = narrate(_script([ENGLISH[0], ENGLISH[2]]), _anchor("female"), tmp_path)
    assert narration.provider == "espeak-ng"
    assert "+f" in narration.voice
    _check_spoken(narration.lines)


# --------------------------------------------------------------------------- remote TTS


def _tone_wav(seconds: float, rate: int = 24000) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    # A syllable-like tone: 180 Hz voiced buzz pulsing four times a second.
    x = 0.4 * np.sin(2 * np.pi * 180 * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 4 * t))
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((x * 32767).astype("<i2").tobytes())
    return buf.getvalue()


@pytest.fixture
def tts_server() -> Iterator[tuple[str, dict[str, Any]]]:
    """Serve /v1/audio/speech on 127.0.0.1; ``state['mode']`` picks ok, error or slow."""
    state: dict[str, Any] = {"mode": "ok", "requests": []}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state["requests"].append({"path": self.path, "body": body,
                                      "auth": self.headers.get("Authorization")})
            if state["mode"] == "error":
                self.send_response(500)
                self.end_headers()
                return
            if state["mode"] == "slow":
                time.sleep(1.0)
            audio = _tone_wav(0.4 * len(body["input"].split()))
            try:
                self.send_response(200)
                self.send_header("Content-Type", "audio/wav")
                self.send_header("Content-Length", str(len(audio)))
                self.end_headers()
                self.wfile.write(audio)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client already gave up: that is the timeout under test

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", state
    finally:
        server.shutdown()
        server.server_close()


def test_remote_tts_writes_what_the_server_speaks(
    tmp_path: Path, tts_server: tuple[str, dict[str, Any]]
) -> None:
    base, state = tts_server
    endpoint = HttpEndpoint(base, api_key="sk-test", timeout_s=5)
    provider = OpenAITTSProvider(endpoint, "tts-1", "nova")
    narration = narrate(_script(ENGLISH), _anchor(), tmp_path, provider=provider)

    assert narration.provider == "openai-tts" and narration.voice == "nova"
    assert narration.sample_rate == 24000
    sent = state["requests"]
    assert len(sent) == 2  # the empty line is never sent
    # Lines are spoken two at a time, so the requests may arrive in either order.
    first = next(r for r in sent if r["body"]["input"] == ENGLISH[0])
    assert first["path"] == "/v1/audio/speech"
    assert first["body"] == {
        "model": "tts-1", "input": ENGLISH[0], "voice": "nova", "response_format": "wav",
    }
    assert first["auth"] == "Bearer sk-test"
    line = narration.lines[0]
    assert line.duration_s == pytest.approx(0.4 * line.words, abs=0.01)
    _check_spoken(narration.lines)


@pytest.mark.parametrize("mode", ["error", "slow"])
def test_remote_tts_failure_falls_back_to_piper(
    tmp_path: Path, tts_server: tuple[str, dict[str, Any]], mode: str
) -> None:
    base, state = tts_server
    state["mode"] = mode
    endpoint = HttpEndpoint(base, timeout_s=0.3, retries=0, backoff_s=0.01)
    narration = narrate(_script(ENGLISH), _anchor(), tmp_path, provider=OpenAITTSProvider(endpoint))

    assert narration.provider == "piper"
    assert any("openai-tts failed" in note for note in narration.notes)
    _check_spoken(narration.lines)
