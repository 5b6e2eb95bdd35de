"""Pieces shared by the burst benchmarks: a throwaway PostgreSQL database, a gunicorn server on it, and an asyncio
load generator (one connection per request, like phones) that can run in several client processes at once."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]


# --- load generator --------------------------------------------------------------------------------------------------

async def _request(host: str, port: int, method: str, path: str, headers: dict,
                   body: bytes) -> tuple[int, bytes, float]:
    started = time.perf_counter()
    for attempt in range(50):
        try:
            reader, writer = await asyncio.open_connection(host, port)
            break
        except OSError:
            await asyncio.sleep(0.01 * (attempt + 1))
    else:
        return 0, b"", time.perf_counter() - started
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    head += f"Content-Length: {len(body)}\r\n\r\n"
    writer.write(head.encode() + body)
    await writer.drain()
    raw = await reader.read()
    writer.close()
    elapsed = time.perf_counter() - started
    try:
        status = int(raw.split(b" ", 2)[1])
    except (IndexError, ValueError):
        status = 0
    return status, raw.partition(b"\r\n\r\n")[2], elapsed


def _label(job: dict, status: int, body: bytes) -> str:
    """The answer's label: the HTTP status, or for jobs with `parse` the named field of a 2xx body and the error
    code of a 4xx."""
    field = job.get("parse")
    if not field:
        return str(status)
    try:
        data = json.loads(body)
    except ValueError:
        return "unparsable" if status in (200, 201) else str(status)
    if status in (200, 201):
        return str(data.get(field))
    return f"{status}:{data.get('code')}"


async def _burst(host: str, port: int, jobs: list[dict], concurrency: int, *, keep_latencies: bool = False) -> dict:
    queue: asyncio.Queue = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    latencies: list[float] = []
    statuses: dict[str, int] = {}

    async def worker() -> None:
        while not queue.empty():
            job = queue.get_nowait()
            status, body, elapsed = await _request(host, port, job["method"], job["path"], job["headers"],
                                                   job["body"].encode())
            latencies.append(elapsed)
            label = _label(job, status, body)
            statuses[label] = statuses.get(label, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall = time.perf_counter() - started
    latencies.sort()
    out = {"n": len(latencies), "wall_s": wall, "rps": len(latencies) / wall if wall else 0.0,
           "p50_ms": 1000 * statistics.median(latencies) if latencies else 0.0,
           "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else 0.0,
           "statuses": statuses}
    if keep_latencies:
        out["latencies"] = latencies
    return out


def phase_client_main(spec_path: str) -> None:
    """One client process of a phase: run its share of the jobs, print when it started and ended (epoch seconds),
    its latencies and its answers."""
    spec = json.loads(Path(spec_path).read_text())
    # Every client of a phase waits for the same start instant, so they press at once.
    time.sleep(max(0.0, spec["start_at"] - time.time()))
    started = time.time()
    result = asyncio.run(_burst(spec["host"], spec["port"], spec["jobs"], spec["concurrency"], keep_latencies=True))
    print(json.dumps({"started": started, "ended": time.time(), "latencies": result["latencies"],
                      "statuses": result["statuses"]}))


def run_phase(script: str, jobs: list[dict], *, host: str, port: int, clients: int, concurrency: int,
              workdir: Path, name: str) -> dict:
    """Split `jobs` over `clients` processes (each `concurrency` connections at a time), start them together, and
    merge: requests per second over the phase's wall time (first start to last end), p50 and p99, answers."""
    procs = []
    start_at = time.time() + 1.5
    for i in range(clients):
        spec = workdir / f"{name}-{i}.json"
        spec.write_text(json.dumps({"host": host, "port": port, "concurrency": concurrency, "start_at": start_at,
                                    "jobs": jobs[i::clients]}))
        procs.append(subprocess.Popen([sys.executable, script, "--phase-client", str(spec)],
                                      stdout=subprocess.PIPE, text=True))
    parts = []
    for p in procs:
        out, _ = p.communicate()
        if p.returncode != 0:
            raise RuntimeError(f"client process failed with {p.returncode}")
        parts.append(json.loads(out.strip().splitlines()[-1]))
    latencies = sorted(x for part in parts for x in part["latencies"])
    statuses: dict[str, int] = {}
    for part in parts:
        for k, v in part["statuses"].items():
            statuses[k] = statuses.get(k, 0) + v
    wall = max(p["ended"] for p in parts) - min(p["started"] for p in parts)
    n = len(latencies)
    return {"n": n, "wall_s": wall, "rps": n / wall if wall else 0.0,
            "p50_ms": 1000 * statistics.median(latencies) if n else 0.0,
            "p99_ms": 1000 * latencies[min(n - 1, int(n * 0.99))] if n else 0.0, "statuses": statuses}


# --- CPU spent by the server ---------------------------------------------------------------------------------------

def proc_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) of a process on this machine, None when it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def server_cpu(server_pid: int, admin_url: str, db_name: str) -> dict[int, float]:
    """CPU seconds so far of the gunicorn workers (children of the master) and of the PostgreSQL backends connected
    to the bench database (they persist: CONN_MAX_AGE), by process id. Read around a phase, the difference is the
    work the server did for it, which drifts far less with the shared machine's load than requests per second."""
    import psycopg

    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == server_pid:
                pids.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    with psycopg.connect(admin_url, autocommit=True) as conn:
        pids += [r[0] for r in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [db_name])]
    return {pid: cpu for pid in pids if (cpu := proc_cpu(pid)) is not None}


def cpu_spent(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


# --- database and server ----------------------------------------------------------------------------------------------

def db_urls(suffix: str) -> tuple[str, str, str]:
    """(URL of the throwaway database <DATABASE_URL's name>_<suffix>, URL of the postgres database, its name)."""
    base = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/zhijia"
    u = urlparse(base)
    name = f"{u.path.lstrip('/')}_{suffix}"
    return urlunparse(u._replace(path=f"/{name}")), urlunparse(u._replace(path="/postgres")), name


def admin_sql(admin_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql)


def wait_for(port: int, timeout: float = 60) -> None:
    import http.client

    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"server on port {port} did not come up")


def start_gunicorn(*, port: int, workers: int, env: dict) -> subprocess.Popen:
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "zhijia.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--backlog", "4096", "--timeout", "120", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True)
    wait_for(port)
    return server


def stop_server(server: subprocess.Popen | None) -> None:
    if server is not None and server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def issue_tokens(user_ids, *, hours: int = 6) -> dict[int, str]:
    """A bearer token for each user, written in bulk (the same digest the API checks)."""
    import datetime as dt
    import hashlib
    import secrets

    from django.utils import timezone

    from zhijia.accounts.models import ApiToken

    tokens, rows = {}, []
    expires = timezone.now() + dt.timedelta(hours=hours)
    for user_id in user_ids:
        raw = secrets.token_urlsafe(24)
        tokens[user_id] = raw
        rows.append(ApiToken(user_id=user_id, digest=hashlib.sha256(raw.encode()).hexdigest(), expires_at=expires))
    ApiToken.objects.bulk_create(rows, batch_size=5000)
    return tokens


class Null:
    def write(self, *_args, **_kw) -> None:
        pass
