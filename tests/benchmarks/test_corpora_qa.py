"""benchmarks/corpora/check_qa.py over every committed corpus: each expected source file is in the repository.

The check runs on the tracked tree, so a corpus folder that an ignore rule hides (``build/`` once hid
preciousplastic-machines' docs/build/, 14 files) fails here on a fresh clone, not later in a benchmark.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECK = ROOT / "benchmarks" / "corpora" / "check_qa.py"


def test_every_corpus_question_and_its_sources_check_out():
    done = subprocess.run([sys.executable, str(CHECK)], capture_output=True, text=True, timeout=100)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "preciousplastic-machines: 50 questions" in done.stdout


def test_no_corpus_file_is_ignored_by_git():
    # a file git ignores is on the author's disk but in no clone: the benchmark then scores a smaller corpus
    listed = subprocess.run(["git", "ls-files", "--others", "--ignored", "--exclude-standard", "--directory",
                             "benchmarks/corpora"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert listed.stdout.strip() == ""
