"""Asset registry: alias resolution in free text, loading, persistence."""

from __future__ import annotations

import json

import pytest

from ingest.assets import AssetRegistry
from ingest.types import IngestError


@pytest.fixture
def registry() -> AssetRegistry:
    reg = AssetRegistry()
    reg.add("PRESS-04", name="Hydraulic press 4", aliases=["the big press"])
    reg.add("CWC04006", name="Chiller 6")
    reg.add("CWC04001", name="Chiller 1")
    reg.add("CWC04013", name="Chiller 13")
    for letter in "ABCDE":
        reg.add(letter)
    return reg


def test_phrases_name_id_name_and_aliases(registry):
    assert registry.phrases("PRESS-04") == ["PRESS-04", "Hydraulic press 4", "the big press"]


class TestResolve:
    @pytest.mark.parametrize("text", ["press 4 leaking", "Press-04 leaking", "PRESS 04?", "why does press04 stall",
                                      "the big press is down"])
    def test_press_variants(self, registry, text):
        assert registry.resolve(text) == ["PRESS-04"]

    def test_name_and_id_of_chiller(self, registry):
        assert registry.resolve("chiller 6 supply temperature") == ["CWC04006"]
        assert registry.resolve("work orders of CWC04006") == ["CWC04006"]
        assert registry.resolve("Chiller 13 vs chiller 1") == ["CWC04013", "CWC04001"]

    def test_single_letter_ids_need_a_qualifier(self, registry):
        assert registry.resolve("a leak on a hose, is it a known fault?") == []
        assert registry.resolve("how often did the bucket fail on excavator A") == ["A"]
        assert registry.resolve("Asset D's boom cylinder") == ["D"]
        assert registry.resolve("compare asset b and press 4") == ["B", "PRESS-04"]

    def test_resolve_exact_and_lookups(self, registry):
        assert registry.resolve_exact("chiller 6") == "CWC04006"
        assert registry.resolve_exact("chiller") is None
        assert registry.name("CWC04006") == "Chiller 6" and registry.name("nope") is None
        assert [a.id for a in registry.all()][:3] == ["A", "B", "C"]

    def test_add_merges_aliases(self):
        reg = AssetRegistry()
        reg.add("P1")
        reg.add("P1", name="Pump one", aliases=["feed pump"])
        assert reg.get("P1").aliases == ["feed pump", "Pump one"]
        assert reg.resolve("feed pump vibration") == ["P1"]
        with pytest.raises(ValueError):
            reg.add("  ")


class TestLoadAndPersist:
    def test_csv_with_aliases_and_bad_row(self, tmp_path):
        path = tmp_path / "assets.csv"
        path.write_text("id,name,model,line,aliases\nPRESS-04,Press 4,HP-200,Line 1,P4;stamping press\n,Nameless,,,\n")
        reg = AssetRegistry()
        warnings = reg.load(path)
        assert warnings == ["assets.csv line 3: asset without an id; row skipped"]
        asset = reg.get("PRESS-04")
        assert (asset.model, asset.line) == ("HP-200", "Line 1")
        assert reg.resolve("the stamping press again") == ["PRESS-04"]

    def test_yaml_list_and_mapping(self, tmp_path):
        listed = tmp_path / "a.yaml"
        listed.write_text("assets:\n  - {id: CNC-2, name: Mill 2, aliases: [haas]}\n")
        mapped = tmp_path / "b.yml"
        mapped.write_text("COMP-1: {name: Air compressor 1}\n")
        reg = AssetRegistry()
        reg.load(listed)
        reg.load(mapped)
        assert reg.resolve("haas spindle") == ["CNC-2"] and reg.resolve("air compressor 1") == ["COMP-1"]

    def test_bad_yaml(self, tmp_path):
        path = tmp_path / "a.yaml"
        path.write_text("assets: [unclosed\n")
        with pytest.raises(IngestError, match="invalid YAML"):
            AssetRegistry().load(path)

    def test_round_trip_and_atomic_save(self, registry, tmp_path):
        path = tmp_path / "sub" / "assets.json"
        registry.save(path)
        assert json.loads(path.read_text())["assets"][0]["id"] == "A"
        assert list(path.parent.iterdir()) == [path]  # no temp file left behind
        again = AssetRegistry.open(path)
        assert again.to_dict() == registry.to_dict()
        assert again.resolve("press 4") == ["PRESS-04"]
        assert len(AssetRegistry.open(tmp_path / "missing.json")) == 0
