"""The benchmarks themselves; ``bench/__main__.py`` starts the services and calls ``run_all``."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import runpy
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import django

BASE_DIR = Path(__file__).resolve().parents[1]
RESULTS = BASE_DIR / "bench" / "results.json"
SUMMARY = BASE_DIR / "docs" / "performance.md"
LUA = BASE_DIR / "bench" / "kiosk.lua"
BIN = Path(sys.executable).parent
CONNECTIONS = 32
WRK_THREADS = 4
GUNICORN_CONFIG = BASE_DIR / "kiezlabor" / "gunicorn_conf.py"
POLL_SECONDS = 0.05
MB = 1024 * 1024


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def summary(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# --- Processes ------------------------------------------------------------------------------


def _start(stack: ExitStack, command: list[str], log_path: Path) -> subprocess.Popen:
    log_file = log_path.open("wb")
    stack.callback(log_file.close)
    process = subprocess.Popen(  # noqa: S603 (our own commands)
        command, cwd=BASE_DIR, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
    )

    def stop() -> None:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    stack.callback(stop)
    return process


def _reset_peak(pid: int) -> None:
    # Writing 5 resets the peak resident set size (VmHWM) to the current one (Linux >= 4.0).
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def _peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM")


def _worker(stack: ExitStack, workdir: Path, name: str) -> subprocess.Popen:
    """A Celery worker with the solo pool: the tasks run in the process we measure."""
    log_path = workdir / f"{name}.log"
    process = _start(
        stack,
        [
            str(BIN / "celery"),
            "-A",
            "kiezlabor",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"{name}@%h",
        ],
        log_path,
    )
    deadline = time.monotonic() + 120
    while b" ready." not in log_path.read_bytes():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"Celery worker did not start:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.2)
    return process


def _wait_for(check: Callable[[], str | None], *, seconds: float, what: str) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        state = check()
        if state:
            return state
        time.sleep(POLL_SECONDS)
    raise RuntimeError(f"{what} did not finish within {seconds:.0f} s")


# --- Data -----------------------------------------------------------------------------------


def generate(args) -> dict[str, int]:
    from django.db import connection

    from bench import data

    ids = {}
    for size in args.report_sizes:
        started = time.perf_counter()
        ids[f"report_{size}"] = data.make_deployment(label=f"report-{size}", inputs=size).pk
        log(f"report deployment with {size:,} inputs: {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    ids["export"] = data.make_deployment(label="export", inputs=args.export_rows).pk
    log(
        f"export deployment with {args.export_rows:,} inputs: {time.perf_counter() - started:.1f} s"
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return ids


# --- Kiosk ----------------------------------------------------------------------------------


def _kiosk_setup(workdir: Path) -> tuple[Path, int, int]:
    """A deployment running today with one paired tablet per wrk thread; the wrk config file."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from bench import data
    from participation.models import Device
    from participation.services import devices

    today = timezone.localdate()
    deployment = data.make_deployment(
        label="kiosk", inputs=0, starts_on=today - dt.timedelta(days=3)
    )
    admin = get_user_model().objects.get(username="bench-admin")
    tokens = []
    for number in range(WRK_THREADS):
        device = Device.objects.create(
            organisation=deployment.organisation, name=f"Tablet {number}", deployment=deployment
        )
        devices.device_pairing_code_create(device=device, by=admin)
        device.refresh_from_db()
        tokens.append(devices.device_pair(code=device.pairing_code)[1])
    site = deployment.site.location
    created = (timezone.now() - dt.timedelta(minutes=1)).isoformat()
    theme = deployment.themes.order_by("pk").first().pk
    path = workdir / "kiosk.txt"
    path.write_text("\n".join([created, str(theme), str(site.y), str(site.x), *tokens]) + "\n")
    return path, deployment.pk, device.pk


def _gunicorn(stack: ExitStack, workdir: Path) -> str:
    from kiezlabor.devtools.services import free_port

    port = free_port()
    _start(
        stack,
        [
            str(BIN / "gunicorn"),
            "kiezlabor.wsgi",
            # The production settings (kiezlabor/gunicorn_conf.py), on a local port.
            "--config",
            str(GUNICORN_CONFIG),
            "--bind",
            f"127.0.0.1:{port}",
        ],
        workdir / "gunicorn.log",
    )
    url = f"http://127.0.0.1:{port}"

    def healthy() -> str | None:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310
                return "up" if response.status == 200 else None
        except OSError:
            return None

    _wait_for(healthy, seconds=60, what="gunicorn")
    return url


def _gunicorn_settings() -> dict[str, int | str]:
    """Workers and worker class as the config file sets them here (it reads the environment)."""
    config = runpy.run_path(str(GUNICORN_CONFIG))
    return {"gunicorn_workers": config["workers"], "gunicorn_worker_class": config["worker_class"]}


def _probe(url: str, config: Path) -> None:
    """One submission by hand: wrk must measure 201s, not refusals."""
    import uuid

    created, theme, lat, lng, token = config.read_text().splitlines()[:5]
    body = {
        "client_uuid": str(uuid.uuid4()),
        "kind": "idea",
        "text": "Probe: mehr Bänke im Schatten.",
        "theme": int(theme),
        "location": {"lat": float(lat), "lng": float(lng)},
        "language": "de",
        "age_band": "27_44",
        "relation": "lives_here",
        "heard_via": "passing_by",
        "created_on_device_at": created,
        "consent": True,
    }
    request = urllib.request.Request(  # noqa: S310 (http://127.0.0.1 only)
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Device {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"probe of {url}: {error.code} {error.read()[:500]!r}") from error
    if status != 201:
        raise RuntimeError(f"probe of {url}: {status}")


def _wrk(url: str, config: Path, *, seconds: int, run: int) -> dict:
    result = subprocess.run(  # noqa: S603 (our own command)
        [  # noqa: S607 (wrk from the Debian package, on PATH)
            "wrk",
            "-t",
            str(WRK_THREADS),
            "-c",
            str(CONNECTIONS),
            "-d",
            f"{seconds}s",
            "--latency",
            "-s",
            str(LUA),
            url,
        ],
        env={**os.environ, "BENCH_KIOSK_FILE": str(config), "BENCH_RUN": str(run)},
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(line for line in result.stdout.splitlines() if line.startswith("BENCH_JSON "))
    figures = json.loads(line.removeprefix("BENCH_JSON "))
    figures["errors"] = sum(
        figures[key]
        for key in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts")
    )
    return figures


def kiosk(args, workdir: Path, stack: ExitStack) -> dict:
    from django.db import connection

    config, deployment_id, device_id = _kiosk_setup(workdir)
    connection.close()
    with ExitStack() as servers:
        base = _gunicorn(servers, workdir)
        endpoints = {
            "kiosk": f"{base}/api/kiosk/contributions/",
            "ceiling": f"{base}/bench/ceiling/{deployment_id}/{device_id}/",
        }
        for url in endpoints.values():
            _probe(url, config)
        runs: dict[str, list[dict]] = {"kiosk": [], "ceiling": []}
        for number in range(1, args.runs + 1):
            for name, url in endpoints.items():  # alternating: both see the same noise
                offset = 0 if name == "kiosk" else 1000
                figures = _wrk(url, config, seconds=args.kiosk_seconds, run=offset + number)
                figures["load"] = _load()
                runs[name].append(figures)
                log(
                    f"kiosk {name} run {number}: {figures['rps']:.0f} req/s, "
                    f"p50/p95/p99 {figures['p50_ms']:.1f}/{figures['p95_ms']:.1f}/"
                    f"{figures['p99_ms']:.1f} ms, errors {figures['errors']}"
                )
    return {
        "connections": CONNECTIONS,
        "seconds": args.kiosk_seconds,
        **_gunicorn_settings(),
        "runs": runs,
    }


# --- Report ---------------------------------------------------------------------------------

# The figures the report shows, each as one plain aggregate over the deployment's inputs.
AGGREGATES = [
    "SELECT kind, channel, count(*) FROM participation_contribution WHERE deployment_id = %(d)s"
    " AND duplicate_of_id IS NULL AND moderation_status NOT IN ('rejected', 'hidden')"
    " GROUP BY 1, 2",
    "SELECT theme_id, count(*) FROM participation_contribution WHERE deployment_id = %(d)s"
    " AND moderation_status NOT IN ('rejected', 'hidden') GROUP BY 1",
    "SELECT date_trunc('day', received_at AT TIME ZONE 'Europe/Berlin'),"
    " extract(hour FROM received_at AT TIME ZONE 'Europe/Berlin'), count(*)"
    " FROM participation_contribution WHERE deployment_id = %(d)s"
    " AND moderation_status NOT IN ('rejected', 'hidden') GROUP BY 1, 2",
    "SELECT age_band, relation, heard_via, language, count(*) FROM participation_contribution"
    " WHERE deployment_id = %(d)s AND moderation_status NOT IN ('rejected', 'hidden')"
    " GROUP BY 1, 2, 3, 4",
    "SELECT a.code, count(*) FROM participation_contribution c JOIN deployments_area a"
    " ON ST_Contains(a.geometry, c.location) WHERE c.deployment_id = %(d)s"
    " AND c.moderation_status NOT IN ('rejected', 'hidden') GROUP BY 1",
    "SELECT round(ST_X(ST_Transform(location, 25833)) / 25), round(ST_Y(ST_Transform(location,"
    " 25833)) / 25), count(*) FROM participation_contribution WHERE deployment_id = %(d)s"
    " AND location IS NOT NULL AND moderation_status NOT IN ('rejected', 'hidden') GROUP BY 1, 2",
    "SELECT rating, count(*) FROM participation_contribution WHERE deployment_id = %(d)s"
    " AND rating IS NOT NULL GROUP BY 1",
]


def _report_once(deployment, admin, worker_pid: int) -> tuple[float, int, int]:
    from django.db import transaction

    from reports.models import Report
    from reports.services import report_request

    _reset_peak(worker_pid)
    started = time.perf_counter()
    with transaction.atomic():
        report = report_request(deployment=deployment, language="de", by=admin)

    def finished() -> str | None:
        state = Report.objects.filter(pk=report.pk).values_list("state", flat=True).get()
        return state if state in (Report.State.DONE, Report.State.FAILED) else None

    state = _wait_for(finished, seconds=1800, what="report")
    seconds = time.perf_counter() - started
    if state != Report.State.DONE:
        error = Report.objects.filter(pk=report.pk).values_list("error", flat=True).get()
        raise RuntimeError(f"report failed: {error}")
    return seconds, _peak_rss(worker_pid), report.pk


def _report_floor(report_id: int) -> dict[str, float]:
    """WeasyPrint alone on the very same final HTML, plus the raw SQL aggregates."""
    from django.db import connection
    from django.utils import translation

    from analysis.snapshot import Snapshot
    from reports import rendering
    from reports.models import Report

    report = Report.objects.get(pk=report_id)
    snapshot = Snapshot.from_dict(report.snapshot)
    with translation.override(report.language):
        html = rendering.report_html(
            snapshot=snapshot,
            recommendations=list(report.recommendations),
            charts_by_name=rendering.build_charts(snapshot),
            maps_by_name=rendering.build_maps(snapshot),
            language=report.language,
        )
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in AGGREGATES:
            cursor.execute(sql, {"d": report.deployment_id})
            cursor.fetchall()
    sql_seconds = time.perf_counter() - started
    started = time.perf_counter()
    rendering.html_to_pdf(html)
    pdf_seconds = time.perf_counter() - started
    return {"sql": sql_seconds, "weasyprint": pdf_seconds, "total": sql_seconds + pdf_seconds}


def report(args, workdir: Path, ids: dict[str, int]) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from deployments.models import Deployment

    admin = get_user_model().objects.get(username="bench-admin")
    results: dict = {"sizes": {}}
    with ExitStack() as stack:
        worker = _worker(stack, workdir, "report-worker")
        results["worker_rss_at_start"] = _peak_rss(worker.pid)
        for size in args.report_sizes:
            deployment = Deployment.objects.get(pk=ids[f"report_{size}"])
            runs = []
            for number in range(1, args.runs + 1):
                seconds, peak, report_id = _report_once(deployment, admin, worker.pid)
                runs.append({"seconds": seconds, "peak_rss": peak, "load": _load()})
                log(
                    f"report {size:,} run {number}: {seconds:.1f} s, worker peak {peak / MB:.0f} MB"
                )
            results["sizes"][str(size)] = {"runs": runs, "report_id": report_id}
    connection.close()
    largest = max(args.report_sizes)
    floors = []
    for number in range(1, args.runs + 1):
        floor = _report_floor(results["sizes"][str(largest)]["report_id"])
        floor["load"] = _load()
        floors.append(floor)
        log(f"report floor {largest:,} run {number}: {floor['total']:.1f} s")
    results["floor"] = {"size": largest, "runs": floors}
    return results


# --- Export ---------------------------------------------------------------------------------


def _export_once(deployment, admin, worker_pid: int) -> tuple[float, int, int]:
    from django.db import transaction

    from participation.models import ExportJob, JobState
    from participation.services.exports import export_job_create

    _reset_peak(worker_pid)
    started = time.perf_counter()
    with transaction.atomic():
        job = export_job_create(deployment=deployment, format="csv", by=admin)

    def finished() -> str | None:
        state = ExportJob.objects.filter(pk=job.pk).values_list("state", flat=True).get()
        return state if state in (JobState.DONE, JobState.FAILED) else None

    state = _wait_for(finished, seconds=1800, what="export")
    seconds = time.perf_counter() - started
    job.refresh_from_db()
    if state != JobState.DONE:
        raise RuntimeError(f"export failed: {job.error}")
    size = job.file.size
    job.file.storage.delete(job.file.name)  # five files of ~150 MB each need not stay
    return seconds, _peak_rss(worker_pid), size, job.row_count


def _copy_floor(deployment, directory: Path) -> dict:
    """COPY (the export's own SELECT) TO STDOUT WITH CSV, into a file like the export."""
    from django.db import connection
    from psycopg import ClientCursor

    from participation.selectors.exports import export_queryset

    queryset = export_queryset(
        deployment=deployment, include_unapproved=True, include_demographics=True
    )
    sql, params = queryset.query.sql_with_params()
    connection.ensure_connection()
    select = ClientCursor(connection.connection).mogrify(sql, params)
    path = directory / "copy.csv"
    started = time.perf_counter()
    statement = f"COPY ({select}) TO STDOUT WITH CSV HEADER"
    with connection.cursor() as cursor, path.open("wb") as file, cursor.copy(statement) as copy:
        for block in copy:
            file.write(block)
    seconds = time.perf_counter() - started
    size = path.stat().st_size
    path.unlink()
    return {"seconds": seconds, "bytes": size}


def export(args, workdir: Path, ids: dict[str, int]) -> dict:
    from django.contrib.auth import get_user_model

    from deployments.models import Deployment

    admin = get_user_model().objects.get(username="bench-admin")
    deployment = Deployment.objects.get(pk=ids["export"])
    results: dict = {"rows": args.export_rows, "runs": [], "floor": []}
    with ExitStack() as stack:
        worker = _worker(stack, workdir, "export-worker")
        results["worker_rss_at_start"] = _peak_rss(worker.pid)
        for number in range(1, args.runs + 1):
            seconds, peak, size, rows = _export_once(deployment, admin, worker.pid)
            results["runs"].append(
                {"seconds": seconds, "peak_rss": peak, "bytes": size, "rows": rows, "load": _load()}
            )
            log(f"export run {number}: {rows:,} rows in {seconds:.1f} s, peak {peak / MB:.0f} MB")
    with tempfile.TemporaryDirectory(dir=workdir) as directory:
        for number in range(1, args.runs + 1):
            floor = _copy_floor(deployment, Path(directory))
            floor["load"] = _load()
            results["floor"].append(floor)
            log(f"export COPY floor run {number}: {floor['seconds']:.1f} s")
    return results


# --- Targets and reports --------------------------------------------------------------------


def _target(name: str, value: float, limit: float, unit: str, passed: bool) -> dict:
    return {"name": name, "value": round(value, 3), "limit": limit, "unit": unit, "pass": passed}


def targets(runs: dict) -> list[dict]:
    found = []
    if "kiosk" in runs:
        kiosk_runs, ceiling_runs = runs["kiosk"]["runs"]["kiosk"], runs["kiosk"]["runs"]["ceiling"]
        rps = statistics.median(run["rps"] for run in kiosk_runs)
        ceiling = statistics.median(run["rps"] for run in ceiling_runs)
        p95 = statistics.median(run["p95_ms"] for run in kiosk_runs)
        errors = sum(run["errors"] for run in kiosk_runs)
        found += [
            _target(
                "Kiosk: req/s ≥ 0.5 × ceiling (median ratio)",
                rps / ceiling,
                0.5,
                "×",
                rps / ceiling >= 0.5,
            ),
            _target("Kiosk: p95 < 100 ms at 32 connections (median)", p95, 100, "ms", p95 < 100),
            _target("Kiosk: 0 errors (all runs)", errors, 0, "errors", errors == 0),
        ]
    if "report" in runs:
        sizes = runs["report"]["sizes"]
        largest, smallest = max(sizes, key=int), min(sizes, key=int)
        time_of = {
            size: statistics.median(r["seconds"] for r in sizes[size]["runs"]) for size in sizes
        }
        floor = statistics.median(r["total"] for r in runs["report"]["floor"]["runs"])
        peak = max(r["peak_rss"] for size in sizes.values() for r in size["runs"]) / MB
        scaling = time_of[largest] / time_of[smallest]
        label = f"{int(largest) // 1000}k"
        found += [
            _target(
                f"Report: {label} end-to-end ≤ 1.5 × floor (median ratio)",
                time_of[largest] / floor,
                1.5,
                "×",
                time_of[largest] / floor <= 1.5,
            ),
            _target(
                f"Report: {label} end-to-end ≤ 20 s (median)",
                time_of[largest],
                20,
                "s",
                time_of[largest] <= 20,
            ),
            _target("Report: worker peak RSS < 600 MB (max)", peak, 600, "MB", peak < 600),
            _target(
                f"Report: time({label})/time({int(smallest) // 1000}k) ≤ 2.5 (medians)",
                scaling,
                2.5,
                "×",
                scaling <= 2.5,
            ),
        ]
    if "export" in runs:
        export_runs = runs["export"]["runs"]
        seconds = statistics.median(r["seconds"] for r in export_runs)
        floor = statistics.median(r["seconds"] for r in runs["export"]["floor"])
        peak = max(r["peak_rss"] for r in export_runs) / MB
        rows = f"{runs['export']['rows']:,}"
        found += [
            _target(
                f"Export: {rows} rows, worker peak RSS < 200 MB (max)", peak, 200, "MB", peak < 200
            ),
            _target(
                f"Export: {rows} rows ≤ 3 × COPY floor (median ratio)",
                seconds / floor,
                3,
                "×",
                seconds / floor <= 3,
            ),
        ]
    for name, counts in runs.get("queries", {}).items():
        small, large = counts["10"], counts["10000"]
        found.append(
            _target(
                f"Queries equal at 10 and 10,000 rows: {name}",
                large,
                small,
                "queries",
                large == small,
            )
        )
    return found


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        int(line.split()[1]) * 1024
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    return {
        "hostname": platform.node(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(memory / 1024**3, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgres": subprocess.run(
            ["psql", "--version"],  # noqa: S607
            capture_output=True,
            text=True,
        ).stdout.strip(),
    }


def _spread(values: list[float], fmt: str = "{:.1f}") -> str:
    s = summary(values)
    return f"{fmt.format(s['median'])} ({fmt.format(s['min'])}–{fmt.format(s['max'])})"


def markdown(results: dict) -> str:
    runs = results["runs"]
    m = results["machine"]
    lines = [
        "# Performance",
        "",
        "Written by `make bench` (`python -m bench`, see `bench/`); raw figures in "
        "`bench/results.json`. Medians with min–max over all runs.",
        "",
        f"- Date: {results['date']}",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM, Linux "
        f"{m['kernel']}, Python {m['python']}, {m['postgres']}",
        f"- Load average at start / end: {results['load']['start']} / {results['load']['end']}"
        " — the machine was shared with other jobs (test suites) during the run, so absolute "
        "figures are noisy; compare the ratios, which were measured side by side.",
        f"- Duration of the whole run: {results['duration_seconds'] / 60:.1f} min",
        "",
        "## Targets",
        "",
        "| Target | Value | Limit | Result |",
        "|---|---|---|---|",
    ]
    for target in results["targets"]:
        lines.append(
            f"| {target['name']} | {target['value']:g} {target['unit']} | {target['limit']:g} "
            f"{target['unit']} | {'PASS' if target['pass'] else '**FAIL**'} |"
        )
    if "kiosk" in runs:
        k = runs["kiosk"]
        lines += [
            "",
            f"## Kiosk submissions (wrk, {k['connections']} connections, {k['seconds']} s, "
            f"gunicorn with {k['gunicorn_workers']} {k.get('gunicorn_worker_class', 'sync')} "
            "workers)",
            "",
            "| Endpoint | req/s | p50 ms | p95 ms | p99 ms | errors |",
            "|---|---|---|---|---|---|",
        ]
        for name, label in (
            ("kiosk", "POST /api/kiosk/contributions/"),
            ("ceiling", "ceiling (raw SQL view)"),
        ):
            r = k["runs"][name]
            lines.append(
                f"| {label} | {_spread([x['rps'] for x in r], '{:.0f}')} | "
                f"{_spread([x['p50_ms'] for x in r])} | {_spread([x['p95_ms'] for x in r])} | "
                f"{_spread([x['p99_ms'] for x in r])} | {sum(x['errors'] for x in r)} |"
            )
    if "report" in runs:
        rp = runs["report"]
        lines += [
            "",
            "## Report (Ortsanalyse PDF, end-to-end through the Celery worker)",
            "",
            "| Inputs | seconds | worker peak RSS MB |",
            "|---|---|---|",
        ]
        for size, data in rp["sizes"].items():
            lines.append(
                f"| {int(size):,} | {_spread([r['seconds'] for r in data['runs']])} | "
                f"{_spread([r['peak_rss'] / MB for r in data['runs']], '{:.0f}')} |"
            )
        f = rp["floor"]
        lines += [
            "",
            f"Floor at {f['size']:,} inputs (same final HTML through WeasyPrint alone + raw SQL "
            f"aggregates): {_spread([r['total'] for r in f['runs']], '{:.2f}')} s, of which "
            f"WeasyPrint {_spread([r['weasyprint'] for r in f['runs']], '{:.2f}')} s and SQL "
            f"{_spread([r['sql'] for r in f['runs']], '{:.2f}')} s. Worker RSS right after start: "
            f"{rp['worker_rss_at_start'] / MB:.0f} MB.",
            "",
            "The generated texts combine 15 subjects, 8 wishes and 10 places (1,200 different "
            "sentences), so many inputs repeat word for word, and the topic analysis counts "
            "and factorises each different text once. Residents' real texts differ more: with "
            "mostly different texts the topic step takes longer (see issue 8's note).",
        ]
    if "export" in runs:
        e = runs["export"]
        lines += [
            "",
            f"## Export (CSV, {e['rows']:,} inputs, through the Celery worker)",
            "",
            f"- Export: {_spread([r['seconds'] for r in e['runs']])} s, worker peak RSS "
            f"{_spread([r['peak_rss'] / MB for r in e['runs']], '{:.0f}')} MB (worker right after "
            f"start: {e['worker_rss_at_start'] / MB:.0f} MB), file "
            f"{e['runs'][0]['bytes'] / MB:.0f} MB",
            f"- Floor `COPY (same SELECT) TO STDOUT WITH CSV`: "
            f"{_spread([r['seconds'] for r in e['floor']])} s",
        ]
    if "queries" in runs:
        lines += [
            "",
            "## Query counts",
            "",
            "| Page or call | 10 rows | 10,000 rows |",
            "|---|---|---|",
        ]
        for name, counts in runs["queries"].items():
            lines.append(f"| {name} | {counts['10']} | {counts['10000']} |")
    return "\n".join(lines) + "\n"


def run_all(args, *, workdir: Path, stack: ExitStack) -> int:
    started = time.perf_counter()
    load_start = _load()
    django.setup()
    from django.core.management import call_command

    only = set(args.only.split(","))
    log(f"migrating (load {load_start})")
    call_command("migrate", interactive=False, verbosity=0)
    runs: dict = {}
    from bench import queries

    counts = queries.query_counts()  # also creates bench-admin, needed by the others
    if "queries" in only:
        runs["queries"] = counts
        log(f"query counts: {counts}")
    ids = generate(args) if only & {"report", "export"} else {}
    if "kiosk" in only:
        runs["kiosk"] = kiosk(args, workdir, stack)
    if "report" in only:
        runs["report"] = report(args, workdir, ids)
    if "export" in only:
        runs["export"] = export(args, workdir, ids)
    results = {
        "machine": machine(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "targets": targets(runs),
        "runs": runs,
        "load": {"start": load_start, "end": _load()},
        "duration_seconds": round(time.perf_counter() - started, 1),
        "settings": vars(args),
    }
    print("\nTargets:")
    for target in results["targets"]:
        verdict = "PASS" if target["pass"] else "FAIL"
        print(
            f"  {verdict}  {target['name']}: {target['value']:g} {target['unit']} "
            f"(limit {target['limit']:g})"
        )
    if not args.keep:
        RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
        SUMMARY.parent.mkdir(exist_ok=True)
        SUMMARY.write_text(markdown(results))
        log(f"wrote {RESULTS.relative_to(BASE_DIR)} and {SUMMARY.relative_to(BASE_DIR)}")
    return 0
