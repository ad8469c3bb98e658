"""The one lookup of the external data (tests/conftest.py) from any checkout location."""

from tests.conftest import EXTERNAL_ENV, find_external_data


def test_found_beside_a_checkout_from_any_depth(tmp_path, monkeypatch):
    monkeypatch.delenv(EXTERNAL_ENV, raising=False)
    external = tmp_path / "shared" / "data" / "external"
    external.mkdir(parents=True)
    tests_dir = tmp_path / "wt-x" / "tests" / "ingest"
    tests_dir.mkdir(parents=True)
    assert find_external_data(tests_dir) == (external, "")
    assert find_external_data(tmp_path / "wt-x") == (external, "")


def test_absent_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.delenv(EXTERNAL_ENV, raising=False)
    folder, why = find_external_data(tmp_path / "x" / "tests")
    assert folder is None and str(tmp_path / "x" / "tests") in why and EXTERNAL_ENV in why


def test_the_environment_variable_comes_first(tmp_path, monkeypatch):
    (tmp_path / "shared" / "data" / "external").mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.setenv(EXTERNAL_ENV, str(elsewhere))
    assert find_external_data(tmp_path / "tests") == (elsewhere, "")
    monkeypatch.setenv(EXTERNAL_ENV, str(tmp_path / "nope"))
    folder, why = find_external_data(tmp_path / "tests")
    assert folder is None and why == f"${EXTERNAL_ENV}={tmp_path / 'nope'} is not a folder"
