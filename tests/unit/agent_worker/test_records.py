"""Task records: a finished task is never rendered again while its files are there."""

from __future__ import annotations

from pathlib import Path

from agent.worker.records import Records, read_log


def test_a_second_delivery_hands_back_the_stored_result_and_renders_nothing(
        tmp_path: Path) -> None:
    out = tmp_path / "frame.png"
    calls: list[int] = []

    def render() -> dict[str, str]:
        calls.append(1)
        out.write_bytes(b"png")
        return {"path": str(out)}

    records = Records(tmp_path / "data", "w1@host")
    payload = {"scene": 1, "path": str(out)}
    first = records.once("producer.keyframe", payload, [out], render, lambda _r: True)
    again = Records(tmp_path / "data", "w2@host").once(
        "producer.keyframe", payload, [out], render, lambda _r: True)
    assert first == again == {"path": str(out)}
    assert len(calls) == 1
    events = [(e["event"], e["node"]) for e in read_log(tmp_path / "data")]
    assert events == [("start", "w1@host"), ("done", "w1@host"), ("found", "w2@host")]
    assert not [p for p in (tmp_path / "data").rglob(".*")]  # no temporary file left behind


def test_a_record_whose_files_were_cleared_renders_again_and_other_payloads_are_new(
        tmp_path: Path) -> None:
    out = tmp_path / "seg.mp4"
    calls: list[str] = []

    def render() -> bool:
        calls.append("r")
        out.write_bytes(b"mp4")
        return True

    records = Records(tmp_path / "data", "w1")
    records.once("producer.segment", {"k": 1}, [out], render, bool)
    out.unlink()  # a production cleared the interrupted stage's folder
    records.once("producer.segment", {"k": 1}, [out], render, bool)
    records.once("producer.segment", {"k": 2}, [out], render, bool)
    assert calls == ["r", "r", "r"]
    assert [e["event"] for e in read_log(tmp_path / "data")].count("done") == 3


def test_a_segment_found_in_the_cache_is_logged_as_found(tmp_path: Path) -> None:
    out = tmp_path / "seg.mp4"
    out.write_bytes(b"mp4")
    Records(tmp_path / "data", "w1").once("producer.segment", {"k": 1}, [out], lambda: False,
                                           bool)
    assert [e["event"] for e in read_log(tmp_path / "data")] == ["start", "found"]
