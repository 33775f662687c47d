"""The overview on two documents built from the squad-reworded dev claim triples (issue 21):
does it call a paragraph of A shared exactly when B restates it?

    QA_CLAIM_MODEL=build/claims-choice/claims.json python -m bench.claims_overview

``../shared/tools/claims_data.py`` writes A (each dev row's verbatim sentence, one paragraph each)
and B (the row's restatement for even rows, its different claim for odd rows, shuffled) and the
labels (A paragraph start -> same / different). Both are indexed with the real model and
``qa overview`` is computed as the product computes it (``Engine.overview``), with the claim model
and with the evidence bars (``QA_CLAIM_MODEL=off``) side by side. A paragraph counts as called
shared when its status with B is shared or partly shared.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from bench.common import SHARED, table, temp_project, write_section
from qa import Engine, Settings


def main() -> None:
    results = []
    with temp_project(copy_corpus=False) as root:
        out = root / "claims"
        subprocess.run([sys.executable, str(SHARED / "tools" / "claims_data.py"), str(SHARED), str(out)], check=True,
                       capture_output=True)
        labels = json.loads((out / "labels.json").read_text(encoding="utf-8"))
        model = os.environ.get("QA_CLAIM_MODEL", "on")  # "on": the shipped one; or a claims.json to try
        shown = model if model.lower() == "on" else os.path.relpath(model)
        for judge, flag in ((f"claim model ({shown})", model), ("evidence bars", "off")):
            os.environ["QA_CLAIM_MODEL"] = flag
            engine = Engine.open(Settings(corpus_dir=out / "corpus", index_dir=root / f"index-{judge[:5]}"))
            t0 = time.perf_counter()
            ov = engine.overview(refresh=True)
            seconds = time.perf_counter() - t0
            a = min(d.doc_id for d in engine.documents)  # a.txt sorts first
            rows = [r for r in ov.alignment.paragraphs if r.passage.doc_id == a]
            by_start = {r.passage.start: r for r in rows}
            same = [bool(by_start[int(s)].shared_with) for s, lab in labels.items() if lab == "same" and int(s) in by_start]
            diff = [bool(by_start[int(s)].shared_with) for s, lab in labels.items()
                    if lab == "different" and int(s) in by_start]
            found, kept = sum(same) / len(same), 1 - sum(diff) / len(diff)
            results.append([judge, f"{sum(same)}/{len(same)}", f"{len(diff) - sum(diff)}/{len(diff)}",
                            f"{(found + kept) / 2:.3f}", f"{seconds:.1f} s"])
            print(results[-1], flush=True)
        os.environ["QA_CLAIM_MODEL"] = model
    body = ("Two documents from the squad-reworded dev claim triples (`../shared/tools/claims_data.py`): A holds each "
            "row's verbatim sentence as a paragraph, B the row's restatement (even rows) or its different claim (odd "
            "rows), shuffled. A paragraph of A is called shared when the overview's status with B is shared or partly "
            "shared; it should be exactly when B restates it.\n\n"
            + table(["judge of the same claim", "restated: called shared", "different: kept apart",
                     "balanced accuracy", "overview time"], results))
    write_section("claims-overview", "Overview on the dev claim triples", body, "python -m bench.claims_overview")


if __name__ == "__main__":
    main()
