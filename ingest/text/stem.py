"""The stemmer: one for keyword search, the evidence gate, history, procedures and sensors.

A question and a document must meet on the same stem, whoever compares them: "failures",
"failure" and "failed" all give "fail" in BM25, in the gate and in work-order history alike.
Codes and numbers (anything with a digit) are never stemmed: "E204s" is not "E204".
"""

from __future__ import annotations

from ingest.text.words import word_table

# Irregular forms the suffix rules below get wrong ("broken" -> "break").
_IRREGULAR = {word: stems[0] for word, stems in word_table("irregular").items()}


def stem(word: str) -> str:
    """Lower-case light stem: strips plural, -ing, -ed, -ure (failure), -ment, -ion, final -e.

    History and procedures match the stem as a word *prefix*, so over-stemming is harmless
    there and under-stemming only costs recall.

    >>> stem("failures"), stem("failed"), stem("plugging"), stem("leaking"), stem("strainers"), stem("batteries")
    ('fail', 'fail', 'plug', 'leak', 'strainer', 'battery')
    """
    w = word.lower()
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    if len(w) <= 3 or not w.isalpha():
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
