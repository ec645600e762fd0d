"""The two atomic-output helpers: a file, or a folder replaced whole (owner) or merged."""

import pytest

from wuling_geo._util.files import Owner, atomic_dir, atomic_path

OWNED = Owner("test folder", lambda folder: (folder / "a.txt").exists(), frozenset({"a.txt", "b.txt"}))


def test_atomic_path_keeps_the_suffix_and_replaces_on_success(tmp_path):
    target = tmp_path / "out.gpkg"
    target.write_text("old")
    with atomic_path(target) as tmp:
        assert tmp.suffix == ".gpkg" and tmp.parent == tmp_path and not tmp.exists()
        tmp.write_text("new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.gpkg"]


def test_atomic_path_leaves_the_old_file_on_failure(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


@pytest.mark.parametrize("merge", [False, True])
def test_atomic_dir_replaces_or_merges(tmp_path, merge):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    (out / "a.txt").write_text("old")
    (out / "b.txt").write_text("old, not written this time")
    mode = {"merge": True} if merge else {"owner": OWNED}
    with atomic_dir(out, **mode) as stage:
        (stage / "a.txt").write_text("new")
    assert (out / "a.txt").read_text() == "new"
    assert (out / "keep.txt").read_text() == "mine"  # the user's file survives either way
    assert (out / "b.txt").exists() is merge  # replace mode drops the tool's stale files
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_atomic_dir_failure_leaves_the_folder_and_new_folder_appears_whole(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.txt").write_text("old")
    with pytest.raises(RuntimeError), atomic_dir(out, merge=True) as stage:
        (stage / "a.txt").write_text("half")
        raise RuntimeError
    assert (out / "a.txt").read_text() == "old"
    fresh = tmp_path / "fresh"
    with atomic_dir(fresh, merge=True) as stage:
        (stage / "b.txt").write_text("b")
        assert not fresh.exists()
    assert (fresh / "b.txt").read_text() == "b"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fresh", "out"]
