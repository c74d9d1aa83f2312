"""Load from wrk (Debian's package) on loopback: closed-loop peak runs, and paced runs at a
share of the peak (each connection waits between requests) for latency under load."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

SCRIPT = """
local tokens = {%(tokens)s}
local path = %(path)s
local pause = %(pause)s
local i = 0
request = function()
  i = i + 1
  local headers = {}
  if #tokens > 0 then headers["Authorization"] = "Bearer " .. tokens[(i %% #tokens) + 1] end
  return wrk.format("GET", path, headers)
end
-- Exponential pauses (same mean): arrivals spread like independent users', instead of
-- the connections falling into step and arriving in bursts of 16.
math.randomseed(os.time())
if pause > 0 then delay = function() return -math.log(1 - math.random()) * pause end end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p99_us": %%d, ' ..
    '"errors": %%d, "status_errors": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


CONNECTIONS = 16  # enough to keep one server process busy without queueing in it


class LoadToolMissing(RuntimeError):
    pass


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    failed: int  # connection errors, timeouts and answers other than 2xx/3xx


def wrk_version() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise LoadToolMissing(
            "salon bench drives the server with wrk: install it with `apt-get install wrk` "
            "(Debian/Ubuntu) or `brew install wrk`, then run it again.")
    out = subprocess.run([found, "-v"], capture_output=True, text=True, check=False)
    return (out.stdout + out.stderr).split("[")[0].strip() or "wrk"


def run(url: str, path: str, *, tokens: list[str], seconds: float, connections: int,
        pause_ms: int = 0) -> Load:
    """One wrk run against `url` + `path`, rotating bearer tokens over requests; bounded
    by `seconds` (and killed if it overruns by much)."""
    wrk_version()
    lua = SCRIPT % {
        "tokens": ", ".join(json.dumps(t) for t in tokens),
        "path": json.dumps(path),
        "pause": int(pause_ms),
    }
    with tempfile.TemporaryDirectory(prefix="salon-wrk-") as tmp:
        script = Path(tmp) / "load.lua"
        script.write_text(lua)
        out = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s",
             "--timeout", "5s", "-s", str(script), url],
            capture_output=True, text=True, timeout=seconds + 30, check=False,
        )
    line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result:\n{out.stdout}\n{out.stderr}")
    found = json.loads(line.removeprefix("RESULT "))
    seconds_run = found["duration_us"] / 1e6
    return Load(
        rps=found["requests"] / seconds_run,
        p50_ms=found["p50_us"] / 1000,
        p99_ms=found["p99_us"] / 1000,
        requests=found["requests"],
        failed=found["errors"] + found["status_errors"],
    )


def paced(url: str, path: str, *, tokens: list[str], seconds: float, connections: int,
          target_rps: float, service_ms: float) -> Load:
    """A run near `target_rps`: each connection pauses between requests. `service_ms` is
    a request's time on an idle server (at peak, latency is mostly queueing: a pause
    sized from it keeps the server saturated). A few short tries correct the pause."""
    pause = max(0.0, connections * 1000 / target_rps - service_ms)

    def corrected(trial: Load) -> float:
        # ms per request per connection: wanted minus measured, added to the pause
        return max(0.0, pause + connections * 1000 / target_rps - connections * 1000 / trial.rps)

    for _ in range(3):
        trial = run(url, path, tokens=tokens, seconds=2, connections=connections,
                    pause_ms=round(pause))
        if trial.rps <= 0 or abs(trial.rps - target_rps) <= 0.05 * target_rps:
            break
        pause = corrected(trial)
    found = run(url, path, tokens=tokens, seconds=seconds, connections=connections,
                pause_ms=round(pause))
    if found.rps > 0 and abs(found.rps - target_rps) > 0.1 * target_rps:
        pause = corrected(found)  # the short tries misled: once more, from the long run
        found = run(url, path, tokens=tokens, seconds=seconds, connections=connections,
                    pause_ms=round(pause))
    return found
