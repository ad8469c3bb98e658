"""Stemmers. Three for now (one per former caller); they are unified into one in the next step."""

from __future__ import annotations

from ingest.text.words import word_table

# Irregular forms the suffix rules below get wrong ("broken" -> "break").
_IRREGULAR = {word: stems[0] for word, stems in word_table("irregular").items()}


def stem(word: str) -> str:
    """Lower-case light stem: strips plural, -ing, -ed, -ure (failure), -ment, -ion, final -e.

    The stem is matched as a word *prefix* by history and procedures, so over-stemming is
    harmless there and under-stemming only costs recall.

    >>> stem("failures"), stem("plugging"), stem("leaking"), stem("strainers")
    ('fail', 'plug', 'leak', 'strainer')
    """
    w = word.lower()
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    if len(w) <= 3:
        return w
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith(("sses", "shes", "ches", "xes")):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    for suffix, keep in (("ing", 3), ("ed", 4), ("ment", 3), ("ion", 4)):
        if w.endswith(suffix) and len(w) - len(suffix) >= keep:
            w = w[: -len(suffix)]
            if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
                w = w[:-1]  # plugg -> plug, clogg -> clog
            break
    if w.endswith("ilure"):
        w = w[:-3]  # failure -> fail
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]  # replace / replaced -> replac
    return w


def suffix_stem(word: str) -> str:
    """Very light suffix stripping so 'leaks', 'leaking', 'leaked' meet 'leak' (the evidence gate's)."""
    w = word.lower()
    if not w.isalpha() or w.endswith(("ss", "us", "is")):
        return w
    for suffix in ("ments", "ment", "ings", "ing", "ed", "es", "s"):
        if len(w) > len(suffix) + 2 and w.endswith(suffix):
            w = w[: -len(suffix)]
            break
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeiousl":  # plugg -> plug
        w = w[:-1]
    if len(w) > 3 and w.endswith("e"):  # replace / replaced / replacement -> replac
        w = w[:-1]
    return w


def plural_stem(word: str) -> str:
    """Light plural stemming on plain words (BM25's): valves -> valve, batteries -> battery, glass stays."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word
