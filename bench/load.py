"""Serving under load: app start to the first answer, then 8/32/64 concurrent clients.

    python -m bench.load [--clients 8 32 64] [--questions 3]

The app (``python app.py``) is started over a temp copy of the corpus with its index prebuilt.
From the start of the process it is timed until the first ``POST /api/ask`` (sent at once,
retried while the port is closed) comes back answered, and until its page answers HTTP 200. Then,
for each client count, that many clients start together and ask ``--questions`` dev-set
questions each, one after another: through gradio_client (``/ask``, one ``Client`` per user,
connected before the clock starts), through gradio_client with ``ssl_verify=False`` (most of
gradio_client's cost per request is on the client: see ``run_round``), and through the REST
endpoint (one HTTP connection per user). Reported: errors, latency p50 / p95, requests/s over
the round, and CPU time per request of the server process (user + system, from /proc) and of
the clients (this process). Clients and server share the machine's 2 cores, as they did when
the issue was measured.
"""
from __future__ import annotations

import argparse
import json
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .common import app_process, dev_questions, percentile, table, temp_project, write_section

FIRST = "Who confronted Putin about the conduct of the war?"
VIAS = ["gradio_client", "gradio_client-noverify", "REST"]


@dataclass
class Round:
    """One round: ``clients`` users asking ``per_client`` questions each through ``via``."""

    via: str
    clients: int
    per_client: int
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wall: float = 0.0
    cpu: float = 0.0
    client_cpu: float = 0.0

    def row(self) -> list:
        n = len(self.latencies)
        return [self.via, self.clients, n + len(self.errors), len(self.errors),
                f"{percentile(self.latencies, 50) * 1000:.0f}" if n else "-",
                f"{percentile(self.latencies, 95) * 1000:.0f}" if n else "-",
                f"{n / self.wall:.1f}" if self.wall else "-",
                f"{self.cpu * 1000 / max(n, 1):.1f}", f"{self.client_cpu * 1000 / max(n, 1):.1f}"]


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` and its threads (from /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def post_ask(url: str, question: str, timeout: float = 60.0) -> dict:
    import httpx

    resp = httpx.post(url + "api/ask", json={"question": question}, timeout=timeout)
    resp.raise_for_status()
    return resp.json()


def first_answer(url: str, t0: float, proc, timeout: float) -> tuple[float | None, float | None]:
    """(seconds to the page's HTTP 200, seconds to the first answered /api/ask), both from ``t0``.
    One question is sent as soon as the port accepts it (it waits for the engine); the page is
    polled until it is up."""
    import httpx

    page = answer = None
    while time.perf_counter() - t0 < timeout and proc.poll() is None and (page is None or answer is None):
        try:
            if answer is None and post_ask(url, FIRST).get("passages"):
                answer = time.perf_counter() - t0
            if page is None and httpx.get(url, timeout=5).status_code == 200:
                page = time.perf_counter() - t0
            elif page is None:
                time.sleep(0.05)
        except (httpx.TransportError, httpx.HTTPStatusError):
            time.sleep(0.05)
    return page, answer


def run_round(via: str, url: str, pid: int, clients: int, per_client: int, questions: list[str]) -> Round:
    """All users start together at a barrier; each asks its questions in turn."""
    import httpx
    from gradio_client import Client

    rnd = Round(via, clients, per_client)
    lock = threading.Lock()
    if via.startswith("gradio_client"):
        # gradio_client opens a new httpx client per request; with ssl_verify (the default) each
        # loads the CA bundle, ~27 ms of CPU, even for http://. The -noverify rounds show the cost.
        users = [Client(url, verbose=False, ssl_verify=via == "gradio_client") for _ in range(clients)]
        ask = lambda user, q: user.predict(q, 5, None, api_name="/ask")  # noqa: E731
    else:
        users = [httpx.Client(base_url=url, timeout=120) for _ in range(clients)]
        ask = lambda user, q: user.post("api/ask", json={"question": q}).raise_for_status().json()  # noqa: E731
    barrier = threading.Barrier(clients + 1)

    def user_loop(i: int) -> None:
        barrier.wait()
        for j in range(per_client):
            q = questions[(i * per_client + j) % len(questions)]
            t = time.perf_counter()
            try:
                out = ask(users[i], q)
                ok = isinstance(out, dict) and "passages" in out
                with lock:
                    (rnd.latencies.append(time.perf_counter() - t) if ok else rnd.errors.append(str(out)[:200]))
            except Exception as exc:  # noqa: BLE001 - an error is a result here
                with lock:
                    rnd.errors.append(f"{type(exc).__name__}: {exc}"[:200])

    threads = [threading.Thread(target=user_loop, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    cpu0, client0 = cpu_seconds(pid), cpu_seconds(os.getpid())
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    rnd.wall = time.perf_counter() - t0
    rnd.cpu = cpu_seconds(pid) - cpu0
    rnd.client_cpu = cpu_seconds(os.getpid()) - client0
    for user in users:
        user.close()
    return rnd


def run(clients: list[int], per_client: int, vias: list[str], timeout: float = 240.0) -> dict:
    from qa import Settings
    from qa.index import update_index
    from qa.models.encoders import embedder_for

    questions = dev_questions()
    out: dict = {"rounds": []}
    with temp_project() as root:
        settings = Settings(corpus_dir=root / "corpus", index_dir=root / "index")
        update_index(settings, embedder_for(settings))
        with app_process(root) as (proc, url, t0):
            out["page"], out["first_answer"] = first_answer(url, t0, proc, timeout)
            if out["first_answer"] is None or out["page"] is None:
                raise RuntimeError("the app did not answer within the timeout")
            for via in vias:
                for n in clients:
                    rnd = run_round(via, url, proc.pid, n, per_client, questions)
                    print(table(["via", "clients", "requests", "errors", "p50 ms", "p95 ms", "req/s", "CPU ms/req",
                                 "client CPU"], [rnd.row()]), flush=True)
                    out["rounds"].append(rnd)
    return out


def render(r: dict, per_client: int) -> str:
    start = table(["app start (`python app.py`, index prebuilt)", "seconds"],
                  [["to the first answered `POST /api/ask`", f"{r['first_answer']:.2f}"],
                   ["to the page (and Gradio's API) answering HTTP 200", f"{r['page']:.2f}" if r["page"] else "-"]])
    load = table(["via", "clients", "requests", "errors", "p50 ms", "p95 ms", "req/s", "server CPU ms/req", "clients' CPU ms/req"],
                 [rnd.row() for rnd in r["rounds"]])
    errors = sorted({e for rnd in r["rounds"] for e in rnd.errors})
    note = ("\n\nErrors seen: " + "; ".join(errors[:5])) if errors else ""
    return (f"{start}\n\nEach client asks {per_client} dev-set questions in turn; all clients start together. "
            f"Clients and server share the machine's cores.\n\n{load}{note}\n")


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, nargs="+", default=[8, 32, 64])
    ap.add_argument("--questions", type=int, default=3, help="questions per client")
    ap.add_argument("--via", nargs="+", default=VIAS, choices=VIAS)
    args = ap.parse_args(argv)
    r = run(args.clients, args.questions, args.via)
    write_section("load", "Serving under load", render(r, args.questions), "python -m bench.load")
    print(json.dumps({"page": r["page"], "first_answer": r["first_answer"]}))
    return r


if __name__ == "__main__":
    main()
