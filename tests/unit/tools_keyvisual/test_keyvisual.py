"""Key visual stage: real procedural renders at small scale, measured by decoding the PNGs."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from tools.common.colour import delta_e2000, hex_to_rgb, palette_adherence, srgb_to_lab
from tools.common.fonts import font_path
from tools.handoffs import (
    Aspect,
    CameraMove,
    KeyFrame,
    MusicDirection,
    Scene,
    Script,
    StyleAnchor,
    SubjectReference,
    VoicePersona,
    frame_size,
)
from tools.keyvisual.icons import icon_index
from tools.keyvisual.job import HERO_COMPOSITION, SCENE_COMPOSITIONS
from tools.keyvisual.render import find_icon, fix_pull, render_key_visuals

SCALE = 1 / 6
ASPECTS: list[Aspect] = ["9:16", "1:1", "16:9"]
WARM = ["#2B1B14", "#6F4E37", "#C8864B", "#F1E3D3", "#D9A066"]
COOL = ["#0B1D33", "#1F4E79", "#3A86C8", "#9CC9F0", "#E8F4FF"]
PASTEL = ["#F6D6E0", "#CDE7D8", "#FBE8C8", "#D9D4F2", "#8A7FB8"]


def make_anchor(palette: list[str], icon: str = "mug-hot",
                lighting: str = "golden hour side light with soft haze") -> StyleAnchor:
    return StyleAnchor(
        words=["warm", "cinematic", "tactile"],
        palette=palette,
        lighting=lighting,
        camera_tone="shallow depth of field, slow moves",
        composition="rule of thirds, generous negative space",
        subject=SubjectReference(name="cold brew coffee", icon=icon,
                                 silhouette="tall glass mug, centred low"),
        voice=VoicePersona(name="warm baritone"),
        music=MusicDirection(mood="warm"),
    )


def make_script(scenes: int = 3) -> Script:
    moves = ["push_in", "pan_left", "parallax", "tilt_up", "pull_out"]
    return Script(hook="Slow mornings", cta="Order today", scenes=[
        Scene(index=i, goal=f"goal {i}", visual=f"close view of the cold brew, shot {i}",
              narration="Cold brew, slow mornings.", motion=moves[i % len(moves)],
              duration_s=3.0, on_screen_text="DO NOT RENDER", style_cue=f"cue {i}")
        for i in range(scenes)
    ])


def pixels(frame: KeyFrame) -> np.ndarray:
    return np.asarray(Image.open(frame.path).convert("RGB"))


def test_one_frame_per_scene_and_aspect_at_the_scaled_size(tmp_path: Path) -> None:
    kv = render_key_visuals(make_script(3), make_anchor(WARM), ASPECTS, tmp_path, scale=SCALE)
    assert len(kv.frames) == 9 and len(kv.heroes) == 3
    assert kv.provider == "procedural" and kv.notes == []
    for frame in [*kv.frames, *kv.heroes]:
        assert Path(frame.path).is_absolute()
        height, width = pixels(frame).shape[:2]
        assert (width, height) == frame_size(frame.aspect, SCALE)
    assert frame_size("9:16", SCALE) == (180, 320)

    assert {h.scene_index for h in kv.heroes} == {-1}
    assert kv.subject == make_anchor(WARM).subject


def test_font_paths_are_real_truetype_files() -> None:
    for weight in ("regular", "semibold", "bold", "black"):
        font = ImageFont.truetype(font_path(weight), 40)
        assert font.getlength("Producer") > 60


def test_renders_are_deterministic_and_scenes_differ(tmp_path: Path) -> None:
    script, anchor = make_script(2), make_anchor(WARM)
    first = render_key_visuals(script, anchor, ["9:16"], tmp_path / "a", scale=SCALE, title="Cold")
    again = render_key_visuals(script, anchor, ["9:16"], tmp_path / "b", scale=SCALE, title="Cold")
    for a, b in zip([*first.frames, *first.heroes], [*again.frames, *again.heroes], strict=True):
        assert Path(a.path).read_bytes() == Path(b.path).read_bytes()
    s0, s1 = (pixels(f).astype(float) for f in first.frames)
    assert np.abs(s0 - s1).mean() > 8  # a new shot, not the same picture
    assert first.frames[0].composition != first.frames[1].composition


@pytest.mark.parametrize("palette", [WARM, COOL, PASTEL], ids=["warm", "cool", "pastel"])
def test_palette_colours_dominate_every_frame(tmp_path: Path, palette: list[str]) -> None:
    kv = render_key_visuals(make_script(2), make_anchor(palette), ASPECTS, tmp_path,
                            scale=SCALE, title="Slow Mornings")
    for frame in [*kv.frames, *kv.heroes]:
        median, share = palette_adherence(pixels(frame), palette)
        assert median <= 12.0, (frame.path, median)
        assert share >= 0.6, (frame.path, share)
        assert pixels(frame).std() > 12  # designed contrast, not a flat fill


def _glyph_iou(frame: KeyFrame, codepoint: int, light_hex: str,
               move: CameraMove | None = None) -> float:
    """Overlap of the frame's light-coloured pixels with the icon drawn straight from the font.

    A scene's subject is laid out for its camera move (clear of the caption band through it).
    """
    comps = {c.name: c for c in (*SCENE_COMPOSITIONS, HERO_COMPOSITION)}
    comp = comps[frame.composition]
    place = (comp.moving(move) if move is not None else comp).placement(frame.aspect)
    spec = importlib.util.find_spec("fontawesomefree")
    assert spec is not None and spec.submodule_search_locations
    font_file = next(Path(next(iter(spec.submodule_search_locations))).rglob("fa-solid-900.ttf"))
    sheet = Image.new("L", (600, 600), 0)
    ImageDraw.Draw(sheet).text((50, 50), chr(codepoint), fill=255,
                               font=ImageFont.truetype(str(font_file), 400))
    glyph = sheet.crop(sheet.getbbox())
    image = pixels(frame)
    height, width = image.shape[:2]
    gh = place.size * min(width, height)
    gw = gh * glyph.width / glyph.height
    x0, y0 = place.x * width - gw / 2, place.y * height - gh / 2
    ref_img = Image.new("L", (width, height), 0)
    ref_img.paste(glyph.resize((round(gw), round(gh))), (round(x0), round(y0)))
    ref = np.asarray(ref_img) > 127
    light = srgb_to_lab(np.array(hex_to_rgb(light_hex), dtype=float))
    lit = delta_e2000(srgb_to_lab(image.astype(float)), light[None, None, :]) < 22
    box = (slice(max(0, int(y0 - 0.1 * gh)), int(y0 + 1.1 * gh)),
           slice(max(0, int(x0 - 0.1 * gw)), int(x0 + 1.1 * gw)))
    a, b = lit[box], ref[box]
    return float((a & b).sum() / max(1, (a | b).sum()))


def test_the_same_subject_silhouette_is_in_every_frame(tmp_path: Path) -> None:
    script = make_script(5)
    kv = render_key_visuals(script, make_anchor(WARM), ASPECTS, tmp_path,
                            scale=SCALE, title="Cold Brew")
    moves = {s.index: s.motion for s in script.scenes}
    mug = icon_index()["mug-hot"].codepoint
    others = [icon_index()[name].codepoint for name in ("star", "person", "bolt")]
    for frame in [*kv.frames, *kv.heroes]:
        move = moves.get(frame.scene_index)
        fit = _glyph_iou(frame, mug, "#F1E3D3", move)
        assert fit >= 0.65, frame.path
        # Control: other icons at the same place fit the pixels clearly worse.
        assert max(_glyph_iou(frame, other, "#F1E3D3", move) for other in others) < fit - 0.1
    sizes = {f.composition for f in kv.frames}
    assert len(sizes) == 5  # placement and scale change from shot to shot


def test_prompts_carry_the_anchor_line_and_the_scene(tmp_path: Path) -> None:
    anchor, script = make_anchor(COOL), make_script(2)
    kv = render_key_visuals(script, anchor, ["9:16", "1:1"], tmp_path, scale=1 / 8, title="Cold")
    for frame in [*kv.frames, *kv.heroes]:
        assert anchor.prompt_line() in frame.prompt
        assert all(word in frame.prompt for word in anchor.words)
        assert anchor.subject.name in frame.prompt
        assert frame.composition in frame.prompt
        assert "DO NOT RENDER" not in frame.prompt
    assert script.scenes[1].visual in kv.frame(1, "1:1").prompt
    assert "cue 1" in kv.frame(1, "1:1").prompt


def test_unknown_icon_falls_back_to_a_matching_one_with_a_note(tmp_path: Path) -> None:
    kv = render_key_visuals(make_script(2), make_anchor(WARM, icon="coffee cup"), ["1:1"],
                            tmp_path, scale=1 / 8)
    assert any("coffee cup" in note for note in kv.notes)
    assert len(kv.frames) == 2


@pytest.mark.parametrize(("words", "expected"), [
    ("coffee", {"mug-saucer", "mug-hot"}),
    ("cold brew coffee", {"mug-saucer", "mug-hot"}),
    ("croissant", {"bread-slice", "cookie", "cake-candles"}),
    ("artisan bakery", {"bread-slice", "cookie", "cake-candles"}),
    ("laptop", {"laptop", "laptop-code"}),
    ("online course", {"graduation-cap", "book", "book-open", "chalkboard-user"}),
    ("book", {"book", "book-open"}),
    ("qwertyuiop", {"star"}),
])
def test_find_icon_matches_subjects(words: str, expected: set[str]) -> None:
    assert find_icon(words) in expected


def _structure(frame: KeyFrame) -> np.ndarray:
    """Return the frame's luminance, coarse and normalised: the layout without the colours."""
    grey = Image.open(frame.path).convert("L").resize((45, 80), Image.Resampling.BOX)
    lum = np.asarray(grey, dtype=float)
    return (lum - lum.mean()) / lum.std()


def test_a_new_palette_recolours_the_same_shots(tmp_path: Path) -> None:
    script = make_script(5)
    warm = render_key_visuals(script, make_anchor(WARM), ["9:16"], tmp_path / "w", scale=SCALE)
    cool = render_key_visuals(script, make_anchor(COOL), ["9:16"], tmp_path / "c", scale=SCALE)
    assert [f.composition for f in warm.frames] == [f.composition for f in cool.frames]
    for a in warm.frames:
        same = float(np.mean(_structure(a) * _structure(cool.frame(a.scene_index, "9:16"))))
        others = [float(np.mean(_structure(a) * _structure(b)))
                  for b in cool.frames if b.scene_index != a.scene_index]
        assert same >= 0.9 and same > max(others) + 0.1, (a.scene_index, same, others)


def test_scenes_keep_their_pictures_when_reordered_or_revoiced(tmp_path: Path) -> None:
    script, anchor = make_script(4), make_anchor(WARM)
    first = render_key_visuals(script, anchor, ["9:16"], tmp_path / "a", scale=SCALE)
    s = script.scenes
    swapped = script.model_copy(update={"scenes": [
        s[0], s[2].model_copy(update={"index": 1}), s[1].model_copy(update={"index": 2}), s[3]]})
    revoiced = anchor.model_copy(update={"voice": VoicePersona(name="bright alto"),
                                         "music": MusicDirection(mood="upbeat")})
    again = render_key_visuals(swapped, revoiced, ["9:16"], tmp_path / "b", scale=SCALE)
    for old, new in ((0, 0), (1, 2), (2, 1), (3, 3)):
        before, after = first.frame(old, "9:16"), again.frame(new, "9:16")
        assert before.composition == after.composition
        assert Path(before.path).read_bytes() == Path(after.path).read_bytes()


NEON = ["#0A0014", "#FF0080", "#00FFD0", "#FFF200"]


def test_a_qa_fix_round_pulls_the_same_shots_closer_to_the_palette(tmp_path: Path) -> None:
    """A palette failure sent back must not be re-rendered the same: the pull makes it closer."""
    anchor = make_anchor(NEON, lighting="neon glow, hard rim light")
    first = render_key_visuals(make_script(2), anchor, ["9:16"], tmp_path / "a", scale=SCALE)
    fixed = render_key_visuals(make_script(2), anchor, ["9:16"], tmp_path / "b", scale=SCALE,
                               palette_pull=fix_pull(1))
    assert fix_pull(0) == 0 and 0 < fix_pull(1) < fix_pull(2) <= 0.6
    for a, b in zip(first.frames, fixed.frames, strict=True):
        before, _ = palette_adherence(pixels(a), NEON)
        after, _ = palette_adherence(pixels(b), NEON)
        assert after < before - 1.5, (a.path, before, after)
        assert b.composition == a.composition  # the same shot, recoloured
    assert any("toward the palette" in n for n in fixed.notes)
    assert not any("toward the palette" in n for n in first.notes)
