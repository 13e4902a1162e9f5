"""Benchmark: simulated respondents completing the questionnaire against gunicorn, on SQLite
and on PostgreSQL, with a crash test.

For each database the bench makes a throwaway workspace (``PIONEER_WORKSPACE`` in a temporary
folder; PostgreSQL is a throwaway cluster on loopback, started as the web tests do), issues
invitations through the library (``bench/web/store.py``), and serves the app with gunicorn
on 127.0.0.1 with bench-only settings that add a trivial view (``bench/web/urls.py``). The
workers are gthread, 4 processes x 8 threads by default: on two cores, at saturation, 4
processes served about 45% more questionnaire pages than 2 x 8 (threads of one process share
its interpreter lock), and 8 threads rather than 4 let a process serve other requests while
some wait for PostgreSQL to flush a commit (p95 70 ms rather than 111 ms at 200
respondents; no change on SQLite). Then:

``trivial``        N clients GET the trivial view (same middleware, no table, no template)
                   for ``--seconds``: the floor of what the server and the client can do.
``questionnaire``  N respondents for ``--seconds``, each with its own keep-alive connection
                   and cookies, as a browser without JavaScript: GET the link and POST it
                   (start), then every page shown and saved (7 sections), check your
                   answers, submit, submit again (a double click), the thank-you page;
                   then the next invitation. ``--think`` seconds (uniform 0.5x-1.5x) pass
                   between a respondent's requests.
``crash``          ``--trials`` times: respondents run with no think time, the whole server
                   process group gets SIGKILL at a random moment, the server is started
                   again, each respondent replays its interrupted request with the same
                   session and finishes its questionnaire. Every save and submission a
                   client saw acknowledged (a redirect after its POST) must be in the
                   tables, with no invitation holding two responses or two answers to an
                   item.

Each HTTP request counts as one page. Latency is from sending the request to reading the
whole response, measured in the client (on the same two cores as the server).

Usage::

    .venv/bin/python bench/bench_web_load.py                       # the full target run
    .venv/bin/python bench/bench_web_load.py --respondents 20 --seconds 10 --trials 2 \\
        --database sqlite                                          # a smoke run
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

from pioneer.fielding import answers as answers_lib
from pioneer.fielding import pages as pages_lib
from pioneer.survey import instrument

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
QUESTIONNAIRE = pages_lib.questionnaire(instrument.load("ki2018"))
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TRIVIAL = "/bench/trivial/"
CHECK = "/respond/check/"
#: Invitations kept for the untimed warm-up before the phases.
WARM_UP = 100


class ServerGoneError(Exception):
    """The connection failed: the server is down (crash test) or refused."""


# --- the client -----------------------------------------------------------------------------


@dataclass
class Recorder:
    """Latencies of answered requests and counts of failures, shared by the client threads."""

    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    failures: int = 0
    journeys: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: Latencies by kind of request ("GET page", "POST check"...), to see which ones wait.
    kinds: dict[str, list[float]] = field(default_factory=dict)

    def add(self, seconds: float, status: int, kind: str = "") -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.statuses[status] = self.statuses.get(status, 0) + 1
            self.kinds.setdefault(kind, []).append(seconds)


def kind_of(method: str, path: str) -> str:
    """The kind of a request, for the latency breakdown: ``GET page``, ``POST link``..."""
    if path.startswith("/s/"):
        what = "link"
    elif path.startswith("/respond/page/"):
        what = "page"
    else:
        what = path.strip("/").split("/")[-1] or "root"
    return f"{method} {what}"


class Browser:
    """One respondent's keep-alive connection and cookies."""

    def __init__(self, port: int, recorder: Recorder | None) -> None:
        self.port = port
        self.recorder = recorder
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None

    def request(
        self, method: str, path: str, form: dict | None = None
    ) -> tuple[int, str, str | None]:
        """(status, body, Location); :class:`ServerGoneError` if the connection fails."""
        body = urllib.parse.urlencode(form or {}, doseq=True) if method == "POST" else None
        headers = {"Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        began = time.perf_counter()
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as error:
            self.close()
            raise ServerGoneError(str(error)) from error
        elapsed = time.perf_counter() - began
        if self.recorder is not None:
            self.recorder.add(elapsed, response.status, kind_of(method, path))
        for header in response.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel.value:
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        return response.status, text, response.getheader("Location")

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def answers_for(page: pages_lib.Page, rng: random.Random) -> dict[str, list[str]]:
    """Random valid form data for one page (at least one answer per question)."""
    form: dict[str, list[str]] = {}
    for f in page.fields:
        codes = [c.code for c in f.choices]
        if f.type == "grid":
            for row in f.rows:
                form[row.name] = [rng.choice(list(f.codes))]
        elif f.type == "text":
            form[f.code] = [f"Bench answer {rng.getrandbits(48):012x}\r\nsecond line"]
        elif f.type in ("multiple", "pick_n"):
            form[f.code] = rng.sample(codes, rng.randint(1, f.limit or 3))
        else:
            form[f.code] = [rng.choice(codes)]
    return form


@dataclass
class Journey:
    """One respondent's questionnaire: what the client saw acknowledged, and where it is."""

    token: str
    invitation: int
    acknowledged: dict[str, str] = field(default_factory=dict)
    submitted: bool = False
    finished: bool = False
    #: The request in flight when the server went away: (method, path, form).
    interrupted: tuple[str, str, dict] | None = None


def run_journey(
    browser: Browser,
    journey: Journey,
    rng: random.Random,
    think: float,
    stop: threading.Event | None = None,
) -> None:
    """Complete one questionnaire; :class:`ServerGoneError` leaves ``journey.interrupted`` set."""

    def pause() -> None:
        if think > 0:
            time.sleep(think * rng.uniform(0.5, 1.5))

    def send(method: str, path: str, form: dict | None = None):
        if stop is not None and stop.is_set():
            raise TimeoutError("the run is over")
        journey.interrupted = (method, path, form or {})
        result = browser.request(method, path, form)
        journey.interrupted = None
        pause()
        return result

    link = f"/s/{journey.token}/"
    status, html, _ = send("GET", link)
    token = CSRF.search(html)
    if status != 200 or token is None:
        raise RuntimeError(f"start page answered {status}")
    csrf = {"csrfmiddlewaretoken": token.group(1)}
    status, _, where = send("POST", link, csrf)
    if status != 302:
        raise RuntimeError(f"start POST answered {status}")
    status, _, where = send("GET", where)
    for page in QUESTIONNAIRE.pages:
        path = f"/respond/page/{page.code}/"
        send("GET", path)
        form = answers_for(page, rng)
        status, _, where = send("POST", path, {**form, **csrf, "action": "continue"})
        if status != 302:
            raise RuntimeError(f"saving {page.code} answered {status}")
        clean = answers_lib.validate_page(page, form)
        journey.acknowledged.update(clean.answers)
    send("GET", CHECK)
    for _ in range(2):  # submit, then the double click
        status, _, where = send("POST", CHECK, csrf)
        if status != 302 or not where.endswith("/respond/done/"):
            raise RuntimeError(f"submit answered {status} {where}")
        journey.submitted = True
    send("GET", where)
    journey.finished = True


def finish_after_restart(browser: Browser, journey: Journey, rng: random.Random) -> None:
    """Replay the interrupted request with the same session, then complete the questionnaire
    from wherever the server says it is (through the link again, as a returning respondent)."""
    if journey.interrupted is not None:
        method, path, form = journey.interrupted
        status, _, where = browser.request(method, path, form)
        if method == "POST" and status == 302 and path.startswith("/respond/page/"):
            page = QUESTIONNAIRE.page(path.split("/")[3])
            clean = answers_lib.validate_page(page, {k: v for k, v in form.items()})
            journey.acknowledged.update(clean.answers)
        if method == "POST" and path == CHECK and status == 302:
            journey.submitted = True
    # Come back through the link in a fresh session and go on from the resume page.
    browser.cookies.clear()
    link = f"/s/{journey.token}/"
    status, html, _ = browser.request("GET", link)
    match = CSRF.search(html)
    if match is None:  # already completed: the link says so
        journey.finished = "already completed" in html
        return
    csrf = {"csrfmiddlewaretoken": match.group(1)}
    status, _, where = browser.request("POST", link, csrf)
    for _ in range(len(QUESTIONNAIRE.pages) + 3):
        status, _, where = browser.request("GET", where)
        if status != 302:
            break
        if where.endswith(CHECK):
            break
        code = where.rstrip("/").split("/")[-1]
        page = QUESTIONNAIRE.page(code)
        form = answers_for(page, rng)
        status, _, where = browser.request("POST", where, {**form, **csrf, "action": "continue"})
        if status == 302:
            journey.acknowledged.update(answers_lib.validate_page(page, form).answers)
        if where.endswith(CHECK):
            break
    status, _, where = browser.request("POST", CHECK, csrf)
    if status == 302 and where.endswith("/respond/done/"):
        journey.submitted = True
        journey.finished = True


# --- the server -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    env: dict[str, str]
    port: int
    workers: int
    threads: int
    log: Path
    process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [
            GUNICORN,
            "pioneer.web.wsgi:application",
            "--chdir",
            str(ROOT),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--worker-class",
            "gthread",
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
            "--backlog",
            "2048",
            "--keep-alive",
            "30",
            "--timeout",
            "60",
        ]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, env=self.env, stdout=log, stderr=log, start_new_session=True
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status, _, _ = Browser(self.port, None).request("GET", TRIVIAL)
                if status == 200:
                    return
            except ServerGoneError:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not start; see {self.log}")

    def kill(self) -> None:
        """SIGKILL to the master and every worker at once (the whole process group)."""
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
            self.process = None


def store(env: dict[str, str], command: str, *args: str) -> None:
    subprocess.run([PYTHON, "-m", "bench.web.store", command, *args], env=env, cwd=ROOT, check=True)


# --- the phases -----------------------------------------------------------------------------


def summary(recorder: Recorder, seconds: float) -> dict:
    values = sorted(recorder.latencies)
    if len(values) < 2:
        return {"pages": len(values), "per_second": 0.0}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    errors = sum(n for status, n in recorder.statuses.items() if status >= 400)
    kinds = {}
    for kind, times in sorted(recorder.kinds.items()):
        if len(times) >= 2:
            k = statistics.quantiles(sorted(times), n=100, method="inclusive")
            kinds[kind] = {"n": len(times), "p50_ms": k[49] * 1000, "p95_ms": k[94] * 1000}
    return {
        "kinds": kinds,
        "pages": len(values),
        "per_second": len(values) / seconds,
        "p50_ms": cuts[49] * 1000,
        "p95_ms": cuts[94] * 1000,
        "p99_ms": cuts[98] * 1000,
        "max_ms": values[-1] * 1000,
        "errors": errors + recorder.failures,
        "journeys": recorder.journeys,
    }


def arrive(rng: random.Random, think: float) -> None:
    """Spread the clients' first requests over one think time, as respondents arrive at
    different moments (all starting at once measures a burst the server never sees)."""
    if think > 0:
        time.sleep(rng.uniform(0, think))


def trivial_phase(port: int, clients: int, seconds: float, think: float) -> dict:
    recorder = Recorder()
    stop = threading.Event()

    def client(seed: int) -> None:
        rng = random.Random(seed)
        browser = Browser(port, recorder)
        arrive(rng, think)
        while not stop.is_set():
            try:
                browser.request("GET", TRIVIAL)
            except ServerGoneError:
                with recorder.lock:
                    recorder.failures += 1
            if think > 0:
                time.sleep(think * rng.uniform(0.5, 1.5))
        browser.close()

    return _run(client, clients, seconds, stop, recorder)


def _run(client, clients: int, seconds: float, stop: threading.Event, recorder: Recorder):
    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(timeout=120)
    return summary(recorder, time.perf_counter() - began)


def questionnaire_phase(
    port: int, clients: int, seconds: float, think: float, pool: list[dict]
) -> tuple[dict, list[Journey]]:
    recorder = Recorder()
    stop = threading.Event()
    queue = list(reversed(pool))
    done: list[Journey] = []
    problems: list[str] = []

    def client(seed: int) -> None:
        rng = random.Random(seed)
        browser = Browser(port, recorder)
        arrive(rng, think)
        while not stop.is_set():
            with recorder.lock:
                if not queue:
                    return
                item = queue.pop()
            journey = Journey(item["token"], item["invitation"])
            try:
                run_journey(browser, journey, rng, think, stop)
            except TimeoutError:
                pass
            except (ServerGoneError, RuntimeError) as error:
                with recorder.lock:
                    recorder.failures += 1
                    problems.append(str(error))
            with recorder.lock:
                done.append(journey)
                recorder.journeys += journey.finished
            browser.cookies.clear()
        browser.close()

    result = _run(client, clients, seconds, stop, recorder)
    result["problems"] = problems[:3]
    result["pool_left"] = len(queue)
    return result, done


def verify(env: dict[str, str], folder: Path, journeys: list[Journey], name: str) -> dict:
    expected = {
        "answers": {str(j.invitation): j.acknowledged for j in journeys if j.acknowledged},
        "submitted": [j.invitation for j in journeys if j.submitted],
    }
    source, target = folder / f"{name}-expected.json", folder / f"{name}-found.json"
    source.write_text(json.dumps(expected), encoding="utf-8")
    store(env, "verify", str(source), str(target))
    return json.loads(target.read_text(encoding="utf-8"))


def crash_trial(server: Server, clients: int, pool: list[dict], rng: random.Random) -> dict:
    """Kill the server mid-run, start it again, let every respondent finish; what was seen."""
    journeys = [Journey(item["token"], item["invitation"]) for item in pool[:clients]]
    browsers = [Browser(server.port, None) for _ in journeys]
    gone = [False] * clients

    def client(i: int) -> None:
        try:
            run_journey(browsers[i], journeys[i], random.Random(i), 0.0)
        except (ServerGoneError, RuntimeError):
            gone[i] = True

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    delay = rng.uniform(0.5, 3.0)
    time.sleep(delay)
    server.kill()
    for t in threads:
        t.join(timeout=120)
    interrupted = sum(gone)
    mid_post = sum(1 for j in journeys if j.interrupted and j.interrupted[0] == "POST")
    server.start()
    for i, journey in enumerate(journeys):
        if gone[i]:
            finish_after_restart(browsers[i], journey, random.Random(1000 + i))
    for b in browsers:
        b.close()
    return {
        "killed_after_s": delay,
        "respondents_interrupted": interrupted,
        "interrupted_in_a_post": mid_post,
        "finished": sum(j.finished for j in journeys),
        "journeys": journeys,
    }


# --- one database ---------------------------------------------------------------------------


def start_postgres():
    """The web tests' throwaway cluster on loopback, with the server's default durability
    (the tests turn fsync off; a benchmark should not), and a ``pioneer`` database."""
    sys.path.insert(0, str(ROOT / "tests" / "web"))
    import psycopg
    import web_postgres

    web_postgres._server_options = lambda port, folder: (
        f"-p {port} -c listen_addresses=127.0.0.1 -k {folder} -c max_connections=200"
    )
    cluster = web_postgres.start()
    try:
        with psycopg.connect(
            host="127.0.0.1", port=cluster.port, user="pioneer", dbname="postgres", autocommit=True
        ) as connection:
            connection.execute("CREATE DATABASE pioneer")
    except Exception:
        cluster.stop()
        raise
    return cluster


def bench_database(database: str, args: argparse.Namespace) -> dict:
    folder = Path(tempfile.mkdtemp(prefix=f"pioneer-bench-web-{database}-"))
    cluster = start_postgres() if database == "postgres" else None
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        PIONEER_WORKSPACE=str(folder / "workspace"),
        DJANGO_SETTINGS_MODULE="bench.web.settings",
        PIONEER_SECURE_COOKIES="0",
        PYTHONPATH=str(ROOT),
    )
    if cluster is not None:
        env["DATABASE_URL"] = cluster.url
    try:
        result = _bench_store(database, args, folder, env)
    finally:
        if cluster is not None:
            cluster.stop()
    shutil.rmtree(folder, ignore_errors=True)  # kept (with gunicorn.log) when a phase fails
    return result


def _bench_store(database: str, args: argparse.Namespace, folder: Path, env: dict) -> dict:
    load_pool = args.respondents * args.journeys
    crash_pool = args.crash_respondents * args.trials + WARM_UP
    print(f"[{database}] preparing {load_pool + crash_pool} invitations in {folder}", flush=True)
    store(env, "prepare", str(load_pool + crash_pool), str(folder / "invitations.json"))
    pool = json.loads((folder / "invitations.json").read_text())["invitations"]
    server = Server(env, free_port(), args.workers, args.threads, folder / "gunicorn.log")
    result: dict = {"database": database}
    try:
        server.start()
        # Untimed: every worker thread imports the views and compiles the templates once.
        warm = args.workers * args.threads
        trivial_phase(server.port, warm, 2.0, 0.0)
        questionnaire_phase(server.port, warm, 3.0, 0.0, pool[-WARM_UP:])
        print(f"[{database}] trivial view, {args.respondents} clients", flush=True)
        result["trivial"] = trivial_phase(server.port, args.respondents, args.seconds, args.think)
        print(f"[{database}] questionnaire, {args.respondents} respondents", flush=True)
        result["questionnaire"], journeys = questionnaire_phase(
            server.port, args.respondents, args.seconds, args.think, pool[:load_pool]
        )
        result["load_check"] = verify(env, folder, journeys, "load")
        trials = []
        rng = random.Random(args.seed)
        crash = pool[load_pool:]
        for t in range(args.trials):
            print(f"[{database}] crash trial {t + 1}/{args.trials}", flush=True)
            chunk = crash[t * args.crash_respondents : (t + 1) * args.crash_respondents]
            trial = crash_trial(server, args.crash_respondents, chunk, rng)
            found = verify(env, folder, trial.pop("journeys"), f"crash{t + 1}")
            trials.append({**trial, **found})
        result["crash"] = trials
    finally:
        server.stop()
    return result


# --- report ---------------------------------------------------------------------------------


def table(results: list[dict], args: argparse.Namespace) -> str:
    lines = [
        f"{args.respondents} concurrent clients, {args.seconds:g} s per phase, think time "
        f"{args.think:g} s, gunicorn gthread {args.workers} workers x {args.threads} threads, "
        f"{os.cpu_count()} cores",
        "",
        "| database | workload | pages | pages/s | p50 ms | p95 ms | p99 ms | max ms | errors "
        "| questionnaires |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        for workload in ("trivial", "questionnaire"):
            s = r[workload]
            lines.append(
                f"| {r['database']} | {workload} | {s['pages']} | {s['per_second']:.0f} "
                f"| {s.get('p50_ms', 0):.0f} | {s.get('p95_ms', 0):.0f} "
                f"| {s.get('p99_ms', 0):.0f} | {s.get('max_ms', 0):.0f} | {s.get('errors', 0)} "
                f"| {s.get('journeys', '') if workload == 'questionnaire' else ''} |"
            )
    lines += ["", "| database | request | count | p50 ms | p95 ms |", "|---|---|---:|---:|---:|"]
    for r in results:
        for kind, k in r["questionnaire"].get("kinds", {}).items():
            lines.append(
                f"| {r['database']} | {kind} | {k['n']} | {k['p50_ms']:.0f} | {k['p95_ms']:.0f} |"
            )
    lines += [
        "",
        "| database | check | acknowledged answers | acknowledged submissions | interrupted "
        "(in a POST) | lost answers | duplicate answers | duplicate responses | "
        "submissions missing |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        rows = [("load run", r["load_check"], "")]
        rows += [
            (
                f"crash {i + 1} (kill at {t['killed_after_s']:.1f} s)",
                t,
                f"{t['respondents_interrupted']} ({t['interrupted_in_a_post']})",
            )
            for i, t in enumerate(r["crash"])
        ]
        for name, c, interrupted in rows:
            lines.append(
                f"| {r['database']} | {name} | {c['acknowledged_answers']} "
                f"| {c['acknowledged_submissions']} | {interrupted} | {c['lost_answers']} "
                f"| {c['duplicate_answers']} | {c['duplicate_responses']} "
                f"| {c['submissions_missing']} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--respondents", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each phase")
    parser.add_argument(
        "--think", type=float, default=1.0, help="mean pause between a respondent's requests"
    )
    parser.add_argument("--trials", type=int, default=10, help="kill -9 trials per database")
    parser.add_argument("--crash-respondents", type=int, default=50)
    parser.add_argument("--journeys", type=int, default=4, help="invitations per respondent")
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args(argv)
    for name in ("respondents", "trials", "crash_respondents", "journeys"):
        if not 0 <= getattr(args, name) <= 2000:
            parser.error(f"--{name.replace('_', '-')} must be between 0 and 2000")
    if not 0 < args.seconds <= 600:
        parser.error("--seconds must be more than 0 and at most 600")
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    results = [bench_database(d, args) for d in databases]
    print(table(results, args))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    bad = sum(
        c["lost_answers"]
        + c["duplicate_answers"]
        + c["duplicate_responses"]
        + c["submissions_missing"]
        for r in results
        for c in [r["load_check"], *r["crash"]]
    )
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
