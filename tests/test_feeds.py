from __future__ import annotations

from pathlib import Path

from crawler.feeds import AtomicFileFeedStorage, new_run_id


def test_feed_is_invisible_until_stored(tmp_path: Path) -> None:
    target = tmp_path / "out" / "run.jsonl"
    storage = AtomicFileFeedStorage(str(target), feed_options={"overwrite": True})
    fh = storage.open(None)  # type: ignore[arg-type]
    fh.write(b'{"a": 1}\n')
    assert not target.exists()
    assert sorted(p.name for p in target.parent.glob("*.jsonl")) == []
    assert (target.parent / "run.jsonl.part").exists()
    storage.store(fh)
    assert target.read_bytes() == b'{"a": 1}\n'
    assert not (target.parent / "run.jsonl.part").exists()


def test_append_mode_keeps_existing_lines(tmp_path: Path) -> None:
    target = tmp_path / "run.jsonl"
    target.write_bytes(b"1\n")
    storage = AtomicFileFeedStorage(f"file://{target}", feed_options={"overwrite": False})
    fh = storage.open(None)  # type: ignore[arg-type]
    fh.write(b"2\n")
    assert target.read_bytes() == b"1\n"
    storage.store(fh)
    assert target.read_bytes() == b"1\n2\n"


def test_run_ids_are_unique_and_sortable() -> None:
    ids = {new_run_id() for _ in range(50)}
    assert len(ids) == 50
    assert all(len(i) == 23 and i[8] == "T" for i in ids)
