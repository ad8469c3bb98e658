"""Walking an ingest folder: symlinked folders are followed once, loops and broken links reported."""

from ingest.walk import walk_files


def test_links_followed_once_loops_and_broken_links_reported(tmp_path):
    (tmp_path / "shared" / "sub").mkdir(parents=True)
    (tmp_path / "shared" / "sub" / "a.md").write_text("# A")
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "b.txt").write_text("b")
    (tmp_path / "corpus" / "manuals").symlink_to(tmp_path / "shared", target_is_directory=True)
    (tmp_path / "corpus" / "again").symlink_to(tmp_path / "shared", target_is_directory=True)
    (tmp_path / "shared" / "sub" / "up").symlink_to(tmp_path / "corpus", target_is_directory=True)
    (tmp_path / "corpus" / "gone").symlink_to(tmp_path / "nowhere")
    notes: list[str] = []
    files = walk_files(tmp_path / "corpus", notes)
    root = tmp_path / "corpus"
    assert files == [root / "again" / "sub" / "a.md", root / "b.txt"]  # one copy of the shared folder
    assert any("manuals: links to a folder already included" in n for n in notes)
    assert any("up: links to a folder already included" in n for n in notes)
    assert any(n.endswith("gone: broken symlink") for n in notes)
    shared = tmp_path / "shared"
    assert walk_files(shared, []) == [shared / "sub" / "a.md", shared / "sub" / "up" / "b.txt"]
