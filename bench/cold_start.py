"""Cold start: process start to first answer (CLI, and where the time goes), app start to first page.

    python -m bench.cold_start [--runs N]

The index is built beforehand in a temp folder (QA_CORPUS_DIR / QA_INDEX_DIR point there), so
what is timed is a new Python process answering one question: interpreter start, ``import qa``,
``Engine.open`` (index load), model load, the first ``ask``. The operating system's file cache
is warm (a first, untimed run), as it is on a machine in use. If app.py exists, it is started on
a free port with the same temp corpus and index, and timed until its first page answers HTTP 200.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

from .common import ROOT, project_env, running_app, table, temp_project, write_section

QUESTION = "Who confronted Putin about the conduct of the war?"

_PROBE = r"""
import json, sys, time
t0 = float(sys.argv[1]); marks = {"interpreter": time.time() - t0}
import qa
from qa import Engine, Settings
marks["import qa"] = time.time() - t0
from qa.models.bundled import resolve_model
settings = Settings()
resolve_model(settings.model)
marks["model weights sha256 check"] = time.time() - t0
engine = Engine.open(settings, build=False)
marks["Engine.open (index load)"] = time.time() - t0
engine.embedder.dim
marks[f"model load ({engine.embedder.encoder})"] = time.time() - t0
answer = engine.ask(sys.argv[2])
marks["first ask"] = time.time() - t0
assert answer.passages
marks["torch loaded"] = float("torch" in sys.modules)
print(json.dumps(marks))
"""


def run(runs: int = 3) -> dict:
    from qa import Settings
    from qa.index import update_index
    from qa.models.encoders import embedder_for

    out: dict = {"cli": [], "probe": []}
    with temp_project() as root:
        settings = Settings(corpus_dir=root / "corpus", index_dir=root / "index")
        update_index(settings, embedder_for(settings))
        env = project_env(root)
        cmd = [sys.executable, "-m", "qa", "ask", QUESTION, "--json"]
        subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, check=True)  # warm the file cache
        for _ in range(runs):
            t = time.perf_counter()
            proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
            out["cli"].append(time.perf_counter() - t)
            if proc.returncode != 0 or not json.loads(proc.stdout)["passages"]:
                raise RuntimeError(f"qa ask failed: {proc.stderr[-300:]}")
        for _ in range(runs):
            proc = subprocess.run([sys.executable, "-c", _PROBE, repr(time.time()), QUESTION], cwd=ROOT, env=env,
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                raise RuntimeError(f"probe failed: {proc.stderr[-300:]}")
            out["probe"].append(json.loads(proc.stdout.strip().splitlines()[-1]))
        with running_app(root) as (_, took):
            out["app"] = took
        out["app_exists"] = (ROOT / "app.py").exists()
    return out


def render(r: dict) -> str:
    cli = sorted(r["cli"])
    rows = [["`python -m qa ask QUESTION --json` (whole process)", f"{statistics.median(cli):.2f}",
             f"{cli[0]:.2f} - {cli[-1]:.2f}"]]
    keys = [k for k in r["probe"][0] if k != "torch loaded"]
    prev = [0.0] * len(r["probe"])
    for k in keys:
        vals = [p[k] for p in r["probe"]]
        steps = [v - pv for v, pv in zip(vals, prev)]
        rows.append([f"  {k} (+step)", f"{statistics.median(vals):.2f} (+{statistics.median(steps):.2f})",
                     f"{min(vals):.2f} - {max(vals):.2f}"])
        prev = vals
    torch = sum(p.get("torch loaded", 1.0) for p in r["probe"])
    rows.append(["  torch imported by the question", "yes" if torch else "no", f"{int(torch)} of {len(r['probe'])} runs"])
    if r["app"] is not None:
        rows.append(["`python app.py` to first page (HTTP 200)", f"{r['app']:.2f}", "one run"])
    else:
        rows.append(["`python app.py` to first page", "not measured",
                     "app.py did not serve a page" if r["app_exists"] else "no app.py in the project yet"])
    t = table(["cold start", "seconds (median)", "range"], rows)
    return (f"{len(r['cli'])} runs each, file cache warm, index prebuilt in a temp folder. The breakdown is cumulative "
            "time since the parent started the process, from a probe script doing what `qa ask` does.\n\n" + t + "\n")


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    r = run(args.runs)
    write_section("cold_start", "Cold start", render(r), "python -m bench.cold_start")
    return r


if __name__ == "__main__":
    main()
