"""Asset registry: canonical asset ids, their names and aliases, and alias resolution in free text.

Matching works on normalised token sequences: case, spaces, dashes and leading zeros do not
count, and letters/digits are split ("PRESS-04", "press 4", "Press04" are all ``press 4``).
Ids that are a single short token ("A" .. "E" for the excavators) only match after a word
such as "asset" or "excavator", so the article "a" never resolves to asset A.

>>> reg = AssetRegistry()
>>> _ = reg.add("PRESS-04", name="Hydraulic press 4")
>>> reg.resolve("oil leak on press 4 again")
['PRESS-04']
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

from ingest.atomic import write_json_atomic
from ingest.types import IngestError

# Words that may precede a bare short id ("asset A", "excavator C", "unit 3").
QUALIFIERS = {"asset", "excavator", "machine", "unit", "equipment", "truck", "press", "pump", "line",
              "chiller", "compressor", "conveyor", "mill", "no", "number", "id"}


def alias_key(text: str) -> tuple[str, ...]:
    return tuple(t if t.isalpha() else str(int(t)) for t in re.findall(r"[a-z]+|\d+", str(text).lower()))


def _ambiguous(key: tuple[str, ...]) -> bool:
    """A lone short word or number is too common in prose to count as a mention by itself."""
    return len(key) == 1 and (len(key[0]) <= 2 or key[0].isdigit())


@dataclass
class Asset:
    id: str
    name: str | None = None
    model: str | None = None
    line: str | None = None
    aliases: list[str] = field(default_factory=list)


class AssetRegistry:
    """Known assets and every name they go by. Persist with ``save``/``to_dict``."""

    def __init__(self) -> None:
        self._assets: dict[str, Asset] = {}
        self._index: dict[tuple[str, ...], list[str]] = {}
        self._max_len = 1

    # ---- building -------------------------------------------------------------------------
    def add(self, asset_id: str, name: str | None = None, aliases: Iterable[str] = (),
            model: str | None = None, line: str | None = None) -> Asset:
        asset_id = str(asset_id).strip()
        if not asset_id:
            raise ValueError("asset id must not be empty")
        asset = self._assets.setdefault(asset_id, Asset(asset_id))
        asset.name = asset.name or (name or None)
        asset.model = asset.model or model
        asset.line = asset.line or line
        for alias in list(aliases) + ([name] if name else []):
            if alias and alias not in asset.aliases and alias != asset_id:
                asset.aliases.append(str(alias))
        for text in [asset_id, *asset.aliases]:
            key = alias_key(text)
            if key and asset_id not in self._index.setdefault(key, []):
                self._index[key].append(asset_id)
                self._max_len = max(self._max_len, len(key))
        return asset

    def load(self, path: Path) -> list[str]:
        """Add assets from a CSV or YAML file. Returns warnings for rows that were skipped."""
        path = Path(path)
        rows = self._rows(path)
        warnings = []
        for line, row in rows:
            row = {re.sub(r"[^a-z]", "", str(k).lower()): v for k, v in (row or {}).items()}
            asset_id = str(row.get("id") or row.get("assetid") or "").strip()
            if not asset_id:
                warnings.append(f"{path.name} line {line}: asset without an id; row skipped")
                continue
            aliases = row.get("aliases") or []
            if isinstance(aliases, str):
                aliases = [a.strip() for a in re.split(r"[;|]", aliases) if a.strip()]
            self.add(asset_id, name=_opt(row.get("name")), aliases=aliases,
                     model=_opt(row.get("model")), line=_opt(row.get("line")))
        return warnings

    @staticmethod
    def _rows(path: Path) -> list[tuple[int, Any]]:
        if path.suffix.lower() in (".yaml", ".yml"):
            import yaml

            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
            except yaml.YAMLError as exc:
                raise IngestError(f"{path}: invalid YAML ({exc})") from exc
            if isinstance(data, dict) and "assets" in data:
                data = data["assets"] or []
            elif isinstance(data, dict):  # {id: {name: ..., aliases: [...]}}
                data = [{"id": k, **(v if isinstance(v, dict) else {})} for k, v in data.items()]
            if not isinstance(data, list):
                raise IngestError(f"{path}: expected a list of assets or a mapping of id to asset")
            return list(enumerate(data, start=1))
        from ingest.tables.table import read_table

        return read_table(path).rows

    # ---- queries --------------------------------------------------------------------------
    def resolve(self, text: str) -> list[str]:
        """Asset ids mentioned in ``text``, in order of mention; the longest alias wins."""
        tokens = alias_key(text)
        found: list[str] = []
        i = 0
        while i < len(tokens):
            for size in range(min(self._max_len, len(tokens) - i), 0, -1):
                key = tokens[i:i + size]
                ids = self._index.get(key)
                if ids and (not _ambiguous(key) or (i > 0 and tokens[i - 1] in self._qualifiers(ids))):
                    found.extend(a for a in ids if a not in found)
                    i += size
                    break
            else:
                i += 1
        return found

    def phrases(self, asset_id: str) -> list[str]:
        """Every way a question may name this asset: id, name and aliases (not its model, which
        names the manual too)."""
        asset = self._assets.get(asset_id)
        return [asset_id] if asset is None else [p for p in dict.fromkeys([asset.id, asset.name or "", *asset.aliases]) if p]

    def assets_for_model(self, text: str) -> list[str]:
        """Ids of assets whose model is named in ``text`` (a manual's file name or title)."""
        tokens = alias_key(text)
        found = []
        for asset in self.all():
            key = alias_key(asset.model or "")
            if key and not _ambiguous(key) and any(
                    tokens[i:i + len(key)] == key for i in range(len(tokens) - len(key) + 1)):
                found.append(asset.id)
        return found

    def resolve_exact(self, value: str) -> str | None:
        """The asset id a whole field value names ("chiller 9" -> CWC04009), if exactly one."""
        ids = self._index.get(alias_key(value), [])
        return ids[0] if len(ids) == 1 else None

    def _qualifiers(self, ids: list[str]) -> set[str]:
        words = set(QUALIFIERS)
        for asset_id in ids:
            asset = self._assets[asset_id]
            for text in (asset.name, asset.model):
                words.update(t for t in alias_key(text or "") if t.isalpha())
        return words

    def name(self, asset_id: str) -> str | None:
        asset = self._assets.get(asset_id)
        return asset.name if asset else None

    def get(self, asset_id: str) -> Asset | None:
        return self._assets.get(asset_id)

    def all(self) -> list[Asset]:
        return [self._assets[k] for k in sorted(self._assets)]

    def __len__(self) -> int:
        return len(self._assets)

    def __contains__(self, asset_id: object) -> bool:
        return asset_id in self._assets

    def merge(self, other: "AssetRegistry") -> None:
        """Add every asset of ``other`` (assets are only ever added, so a union loses nothing).

        Built aside and swapped in, so a server thread resolving a question meanwhile never sees
        a dict change size under it."""
        union = AssetRegistry()
        for a in [*self.all(), *other.all()]:
            union.add(a.id, name=a.name, aliases=a.aliases, model=a.model, line=a.line)
        self._assets, self._index, self._max_len = union._assets, union._index, union._max_len

    # ---- persistence ----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"assets": [asdict(a) for a in self.all()]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "AssetRegistry":
        reg = cls()
        for a in data.get("assets", []):
            reg.add(a["id"], name=a.get("name"), aliases=a.get("aliases", ()), model=a.get("model"),
                    line=a.get("line"))
        return reg

    def save(self, path: Path) -> None:
        """Atomic write: a crash leaves the previous registry file intact."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomic(path, self.to_dict())

    @classmethod
    def open(cls, path: Path) -> "AssetRegistry":
        """The saved registry at ``path``, or an empty one when there is none yet."""
        path = Path(path)
        if not path.exists():
            return cls()
        try:
            return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise IngestError(f"{path}: unreadable asset registry ({exc})") from exc


def _opt(value: Any) -> str | None:
    text = "" if value is None else str(value).strip()
    return text or None
