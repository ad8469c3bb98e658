"""The version folders of an index: pointer, numbering, pruning (written by IndexStore, tested there end to end)."""

from __future__ import annotations

import pytest

from index.versions import current_dir, next_version, pointer_stat, prune


def test_no_pointer_means_no_version(tmp_path):
    assert pointer_stat(tmp_path) is None and current_dir(tmp_path) is None


def test_pointer_to_an_incomplete_version_is_a_clear_error(tmp_path):
    (tmp_path / "v-3").mkdir()
    (tmp_path / "CURRENT").write_text("v-3\n")
    with pytest.raises(FileNotFoundError, match=r"CURRENT names 'v-3', but .*v-3/manifest\.json is missing"):
        current_dir(tmp_path)
    (tmp_path / "v-3" / "manifest.json").write_text("{}")
    assert current_dir(tmp_path) == tmp_path / "v-3" and pointer_stat(tmp_path) is not None


def test_numbering_continues_after_the_highest_and_prune_keeps_only_the_named(tmp_path):
    for name in ("v-1", "v-2", "v-10", "v-x", "other"):
        (tmp_path / name).mkdir()
    assert next_version(tmp_path) == 11
    prune(tmp_path, keep={"v-10", None})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other", "v-10"]
