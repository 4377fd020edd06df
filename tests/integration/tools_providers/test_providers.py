"""ComfyUI, ElevenLabs and OpenAI-compatible embeddings through a whole small production.

Real loopback servers speak each API (tests/integration/tools_providers/standins.py); the
production runs through ``producer make`` at a tenth of full size. The stand-ins count every
request, so the estimate printed before rendering is checked against the calls really made.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.cli.main import main
from tests.integration.tools_providers.standins import ComfyUI, ElevenLabs, Embeddings

pytestmark = pytest.mark.integration

BRIEF = """\
title: Lantern Tea
goal: Get people to try our new smoked tea this week
platforms: [reels]
duration_s: 10
key_message: Smoked over pine for a gentle, warm cup
cta: Order a tin today
subject: tea tin
languages: [en]
"""

# img2img: the subject's reference picture goes into LoadImage, encoded as the start latent.
IMG2IMG = {
    "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "model.safetensors"}},
    "2": {"class_type": "LoadImage", "inputs": {"image": "placeholder.png"}},
    "3": {"class_type": "VAEEncode", "inputs": {"pixels": ["2", 0], "vae": ["1", 2]}},
    "4": {"class_type": "CLIPTextEncode", "inputs": {"text": "", "clip": ["1", 1]}},
    "5": {"class_type": "CLIPTextEncode", "inputs": {"text": "ugly", "clip": ["1", 1]}},
    "6": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 512,
                                                        "batch_size": 1}},
    "7": {"class_type": "KSampler", "inputs": {
        "seed": 1, "steps": 20, "cfg": 7, "sampler_name": "euler", "scheduler": "normal",
        "denoise": 0.6, "model": ["1", 0], "positive": ["4", 0], "negative": ["5", 0],
        "latent_image": ["3", 0]}},
    "8": {"class_type": "VAEDecode", "inputs": {"samples": ["7", 0], "vae": ["1", 2]}},
    "9": {"class_type": "SaveImage", "inputs": {"images": ["8", 0]}},
}
PRICES = {"comfyui": {"*": {"image": 0.002}},
          "elevenlabs": {"*": {"1k_characters": 0.30}},
          "openai-embeddings": {"*": {"1m_tokens": 0.02}}}


@pytest.fixture
def servers() -> Iterator[tuple[ComfyUI, ElevenLabs, Embeddings]]:
    found = (ComfyUI().start(), ElevenLabs().start(), Embeddings().start())
    yield found
    for server in found:
        server.stop()


def _settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
              servers: tuple[ComfyUI, ElevenLabs, Embeddings]) -> None:
    comfy, eleven, embed = servers
    workflow = tmp_path / "img2img.json"
    workflow.write_text(json.dumps(IMG2IMG), encoding="utf-8")
    for name, value in {
        "IMAGE_PROVIDER": "comfyui", "COMFYUI_URL": comfy.url,
        "COMFYUI_WORKFLOW": str(workflow), "TTS_PROVIDER": "elevenlabs",
        "ELEVENLABS_API_KEY": "xi-test-key-123", "ELEVENLABS_VOICE_ID": "voice42",
        "ELEVENLABS_MODEL": "eleven_flash_v2_5", "ELEVENLABS_BASE_URL": eleven.url,
        "EMBEDDING_PROVIDER": "openai", "EMBEDDING_BASE_URL": embed.url + "/v1",
        "EMBEDDING_MODEL": "stand-in-embed-v1", "PRICES": json.dumps(PRICES),
        # One pass: a QA fix round re-renders a stage, which the estimate says it leaves out.
        "QA_RETRIES": "0",
    }.items():
        monkeypatch.setenv(f"PRODUCER_{name}", value)


def _make(tmp_path: Path, *extra: str) -> tuple[int, Path]:
    brief = tmp_path / "brief.yaml"
    brief.write_text(BRIEF, encoding="utf-8")
    out = tmp_path / "out"
    code = main(["make", str(brief), "--out", str(out), "--scale", "0.1",
                 "--data-dir", str(tmp_path / "data"), *extra])
    return code, out


def test_a_production_through_all_three_providers_matches_its_estimate(
    servers: tuple[ComfyUI, ElevenLabs, Embeddings], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    comfy, eleven, embed = servers
    _settings(monkeypatch, tmp_path, servers)
    code, out = _make(tmp_path)
    printed = capsys.readouterr().out
    assert code in (0, 1), printed
    report = json.loads((out / "qa_report.json").read_text(encoding="utf-8"))
    notes = "\n".join(report["notes"])
    # Every frame came from ComfyUI, with the anchor's words and the subject's reference.
    assert comfy.requests["POST /prompt"] == len(comfy.prompts) > 0
    assert comfy.requests["POST /upload/image"] == 1  # one reference, reused for every scene
    first = comfy.prompts[0]
    assert first["2"]["inputs"]["image"] == comfy.uploads[0]
    assert "tea tin" in first["4"]["inputs"]["text"]
    assert "#" in first["4"]["inputs"]["text"]  # the palette went in
    assert "ugly" in first["5"]["inputs"]["text"] and "watermark" in first["5"]["inputs"]["text"]
    assert len({p["7"]["inputs"]["seed"] for p in comfy.prompts}) == len(comfy.prompts)
    assert comfy.requests["GET /history/{prompt_id}"] >= len(comfy.prompts)
    assert comfy.requests["GET /view"] == len(comfy.prompts)
    # ElevenLabs spoke every line, with the key in its own header.
    assert eleven.requests["POST /v1/text-to-speech/{voice}/with-timestamps"] > 0
    assert set(eleven.keys) == {"xi-test-key-123"}
    assert "falls back" not in notes and "failed" not in notes, notes
    # The estimate printed before rendering matches what the stand-ins counted.
    made = {"comfyui": comfy.requests["POST /prompt"],
            "elevenlabs": eleven.requests["POST /v1/text-to-speech/{voice}/with-timestamps"],
            "openai-embeddings": embed.requests["POST /v1/embeddings"]}
    for provider, calls in made.items():
        assert f"cost estimate vs actual: {provider} {calls} calls estimated, {calls} made" \
            in report["notes"], (provider, calls, report["notes"])
    assert embed.models == ["stand-in-embed-v1"] * made["openai-embeddings"]
    assert "Estimate before rendering" in printed
    # The machine's run log now knows how long ComfyUI took, for the next estimate's time.
    runs = [json.loads(x) for x in (tmp_path / "data" / "assets" / "runs.jsonl").read_text(
        encoding="utf-8").splitlines()]
    frames = [r for r in runs if r["stage"] == "keyvisual"]
    assert len(frames) == 1 and frames[0]["provider"].startswith(f"comfyui:{comfy.url}:workflow-")
    made_lines = [n for n in report["notes"] if "estimate" in n]

    # A revision of one line pays for that line only, and its estimate said so beforehand.
    line = "Meet the Lantern tea tin, smoked over mountain pine."
    code = main(["revise", str(out), f'scene 1 should say "{line}"'])
    printed = capsys.readouterr().out
    assert code in (0, 1), printed
    report = json.loads((out / "qa_report.json").read_text(encoding="utf-8"))
    revised = {"comfyui": comfy.requests["POST /prompt"] - made["comfyui"],
               "elevenlabs": eleven.requests["POST /v1/text-to-speech/{voice}/with-timestamps"]
               - made["elevenlabs"]}
    assert revised == {"comfyui": 0, "elevenlabs": 1}, (revised, printed)
    assert eleven.bodies[-1]["text"] == line
    for provider, calls in revised.items():
        assert f"cost estimate vs actual: {provider} {calls} calls estimated, {calls} made" \
            in report["notes"], (provider, calls, report["notes"])
    print("ESTIMATE-VS-ACTUAL make", made, made_lines)
    print("ESTIMATE-VS-ACTUAL revise", revised,
          [n for n in report["notes"] if "estimate" in n])


def test_a_fault_in_each_provider_falls_back_with_a_note(
    servers: tuple[ComfyUI, ElevenLabs, Embeddings], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    comfy, eleven, embed = servers
    for server in servers:
        server.fail = True
    _settings(monkeypatch, tmp_path, servers)
    monkeypatch.setenv("PRODUCER_LLM_MAX_RETRIES", "0")
    code, out = _make(tmp_path)
    assert code in (0, 1)
    report = json.loads((out / "qa_report.json").read_text(encoding="utf-8"))
    notes = "\n".join(report["notes"])
    assert "key visual provider 'comfyui' failed (ComfyUI failed the frame: KSampler: CUDA out " \
           "of memory)" in notes, notes
    assert "elevenlabs failed" in notes and "fell back to piper" in notes, notes
    assert "embedding provider 'stand-in-embed-v1' failed" in notes, notes
    assert comfy.requests["POST /prompt"] == 1  # the first failure hands the rest over
    # 401 is final; a 500 is retried (2 retries) once per embedding call before falling back.
    assert eleven.requests["POST /v1/text-to-speech/{voice}/with-timestamps"] == 1
    assert embed.requests["POST /v1/embeddings"] == 3
    assert (out / "qa_report.md").read_text(encoding="utf-8").count("Cost estimate vs actual") == 1


def test_an_estimate_above_the_cap_stops_before_any_paid_call(
    servers: tuple[ComfyUI, ElevenLabs, Embeddings], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    _settings(monkeypatch, tmp_path, servers)
    monkeypatch.setenv("PRODUCER_MAX_COST", "0.01")
    code, out = _make(tmp_path)
    err = capsys.readouterr().err
    assert code == 2
    assert "above PRODUCER_MAX_COST" in err and "--yes" in err
    assert [s.total() for s in servers] == [0, 0, 0]
    assert not (out / "qa_report.json").exists()
