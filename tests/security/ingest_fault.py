"""Run `maintassist ingest` and SIGKILL it at one stage boundary (fault injection for the crash tests),
or pause it there (``pause=SECONDS@STAGE``) to hold the ingest lock while another ingest starts.

    python -m tests.security.ingest_fault STAGE PATH...
    python -m tests.security.ingest_fault pause=8@journal_written PATH...

STAGE is a boundary the ingest journal reports (journal_written, index_swapped, rows 1/2, rows_written,
registry_saved, done) or ``version_written``: inside the index store, the new version is complete on
disk and ``CURRENT`` is about to be flipped. Nothing is cleaned up: the process dies as under kill -9.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path


def main() -> None:
    mode, paths = sys.argv[1], [Path(p) for p in sys.argv[2:]]
    from assistant.wiring import container_from

    pause, stage = (float(mode[6:].split("@")[0]), mode.split("@")[1]) if mode.startswith("pause=") else (None, mode)

    def at_stage() -> None:
        if pause is not None:
            print(f"paused at {stage}", file=sys.stderr, flush=True)
            time.sleep(pause)
            return
        os.kill(os.getpid(), signal.SIGKILL)

    container = container_from(None)  # MAINTASSIST_DATA_DIR and the rest from the environment
    container.ingest_journal.on_stage = lambda name: at_stage() if name == stage else None
    if stage == "version_written":
        import index.store as store_module

        real = store_module.write_json_atomic

        def flip(path, value, raw=False):
            if Path(path).name == "CURRENT":
                at_stage()
            return real(path, value, raw=raw)
        store_module.write_json_atomic = flip
    report = container.ingest_pipeline.run(paths)
    print("\n".join(report.messages))
    if pause is None:
        print(f"stage {stage!r} was never reached", file=sys.stderr)
        sys.exit(3)


if __name__ == "__main__":
    main()
