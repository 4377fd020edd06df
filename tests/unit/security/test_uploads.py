"""Uploads are judged by their bytes, not their names, and their names never leave their folder.

A reference image goes through ``read_reference`` as the chat's upload does: only whole PNG,
JPEG or WebP data of at most 40 megapixels is read; everything else is refused with one line
naming the file, what is wrong and what to send instead. The web chat's upload names are cut
down to one plain name inside the upload's own folder.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from agent.web.uploads import as_named, plain_name
from tools.anchor.reference import ReferenceRejected, check_image, read_reference


def png_claiming(width: int, height: int) -> bytes:
    """Return a tiny PNG whose header claims ``width`` x ``height``: a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
    return b"\x89PNG\r\n\x1a\n" + body + chunk(b"IEND", b"")


def picture(fmt: str, mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    img = Image.new(mode, (64, 48), (200, 120, 60) if mode == "RGB" else 3)
    img.save(out, fmt)
    return out.getvalue()


PNG, JPEG = picture("PNG"), picture("JPEG")
SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>fetch('/producer/media/')</script><rect width='10' height='10'/></svg>"
)
EPS = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n(owned) print showpage\n"

# name -> (file name, bytes, reason, words the message must hold)
REFUSED: dict[str, tuple[str, bytes, str, tuple[str, ...]]] = {
    "a text file": ("notes.txt", b"Use our teal.\n", "not_image", ("PNG, JPEG or WebP",)),
    "50 MP bomb": ("big.png", png_claiming(8000, 6250), "too_large", ("50 megapixels", "40")),
    "200 MP bomb": ("huge.png", png_claiming(20000, 10000), "too_large", ("200 megapixels",)),
    "truncated PNG": ("cut.png", PNG[: len(PNG) // 2], "damaged", ("damaged or cut short",)),
    "truncated JPEG": ("cut.jpg", JPEG[: len(JPEG) // 2], "not_image", ("PNG, JPEG or WebP",)),
    "SVG with a script": ("logo.svg", SVG, "not_image", ("not image data",)),
    "SVG named .png": ("logo.png", SVG, "not_image", ("not image data",)),
    "HTML named .png": ("photo.png", b"<html><body>hi</body></html>", "not_image", ("send",)),
    "PostScript named .png": ("photo.png", EPS, "not_image", ("not image data",)),
    "empty file": ("empty.png", b"", "not_image", ("not image data",)),
    "a GIF": ("anim.gif", picture("GIF", "P"), "not_image", ("PNG, JPEG or WebP",)),
    "a BMP": ("old.bmp", picture("BMP"), "not_image", ("PNG, JPEG or WebP",)),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_an_upload_that_is_not_a_whole_small_picture_is_refused_in_one_line(
    case: str, tmp_path: Path
) -> None:
    name, data, reason, words = REFUSED[case]
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ReferenceRejected) as refused:
        read_reference(path)
    message = str(refused.value)
    assert refused.value.reason == reason, message
    assert message.startswith(f"{name}: ") and "\n" not in message and len(message) < 160
    for w in words:
        assert w in message, (w, message)
    assert path.read_bytes() == data  # judged, never changed


def test_a_missing_upload_is_named_as_missing(tmp_path: Path) -> None:
    with pytest.raises(ReferenceRejected) as refused:
        check_image(tmp_path / "gone.png")
    assert refused.value.reason == "missing_file" and "no such file" in str(refused.value)


def test_the_content_decides_not_the_extension(tmp_path: Path) -> None:
    named_jpeg = tmp_path / "really-a-png.jpg"
    named_jpeg.write_bytes(PNG)
    look = read_reference(named_jpeg)
    assert look.palette and look.words
    no_extension = tmp_path / "upload"
    no_extension.write_bytes(JPEG)
    assert check_image(no_extension) == (64, 48)


def test_a_bomb_is_refused_from_its_header_without_decoding(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_claiming(50_000, 50_000))  # 2,500 MP: 7.5 GB if it were decoded
    with pytest.raises(ReferenceRejected) as refused:
        check_image(bomb)
    assert refused.value.reason == "too_large" and refused.value.megapixels == 2500.0


# --------------------------------------------------------------------------- upload names

NAMES = {
    "../../etc/passwd": "passwd",
    "/etc/shadow": "shadow",
    "..\\..\\windows\\win.ini": "win.ini",
    "C:\\Users\\me\\brand.png": "brand.png",
    "..": "fallback",
    ".": "fallback",
    "": "fallback",
    "a\x00b.png": "ab.png",
    "bell\x07\x1b[31m.png": "bell[31m.png",
    "   spaced.png  ": "spaced.png",
    ".env": ".env",
    "x" * 300 + ".png": "x" * 196 + ".png",
}


@pytest.mark.parametrize("sent", list(NAMES))
def test_an_upload_name_becomes_one_plain_name(sent: str) -> None:
    assert plain_name(sent, "fallback") == NAMES[sent]


@pytest.mark.parametrize("sent", ["../../etc/passwd", "/tmp/x.png", "..", "a\x00b.png", "../"])
def test_a_named_upload_stays_inside_its_upload_folder(sent: str, tmp_path: Path) -> None:
    uploads = tmp_path / "files" / "session"
    uploads.mkdir(parents=True)
    stored = uploads / "4f1c2a"
    stored.write_bytes(PNG)
    named = as_named(stored, sent)
    assert named.is_file() and named.read_bytes() == PNG
    assert named.resolve().is_relative_to(uploads.resolve())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["files"]
