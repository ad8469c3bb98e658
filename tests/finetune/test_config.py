"""Argument dataclasses from defaults, a YAML/JSON file and CLI overrides."""

from __future__ import annotations

import json

import pytest

from finetune.config import LoraArgs, TrainArgs, load_args


def test_file_then_overrides(tmp_path):
    path = tmp_path / "ft.yaml"
    path.write_text("lora: {r: 4, target_modules: [q_proj]}\ntrain: {lr: 0.001, max_steps: 9}\ndata: {seed: 7}\n")
    lora, train, data = load_args(path, {"train": {"max_steps": 3, "device": None}})
    assert (lora.r, lora.alpha, lora.target_modules) == (4, 16, ["q_proj"])
    assert (train.lr, train.max_steps, train.device) == (0.001, 3, "auto")  # None = option not given
    assert data.seed == 7


def test_json_file(tmp_path):
    path = tmp_path / "ft.json"
    path.write_text(json.dumps({"train": {"seed": 5}, "data": {"doc_types": ["manual"]}}))
    _, train, data = load_args(path)
    assert train.seed == 5 and data.doc_types == ("manual",)


def test_unknown_key_names_file_and_key(tmp_path):
    path = tmp_path / "ft.yaml"
    path.write_text("train: {learning_rate: 0.1}\n")
    with pytest.raises(ValueError, match=r"ft.yaml: unknown train setting\(s\) \['learning_rate'\]"):
        load_args(path)


def test_bad_values_are_refused():
    with pytest.raises(ValueError, match="device"):
        TrainArgs(device="tpu")
    with pytest.raises(ValueError, match="lora"):
        LoraArgs(r=0)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.yaml"):
        load_args(tmp_path / "nope.yaml")
