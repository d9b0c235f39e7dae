"""Benchmark lambdalint against its peers, cfn-lint and checkov, on the same inputs (not a test).

Usage (from the repository root)::

    /work/venv/bin/python bench/run.py [--quick] [--skip-peers] [--profile]

Scenarios, each run side by side in one invocation:

(a) cold start: one small SAM template, whole process, median of 5 runs after a warm-up;
(b) the SAM/CloudFormation units of ``../shared/corpus/real`` (from its MANIFEST.tsv), every
    tool in one process over the whole file list;
(c) its Terraform units: lambdalint against checkov;
(d) generated templates of 10, 100, 1,000 and 10,000 functions (``bench/generate.py``), SAM and
    plain CloudFormation, to show how cost grows (it must grow linearly), with an in-process
    breakdown of lambdalint's time per phase and per rule (the recursion check, LL101, must not
    be quadratic in functions).

Why whole processes: a user pays for interpreter start, imports and output too, and the peers
can only be measured that way. Wall time is taken here; CPU time and peak RSS come from ``wait4``
on exactly that child, done by a small wrapper (GNU time, see ``rusage_wrapper``) so that this
script's own memory cannot leak into the child's peak. They include the descendants the child
waited for (checkov's worker processes): CPU is their sum, peak RSS the largest single process.

The peers are installed with pip into their own venv (default /tmp/lambdalint-bench-peers) so
their dependencies cannot disturb lambdalint's environment; lambdalint runs from the interpreter
that runs this script. checkov is run per framework with ``--skip-download`` and
``BC_SKIP_MAPPING``/``CKV_SKIP_PACKAGE_UPDATE_CHECK`` set, so it makes no network call that
would hang or fail here; a checkov crash is recorded as a result of the comparison, not skipped.

Ratios are lambdalint's time divided by the peer's: below 1 means lambdalint is faster. Only
ratios are meant to be compared between machines. This script uses the standard library only.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "real"
DEFAULT_PEERS = Path(os.environ.get("LAMBDALINT_BENCH_PEERS", "/tmp/lambdalint-bench-peers"))
DEFAULT_WORK = Path(os.environ.get("LAMBDALINT_BENCH_WORK", "/tmp/lambdalint-bench"))
SMALL_TEMPLATE = ROOT / "sample_templates" / "order-pipeline" / "template.yaml"
SIZES = (10, 100, 1000, 10000)
QUICK_SIZES = (10, 100, 1000)

# Targets of the issue: lambdalint time / peer time at most this much, and 10,000 functions in
# one template under TARGET_10K seconds.
TARGET_COLD = 0.15
TARGET_CORPUS = 0.10
TARGET_TERRAFORM = 0.10
TARGET_10K = 10.0
# Linear growth: 10x the functions may cost at most this many times the time (10 plus noise).
LINEAR_STEP = 13.0

# checkov reaches for its platform API at start; these keep it offline.
CHECKOV_ENV = {
    "BC_SKIP_MAPPING": "TRUE",  # no download of check id mappings and guidelines
    "CKV_SKIP_PACKAGE_UPDATE_CHECK": "TRUE",  # no PyPI version check in the banner
    "CKV_GITHUB_CONFIG_FETCH_DATA": "FALSE",
    "CKV_GITLAB_CONFIG_FETCH_DATA": "FALSE",
    "CKV_VALIDATE_SECRETS": "FALSE",
}
CHECKOV_FLAGS = ["--skip-download", "--skip-results-upload", "--quiet", "--compact", "--output", "json"]


# ---------------------------------------------------------------------------------------------
# Measuring one process


@dataclass
class Run:
    """One whole-process measurement and what the tool said about its inputs."""

    tool: str
    wall: float
    cpu: float  # user + system, including waited-for descendants
    peak_mb: float  # ru_maxrss: largest resident set of the process or one of its descendants
    returncode: int | None
    timed_out: bool = False
    stdout: Path | None = None
    stderr: str = ""
    counts: Counts | None = None

    @property
    def ok(self) -> bool:
        """A run whose time means something: not timed out, not crashed, something linted."""
        return not self.timed_out and (self.counts is None or not (self.counts.crashed or self.counts.refused))


@dataclass
class Counts:
    """What a tool reports about its inputs, for "units parsed / errors" comparisons."""

    given: int = 0  # units handed to the tool
    parsed: int | None = None  # units it read and checked
    errors: int | None = None  # units it could not read or process (its own parse/transform errors)
    findings: int | None = None
    crashed: bool = False  # the process died with a traceback or printed no usable report
    crash: str = ""  # the exception line of the traceback
    rule_crashes: int = 0  # checks that failed inside (cfn-lint E0002, lambdalint LL000)
    refused: str = ""  # every unit given was refused (e.g. over a size limit): nothing was linted
    notes: list[str] = field(default_factory=list)


LAUNCHER = r"""
import os, sys
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(f"{usage.ru_utime} {usage.ru_stime} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}\n")
sys.exit(os.waitstatus_to_exitcode(status) & 0xFF)
"""


def rusage_wrapper() -> tuple[str, Callable[[Path], list[str]]]:
    """How to get the exact peak RSS of one child.

    ``os.wait4`` in this script is not enough on Linux: at ``exec`` the kernel keeps, as the
    child's ``ru_maxrss``, the high-water RSS of the image it replaces, i.e. of this Python
    process (forked or vforked), which can be larger than a small tool. So the tool is started by
    a small process that forks it and reports its ``wait4`` rusage: GNU time
    (``/usr/bin/time -f``, about 1 MB of its own) when present, else a bare ``python -S``
    launcher (about 9 MB, a floor under which no peak can be measured)."""
    gnu_time = shutil.which("time", path="/usr/bin:/bin") or ""
    if gnu_time:
        probe = Path(os.environ.get("TMPDIR", "/tmp")) / f"lambdalint-bench-probe-{os.getpid()}"
        proc = subprocess.run([gnu_time, "-f", "%U %S %M %x", "-o", str(probe), "--", "true"],
                              capture_output=True, check=False)
        text = probe.read_text().strip() if probe.exists() else ""
        probe.unlink(missing_ok=True)
        if proc.returncode == 0 and len(text.split()) == 4:
            return "GNU time (`/usr/bin/time -f '%U %S %M %x'`)", lambda out: [
                gnu_time, "-f", "%U %S %M %x", "-o", str(out), "--"]
    return "a `python -S` fork/wait4 launcher (peak RSS floor about 9 MB)", lambda out: [
        sys.executable, "-S", "-c", LAUNCHER, str(out)]


RUSAGE_METHOD, WRAP = rusage_wrapper()


def measure(tool: str, argv: Sequence[str], *, cwd: Path, out: Path, timeout: float,
            env: dict[str, str] | None = None) -> Run:
    """Run ``argv`` once, stdout to ``out``: wall time from here, CPU time and peak RSS of exactly
    this child (and the descendants it waited for) from the wrapper's ``wait4``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    err_path = out.with_suffix(out.suffix + ".stderr")
    usage_path = out.with_suffix(out.suffix + ".rusage")
    usage_path.unlink(missing_ok=True)
    timed_out = threading.Event()
    with open(out, "wb") as stdout, open(err_path, "wb") as stderr:
        start = time.perf_counter()
        proc = subprocess.Popen([*WRAP(usage_path), *argv], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                stdout=stdout, stderr=stderr, start_new_session=True)

        def kill() -> None:
            timed_out.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # the session this child leads: its own tree

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
    if timed_out.is_set():  # leftovers of the killed tree (e.g. pool workers) must not linger
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    cpu, peak_kb, returncode = usage.ru_utime + usage.ru_stime, usage.ru_maxrss, proc.returncode
    with contextlib.suppress(OSError, ValueError, IndexError):
        user, system, maxrss, code = usage_path.read_text().strip().splitlines()[-1].split()
        cpu, peak_kb, returncode = float(user) + float(system), int(maxrss), int(code)
    stderr_text = err_path.read_text(errors="replace")
    return Run(tool, wall, cpu, peak_kb / 1024, None if timed_out.is_set() else returncode,
               timed_out.is_set(), out, stderr_text)


def median_run(runs: list[Run]) -> Run:
    """The run of median wall time, carrying the median wall/CPU and the largest peak."""
    ordered = sorted(runs, key=lambda r: r.wall)
    mid = ordered[len(ordered) // 2]
    return Run(mid.tool, statistics.median(r.wall for r in runs), statistics.median(r.cpu for r in runs),
               max(r.peak_mb for r in runs), mid.returncode, any(r.timed_out for r in runs), mid.stdout,
               mid.stderr, mid.counts)


def traceback_line(stderr: str) -> str:
    """The exception line that ends the last traceback in ``stderr`` ('' if none)."""
    lines = stderr.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent call last)")]
    if not starts:
        return ""
    for line in lines[starts[-1] + 1:]:
        if line and not line.startswith((" ", "\t")) and not line.startswith("Traceback"):
            return line.strip()[:200]
    return "Traceback"


def load_json(path: Path | None) -> object | None:
    """The report a tool printed; of several concatenated JSON documents, the last."""
    if path is None:
        return None
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return None
    decoder = json.JSONDecoder()
    index, last = 0, None
    while True:
        while index < len(text) and text[index].isspace():
            index += 1
        if index >= len(text):
            return last
        try:
            last, index = decoder.raw_decode(text, index)
        except ValueError:
            return last


# ---------------------------------------------------------------------------------------------
# Reading each tool's report


def lambdalint_counts(run: Run, given: int) -> Counts:
    counts = Counts(given=given)
    data = load_json(run.stdout)
    if not isinstance(data, dict) or "summary" not in data:
        counts.crashed = True
        counts.crash = traceback_line(run.stderr) or f"no JSON report (exit {run.returncode})"
        return counts
    summary = data["summary"]
    if not summary.get("units") and summary.get("errors") and given:
        counts.refused = "; ".join(str(e.get("message", "")) for e in data.get("errors", []))[:200]
    counts.parsed = summary.get("units")
    counts.errors = summary.get("errors")
    counts.findings = summary.get("findings")
    counts.rule_crashes = sum(1 for f in data.get("findings", []) if f.get("rule_id") == "LL000")
    internal = sum(1 for e in data.get("errors", []) if "internal error" in str(e.get("message", "")))
    if internal:
        counts.notes.append(f"{internal} internal errors")
    if summary.get("skipped"):
        counts.notes.append(f"{summary['skipped']} skipped as not templates")
    return counts


CFN_LINT_PARSE = {"E0000"}  # the template could not be parsed
CFN_LINT_PROCESS = {"E0001"}  # the SAM transform or the template processing failed
CFN_LINT_RULE_CRASH = {"E0002"}  # a rule raised


def cfn_lint_counts(run: Run, given: int) -> Counts:
    counts = Counts(given=given)
    data = load_json(run.stdout)
    if not isinstance(data, list):
        counts.crashed = True
        counts.crash = traceback_line(run.stderr) or f"no JSON report (exit {run.returncode})"
        return counts
    failed: set[str] = set()
    findings = 0
    for match in data:
        rule = (match.get("Rule") or {}).get("Id", "")
        if rule in CFN_LINT_PARSE or rule in CFN_LINT_PROCESS:
            failed.add(match.get("Filename", ""))
        elif rule in CFN_LINT_RULE_CRASH:
            counts.rule_crashes += 1
        else:
            findings += 1
    counts.errors = len(failed)
    counts.parsed = given - len(failed)
    counts.findings = findings
    return counts


def checkov_counts(run: Run, given: int) -> Counts:
    counts = Counts(given=given)
    data = load_json(run.stdout)
    reports = data if isinstance(data, list) else [data] if isinstance(data, dict) else None
    crash = traceback_line(run.stderr)
    if reports is None or run.returncode not in (0, 1):
        counts.crashed = True
        counts.crash = crash or f"no JSON report (exit {run.returncode})"
        return counts
    parse_errors = failed = resources = 0
    for report in reports:
        summary = report.get("summary", {}) if isinstance(report, dict) else {}
        parse_errors += int(summary.get("parsing_errors", 0) or 0)
        failed += int(summary.get("failed", 0) or 0)
        resources += int(summary.get("resource_count", 0) or 0)
    counts.errors = parse_errors  # checkov counts files (a Terraform unit has several)
    counts.parsed = max(given - parse_errors, 0)
    counts.findings = failed
    counts.notes.append(f"{resources} resources")
    if crash:
        counts.notes.append(f"logged a traceback: {crash}")
    return counts


# ---------------------------------------------------------------------------------------------
# Tools


@dataclass
class Tools:
    """How to start each tool; a peer is None when it is skipped or could not be installed."""

    lambdalint: list[str]
    cfn_lint: list[str] | None
    checkov: list[str] | None
    versions: dict[str, str]
    peer_env: dict[str, str]
    notes: list[str] = field(default_factory=list)


def lambdalint_command() -> list[str]:
    """The ``lambdalint`` script next to this interpreter (what users run), else ``-m``."""
    script = Path(sys.executable).parent / "lambdalint"
    return [str(script)] if script.exists() else [sys.executable, "-m", "lambdalint"]


def quiet(argv: list[str], timeout: float = 120, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env, check=False)


def ensure_peers(venv: Path, specs: list[str], upgrade: bool) -> tuple[Path, dict[str, str]]:
    """Create or reuse the peers' venv and pip-install cfn-lint and checkov there."""
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"creating the peers' venv {venv}", flush=True)
        proc = quiet([sys.executable, "-m", "venv", str(venv)], timeout=300)
        if proc.returncode != 0:
            raise RuntimeError(f"python -m venv failed: {proc.stderr.strip()[-500:]}")
    missing = [name for name in ("cfn-lint", "checkov") if not (venv / "bin" / name).exists()]
    if missing or upgrade:
        print(f"installing {' '.join(specs)} into {venv} (pip)", flush=True)
        args = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        proc = quiet([*args, *(["--upgrade"] if upgrade else []), *specs], timeout=1800)
        if proc.returncode != 0:
            raise RuntimeError(f"pip install failed: {proc.stderr.strip()[-800:]}")
    probe = ("import importlib.metadata as m, platform, json; "
             "print(json.dumps({'cfn-lint': m.version('cfn-lint'), 'checkov': m.version('checkov'), "
             "'python': platform.python_version()}))")
    proc = quiet([str(python), "-c", probe])
    if proc.returncode != 0:
        raise RuntimeError(f"cannot read the peers' versions: {proc.stderr.strip()[-500:]}")
    return venv / "bin", json.loads(proc.stdout)


def setup_tools(args: argparse.Namespace) -> Tools:
    versions: dict[str, str] = {}
    ll = lambdalint_command()
    proc = quiet([sys.executable, "-c", "import importlib.metadata as m; print(m.version('lambdalint'))"])
    versions["lambdalint"] = proc.stdout.strip() or "?"
    git = quiet(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    if git.returncode == 0:
        dirty = quiet(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"]).stdout.strip()
        versions["lambdalint"] += f" (git {git.stdout.strip()}{', with uncommitted changes' if dirty else ''})"
    # An editable install adds setuptools' import finder (~10 ms a start) that users do not have.
    direct = quiet([sys.executable, "-I", "-c", "import importlib.metadata as m; "
                    "print(m.distribution('lambdalint').read_text('direct_url.json') or '')"]).stdout
    versions["lambdalint"] += ", editable install" if '"editable": true' in direct else ", regular install"
    versions["python (lambdalint)"] = platform.python_version()
    env = dict(os.environ)
    for key in [k for k in env if k.startswith(("BC_API", "PRISMA_", "CKV_API"))]:
        del env[key]  # no platform key: checkov must scan locally
    env.update(CHECKOV_ENV)
    tools = Tools(ll, None, None, versions, env)
    if args.skip_peers:
        tools.notes.append("peers skipped (--skip-peers): lambdalint only, no ratios")
        return tools
    try:
        bindir, peer_versions = ensure_peers(args.peers_venv, [args.cfn_lint_spec, args.checkov_spec],
                                             args.upgrade_peers)
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        tools.notes.append(f"peers unavailable: {exc}")
        print(f"warning: peers unavailable: {exc}", file=sys.stderr)
        return tools
    tools.cfn_lint = [str(bindir / "cfn-lint")]
    tools.checkov = [str(bindir / "checkov")]
    versions["cfn-lint"] = peer_versions["cfn-lint"]
    versions["checkov"] = peer_versions["checkov"]
    versions["python (peers)"] = peer_versions["python"]
    return tools


# lambdalint refuses a template over ``lambdalint.lint.MAX_TEMPLATE_BYTES`` (16 MiB; CloudFormation
# accepts 1 MB). A generated 10,000-function template may be larger (8 and 14 MB measured):
# to measure how the cost grows, (d) runs lambdalint's own CLI with that one limit raised to the
# general file limit for templates over it, and says so next to each such number.
LIFTED = """\
import sys
import lambdalint.lint as lint
if hasattr(lint, "MAX_TEMPLATE_BYTES"):
    lint.MAX_TEMPLATE_BYTES = max(lint.MAX_TEMPLATE_BYTES, getattr(lint, "MAX_BYTES", 0), 2**31)
from lambdalint.cli import main
sys.argv[0] = "lambdalint"
main()
"""


def template_limit() -> int | None:
    """lambdalint's template size limit in bytes (None: it has none)."""
    code = "import lambdalint.lint as l; print(getattr(l, 'MAX_TEMPLATE_BYTES', ''))"
    text = quiet([sys.executable, "-c", code]).stdout.strip()
    return int(text) if text.isdigit() else None


def terraform_supported() -> bool:
    """Whether this lambdalint lints Terraform directories (another engineer is adding it)."""
    code = "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('lambdalint.parsers.terraform') else 1)"
    return quiet([sys.executable, "-c", code]).returncode == 0


# ---------------------------------------------------------------------------------------------
# Machine and load


def machine() -> dict[str, str]:
    info: dict[str, str] = {}
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["CPU"] = line.split(":", 1)[1].strip()
                break
    info["cores"] = f"{os.cpu_count()} logical, {len(os.sched_getaffinity(0))} usable"
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["RAM"] = f"{int(line.split()[1]) / 2**20:.1f} GiB"
    os_name = platform.platform()
    with contextlib.suppress(OSError):
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = f"{line.split('=', 1)[1].strip(chr(34))} ({platform.system()} {platform.release()})"
    info["OS"] = os_name
    return info


class LoadLog:
    """1-minute load averages sampled before each measurement: the machine is shared, and wall
    times taken while other processes compete for the cores are inflated (CPU times much less)."""

    def __init__(self) -> None:
        self.samples: list[float] = []

    def sample(self) -> float:
        load = os.getloadavg()[0]
        self.samples.append(load)
        return load

    def busy(self) -> bool:
        # This benchmark itself keeps about one core busy; more than that is someone else.
        return bool(self.samples) and max(self.samples) > 1.5


# ---------------------------------------------------------------------------------------------
# Scenarios


@dataclass
class Row:
    """One tool's result in one scenario."""

    run: Run | None  # None: not run
    note: str = ""  # why not run, or what else to know
    peer: bool = True  # compared with lambdalint (a ratio); False for lambdalint itself and floors


@dataclass
class Scenario:
    key: str
    title: str
    inputs: str
    rows: dict[str, Row] = field(default_factory=dict)
    target: str = ""
    verdict: str = ""
    notes: list[str] = field(default_factory=list)


def ratio(ours: Run | None, peer: Run | None, cpu: bool = False) -> float | None:
    if ours is None or peer is None or not ours.ok:
        return None
    a, b = (ours.cpu, peer.cpu) if cpu else (ours.wall, peer.wall)
    return a / b if b > 0 else None


class Bench:
    def __init__(self, args: argparse.Namespace, tools: Tools, load: LoadLog) -> None:
        self.args = args
        self.tools = tools
        self.load = load
        self.out = args.work / "out"
        self.timeout = args.timeout

    def once(self, tool: str, argv: list[str], cwd: Path, name: str, counter: Callable[[Run, int], Counts],
             given: int, timeout: float | None = None, index: int = 0) -> Run:
        env = self.tools.peer_env if tool in ("cfn-lint", "checkov") else None
        self.load.sample()
        run = measure(tool, argv, cwd=cwd, out=self.out / f"{name}.{tool}.{index}.out",
                      timeout=timeout or self.timeout, env=env)
        # A run killed at its timeout has no report; that is not a crash of the tool.
        run.counts = Counts(given=given, notes=["timed out"]) if run.timed_out else counter(run, given)
        return run

    @staticmethod
    def show(label: str, run: Run) -> None:
        state = "timed out" if run.timed_out else ("crashed" if run.counts and run.counts.crashed else "")
        print(f"  {label:<11} {run.wall:9.2f} s wall {run.cpu:9.2f} s CPU {run.peak_mb:8.1f} MB"
              f"{'  ' + state if state else ''}", flush=True)

    def run(self, tool: str, argv: list[str], cwd: Path, name: str, counter: Callable[[Run, int], Counts],
            given: int, timeout: float | None = None) -> Run:
        """One measurement; lambdalint's runs, short enough to repeat, are the median of
        ``--repeat`` runs, so that a burst of load on a shared machine does not decide a ratio
        (a peer's long run spreads over such bursts)."""
        repeat = self.args.repeat if tool == "lambdalint" else 1
        runs = [self.once(tool, argv, cwd, name, counter, given, timeout, index=i) for i in range(repeat)]
        run = median_run(runs) if len(runs) > 1 else runs[0]
        self.show(tool, run)
        return run

    # (a) -------------------------------------------------------------------------------------
    def cold_start(self) -> Scenario:
        template = self.args.small_template
        repeat = 3 if self.args.quick else 5
        sc = Scenario("a", "(a) cold start: one small SAM template, whole process",
                      f"`{display(template)}` ({len(template.read_text().splitlines())} lines); "
                      f"median of {repeat} runs per tool, the tools taken in turn, after one untimed "
                      "warm-up run each")
        print(f"\n{sc.title}", flush=True)
        cwd = template.parent
        floors = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "python: import click, ruamel.yaml": [sys.executable, "-c", "import click, ruamel.yaml"],
        }
        def nothing(run: Run, given: int) -> Counts:
            return Counts(given=given)

        jobs: list[tuple[str, str, list[str], Callable[[Run, int], Counts]]] = [
            (label, "floor", argv, nothing) for label, argv in floors.items()]
        jobs.append(("lambdalint", "lambdalint", [*self.tools.lambdalint, "check", template.name, "--format", "json"],
                     lambdalint_counts))
        if self.tools.cfn_lint:
            jobs.append(("cfn-lint", "cfn-lint", [*self.tools.cfn_lint, "--format", "json", "--", template.name],
                         cfn_lint_counts))
        if self.tools.checkov:
            jobs.append(("checkov", "checkov", [*self.tools.checkov, "-f", template.name, "--framework",
                                                "cloudformation", *CHECKOV_FLAGS], checkov_counts))
        for index, (_label, tool, argv, counter) in enumerate(jobs):  # warm-up: bytecode, page cache
            self.once(tool, argv, cwd, f"a{index}-warmup", counter, 1)
        # Round robin, so that a burst of load on the shared machine hits every tool alike.
        runs: dict[str, list[Run]] = {label: [] for label, *_ in jobs}
        for attempt in range(repeat):
            for index, (label, tool, argv, counter) in enumerate(jobs):
                runs[label].append(self.once(tool, argv, cwd, f"a{index}", counter, 0 if tool == "floor" else 1,
                                             index=attempt))
        for label, tool, _argv, _counter in jobs:
            run = median_run(runs[label])
            self.show(label if tool != "floor" else "floor", run)
            sc.rows[label] = Row(run, "floor: lambdalint's interpreter" if tool == "floor" else "",
                                 peer=tool not in ("floor", "lambdalint"))
        sc.target = f"lambdalint <= {TARGET_COLD}x cfn-lint"
        sc.verdict = verdict(ratio(sc.rows["lambdalint"].run, row_run(sc, "cfn-lint")), TARGET_COLD,
                             ratio(sc.rows["lambdalint"].run, row_run(sc, "cfn-lint"), cpu=True))
        return sc

    # (b) -------------------------------------------------------------------------------------
    def corpus_units(self, terraform: bool) -> list[str]:
        manifest = self.args.corpus / "MANIFEST.tsv"
        units = []
        with manifest.open() as handle:
            header = handle.readline().rstrip("\n").split("\t")
            for line in handle:
                row = dict(zip(header, line.rstrip("\n").split("\t"), strict=False))
                if (row.get("format") == "terraform") == terraform and row.get("unit_path"):
                    units.append(row["unit_path"].rstrip("/"))
        units.sort()
        if self.args.quick:  # a spread-out sample, not the first few of one repository
            step = 20 if not terraform else 13
            units = units[::step]
        return units

    def stage(self, units: list[str], name: str) -> Path:
        """Copy ``units`` (paths relative to the corpus) into a fresh work directory, keeping their
        relative paths, so that every tool, even one given a single directory, sees exactly them."""
        root = self.args.work / name
        shutil.rmtree(root, ignore_errors=True)
        for unit in units:
            src, dst = self.args.corpus / unit, root / unit
            dst.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, dst)
            else:
                shutil.copy2(src, dst)
        return root

    def corpus(self) -> Scenario:
        files = self.corpus_units(terraform=False)
        sc = Scenario("b", "(b) SAM/CloudFormation units of the real corpus",
                      f"{len(files)} files listed as sam/cfn-yaml/cfn-json in "
                      f"`{display(self.args.corpus)}/MANIFEST.tsv`, copied alone into a work directory; every tool "
                      "in one process over the whole file list (checkov also over the directory); lambdalint's "
                      f"time is the median of {self.args.repeat} runs, each peer's one run")
        print(f"\n{sc.title} ({len(files)} files)", flush=True)
        check_arg_max(files)
        cwd = self.stage(files, "corpus-cfn")
        sc.rows["lambdalint"] = Row(self.run("lambdalint", [*self.tools.lambdalint, "check", "--format", "json",
                                                            *files], cwd, "b", lambdalint_counts, len(files)),
                                    peer=False)
        if self.tools.cfn_lint:
            sc.rows["cfn-lint"] = Row(self.run("cfn-lint", [*self.tools.cfn_lint, "--format", "json", "--", *files],
                                               cwd, "b", cfn_lint_counts, len(files)))
        if self.tools.checkov:
            sc.rows["checkov"] = Row(self.run("checkov", [*self.tools.checkov, "--framework", "cloudformation",
                                                          *CHECKOV_FLAGS, "-f", *files],
                                              cwd, "b", checkov_counts, len(files)),
                                     "`--framework cloudformation -f <files>`")
            sc.rows["checkov (directory)"] = Row(self.run(
                "checkov", [*self.tools.checkov, "--framework", "cloudformation", *CHECKOV_FLAGS, "-d", "."],
                cwd, "b-dir", checkov_counts, len(files)),
                "`--framework cloudformation -d <the directory of these files>`")
        sc.target = f"lambdalint <= {TARGET_CORPUS}x cfn-lint"
        sc.verdict = verdict(ratio(sc.rows["lambdalint"].run, row_run(sc, "cfn-lint")), TARGET_CORPUS,
                             ratio(sc.rows["lambdalint"].run, row_run(sc, "cfn-lint"), cpu=True))
        return sc

    # (c) -------------------------------------------------------------------------------------
    def terraform(self) -> Scenario:
        dirs = self.corpus_units(terraform=True)
        sc = Scenario("c", "(c) Terraform units of the real corpus",
                      f"{len(dirs)} directories listed as terraform in MANIFEST.tsv, copied alone into a work "
                      "directory; each tool in one process over that directory (checkov with one `-d` per unit "
                      "repeats all earlier results in each report, so it gets the one directory too); lambdalint's "
                      f"time is the median of {self.args.repeat} runs, checkov's one run")
        print(f"\n{sc.title} ({len(dirs)} directories)", flush=True)
        cwd = self.stage(dirs, "corpus-terraform")
        if terraform_supported():
            sc.rows["lambdalint"] = Row(self.run("lambdalint", [*self.tools.lambdalint, "check", "--format", "json",
                                                                "."], cwd, "c", lambdalint_counts, len(dirs)),
                                        peer=False)
            sc.notes.append("lambdalint lints a directory that another unit calls as a local module through "
                            "that call, with its inputs, not again on its own: its unit count can be below the "
                            "number of directories.")
        else:
            sc.rows["lambdalint"] = Row(None, "lambdalint: terraform not supported yet", peer=False)
            print("  lambdalint: terraform not supported yet", flush=True)
        if self.tools.checkov:
            sc.rows["checkov"] = Row(self.run("checkov", [*self.tools.checkov, "--framework", "terraform",
                                                          *CHECKOV_FLAGS, "-d", "."], cwd, "c", checkov_counts,
                                              len(dirs)))
        sc.target = f"lambdalint <= {TARGET_TERRAFORM}x checkov"
        sc.verdict = verdict(ratio(sc.rows["lambdalint"].run, row_run(sc, "checkov")), TARGET_TERRAFORM,
                             ratio(sc.rows["lambdalint"].run, row_run(sc, "checkov"), cpu=True))
        return sc

    # (d) -------------------------------------------------------------------------------------
    def growth(self) -> tuple[list[Scenario], dict[int, dict]]:
        sys.path.insert(0, str(BENCH))
        import generate  # bench/generate.py, beside this file

        sizes = self.args.sizes or (QUICK_SIZES if self.args.quick else SIZES)
        gen_dir = self.args.work / "generated"
        gen_dir.mkdir(parents=True, exist_ok=True)
        scenarios = []
        phases: dict[int, dict] = {}
        limit = template_limit()
        lifted = self.lifted_script()
        for variant in ("sam", "cfn"):
            label = "SAM" if variant == "sam" else "plain CloudFormation"
            sc = Scenario(f"d-{variant}", f"(d) generated {label} templates: growth with the number of functions",
                          f"`bench/generate.py` {', '.join(f'{n:,}' for n in sizes)} functions, {label} variant; "
                          f"lambdalint's time is the median of {self.args.repeat} runs, each peer's one run")
            print(f"\n{sc.title}", flush=True)
            skip: dict[str, str] = {}
            for n in sizes:
                path = gen_dir / f"functions-{n}.{variant}.yaml"
                path.write_text(generate.template(n, sam=variant == "sam"))
                size_mb = path.stat().st_size / 1e6
                print(f" {n:,} functions ({size_mb:.1f} MB)", flush=True)
                jobs: list[tuple[str, list[str] | None, Callable[[Run, int], Counts]]] = [
                    ("lambdalint", [*self.tools.lambdalint, "check", path.name, "--format", "json"],
                     lambdalint_counts),
                    ("cfn-lint", self.tools.cfn_lint and [*self.tools.cfn_lint, "--format", "json", "--", path.name],
                     cfn_lint_counts),
                    ("checkov", self.tools.checkov and [*self.tools.checkov, "-f", path.name, "--framework",
                                                        "cloudformation", *CHECKOV_FLAGS], checkov_counts),
                ]
                for tool, argv, counter in jobs:
                    key = f"{tool}@{n}"
                    if argv is None:
                        continue
                    if tool == "lambdalint" and limit is not None and path.stat().st_size > limit:
                        sc.rows[key] = self.over_limit(argv, lifted, gen_dir, f"d-{variant}-{n}", path, limit)
                        continue
                    if tool in skip:
                        sc.rows[key] = Row(None, skip[tool])
                        print(f"  {tool:<11} not run: {skip[tool]}", flush=True)
                        continue
                    run = self.run(tool, argv, gen_dir, f"d-{variant}-{n}", counter, 1,
                                   timeout=self.args.growth_timeout)
                    sc.rows[key] = Row(run)
                    allowed = self.args.growth_timeout
                    if run.timed_out:
                        skip[tool] = f"{n:,} functions timed out after {allowed:.0f} s"
                    elif run.wall * 10 > allowed and tool != "lambdalint":
                        skip[tool] = (f"{n:,} functions took {run.wall:.0f} s; 10x would exceed the "
                                      f"{allowed:.0f} s timeout even if linear")
                if variant == "sam":
                    phases[n] = self.phases(path)
            sc.target = (f"10,000 functions < {TARGET_10K:.0f} s (wall); 10x functions <= {LINEAR_STEP:.0f}x "
                         "CPU time from 1,000 functions up")
            scenarios.append(sc)
        return scenarios, phases

    def lifted_script(self) -> Path:
        path = self.args.work / "lambdalint_lifted.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(LIFTED)
        return path

    def over_limit(self, argv: list[str], lifted: Path, cwd: Path, name: str, path: Path, limit: int) -> Row:
        """A template over lambdalint's size limit: the stock CLI (which should refuse it), then
        the same CLI with the limit raised, whose time is the one reported."""
        stock = self.once("lambdalint", argv, cwd, name + "-stock", lambdalint_counts, 1)
        if stock.counts is None or not stock.counts.refused:  # the limit is gone or higher now
            self.show("lambdalint", stock)
            return Row(stock, peer=False)
        print(f"  lambdalint  refused by the stock CLI in {stock.wall:.2f} s: {stock.counts.refused}", flush=True)
        run = self.run("lambdalint", [sys.executable, str(lifted), *argv[argv.index("check"):]], cwd, name,
                       lambdalint_counts, 1, timeout=self.args.growth_timeout)
        note = (f"{path.stat().st_size / 1e6:.1f} MB: over lambdalint's {limit / 2**20:g} MiB template limit, the "
                f"stock CLI refuses it in {stock.wall:.2f} s (\"{stock.counts.refused}\"); measured with that limit "
                "raised (`LIFTED` in bench/run.py), everything else unchanged")
        return Row(run, note, peer=False)

    def phases(self, path: Path) -> dict:
        """lambdalint's time per phase and per rule on one template, in one process."""
        self.load.sample()
        # -I: without it the current directory (the repository) comes first on sys.path, and the source
        # tree's lambdalint/ shadows the install, whose lambdalint.rules is mapped from rules/.
        proc = quiet([sys.executable, "-I", "-c", PHASES, str(path)], timeout=self.args.growth_timeout)
        try:
            data = json.loads(proc.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            return {"error": traceback_line(proc.stderr) or f"exit {proc.returncode}"}
        rules = data["rules"]
        slowest = max(rules, key=lambda r: rules[r][0]) if rules else "-"
        print(f"  in-process: load {data['load']:.2f} s, rules {sum(v[0] for v in rules.values()):.2f} s "
              f"(LL101 {rules.get('LL101', [0])[0]:.2f} s, slowest {slowest})", flush=True)
        return data

    # profile ---------------------------------------------------------------------------------
    def profile(self, n: int) -> dict[str, list[tuple]]:
        """cProfile of one lambdalint run on the n-function SAM template: top 10 by cumulative
        and by own (total) time."""
        import pstats

        sys.path.insert(0, str(BENCH))
        import generate

        gen_dir = self.args.work / "generated"
        gen_dir.mkdir(parents=True, exist_ok=True)
        path = gen_dir / f"functions-{n}.sam.yaml"
        if not path.exists():
            path.write_text(generate.template(n, sam=True))
        prof = self.args.work / f"profile-{n}.prof"
        prof.unlink(missing_ok=True)
        print(f"\nprofile: lambdalint on {n:,} functions under cProfile", flush=True)
        argv = [sys.executable, "-m", "cProfile", "-o", str(prof), str(self.lifted_script()), "check", path.name,
                "--format", "json"]
        run = measure("lambdalint", argv, cwd=gen_dir, out=self.out / "profile.out", timeout=self.args.growth_timeout)
        print(f"  {run.wall:.1f} s under the profiler", flush=True)
        counts = lambdalint_counts(run, 1)
        if not prof.exists() or counts.crashed or counts.refused:
            return {"error": [(counts.refused or counts.crash or "no profile written",)]}
        stats = pstats.Stats(str(prof))
        total = stats.total_tt  # type: ignore[attr-defined]
        entries = []
        for (file, line, func), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
            where = f"{short_path(file)}:{line}({func})" if line else func
            entries.append((where, calls, tottime, cumtime))
        # The entry chain (exec, runpy, click, cli.main, cli.check) holds ~100% and says nothing:
        # start the cumulative list below it.
        top = max((e[3] for e in entries), default=0.0)
        by_cum = sorted((e for e in entries if e[3] < 0.97 * top), key=lambda e: -e[3])[:10]
        by_tot = sorted(entries, key=lambda e: -e[2])[:10]
        return {"total": [(total,)], "cumulative": by_cum, "tottime": by_tot}


# CPU time (process_time) rather than wall: steadier on a shared machine; each rule's time is the
# best of three runs, so that a garbage-collection pause does not pass for growth.
PHASES = r"""
import json, sys, time
now = time.process_time
t0 = now()
from pathlib import Path
from lambdalint.engine import RuleSet, all_rules, run_rules
from lambdalint.lint import Unit, load_model
import lambdalint.lint as lint
if hasattr(lint, "MAX_TEMPLATE_BYTES"):  # see LIFTED
    lint.MAX_TEMPLATE_BYTES = 2**31
rules_list = all_rules()
t1 = now()
path = Path(sys.argv[1])
model = load_model(Unit(path, explicit=True), path.name)
t2 = now()
rules = {}
for rule in rules_list:
    best = None
    for _ in range(3):
        start = now()
        hits = run_rules(model, RuleSet([rule]))
        spent = now() - start
        best = spent if best is None else min(best, spent)
    rules[rule.id] = [best, len(hits)]
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "rules": rules}))
"""


def short_path(file: str) -> str:
    for marker in ("/site-packages/", "/lib/python3"):
        if marker in file:
            return file.split(marker, 1)[1]
    with contextlib.suppress(ValueError):
        return str(Path(file).relative_to(ROOT))
    return file


def display(path: Path) -> str:
    with contextlib.suppress(ValueError):
        return str(path.resolve().relative_to(ROOT))
    with contextlib.suppress(ValueError):
        return "../" + str(path.resolve().relative_to(ROOT.parent))
    return str(path)


def check_arg_max(args: list[str]) -> None:
    """Every file is passed on one command line (one process per tool); stop clearly, not with
    E2BIG, if the list would not fit (each tool accepts many paths, so it never has so far)."""
    size = sum(len(a) + 1 + 8 for a in args) + sum(len(k) + len(v) + 2 + 8 for k, v in os.environ.items())
    limit = os.sysconf("SC_ARG_MAX")
    if size > limit - 64 * 1024:
        raise SystemExit(f"the argument list ({size} bytes) would exceed ARG_MAX ({limit}); "
                         "shorten the corpus path or lint fewer units")


def row_run(sc: Scenario, tool: str) -> Run | None:
    row = sc.rows.get(tool)
    return row.run if row else None


def verdict(value: float | None, target: float, cpu: float | None = None) -> str:
    """Met or not on wall time (the issue's measure), with the CPU-time ratio beside it."""
    if value is None:
        return "not measured"
    beside = f"; CPU {cpu:.3f}x" if cpu is not None else ""
    return f"{'met' if value <= target else 'NOT met'} ({value:.3f}x wall{beside})"


# ---------------------------------------------------------------------------------------------
# Report


def fmt_s(value: float) -> str:
    return f"{value:.3f}" if value < 1 else f"{value:.2f}" if value < 100 else f"{value:.0f}"


def counts_cell(counts: Counts | None) -> str:
    if counts is None:
        return ""
    if counts.crashed:
        return f"**crashed**: `{counts.crash}`"
    parts = []
    if counts.given:
        parsed = "?" if counts.parsed is None else counts.parsed
        parts.append(f"{parsed}/{counts.given} parsed, {counts.errors} errors")
    if counts.findings is not None:
        parts.append(f"{counts.findings} findings")
    if counts.rule_crashes:
        parts.append(f"{counts.rule_crashes} rule crashes")
    parts += counts.notes
    return "; ".join(parts)


def cpu_cell(run: Run) -> str:
    """CPU time, or '–' for a run killed at its timeout: the kill takes the usage wrapper with it,
    so what wait4 returns is the wrapper's own usage, not the tool's."""
    return "–" if run.timed_out else fmt_s(run.cpu)


def peak_cell(run: Run) -> str:
    return "–" if run.timed_out else f"{run.peak_mb:.0f}"


def scenario_table(sc: Scenario, ours: str = "lambdalint") -> list[str]:
    lines = ["| tool | wall s | CPU s | peak MB | exit | lambdalint/tool (wall) | (CPU) "
             "| units parsed / errors / findings |",
             "|---|---:|---:|---:|---:|---:|---:|---|"]
    mine = row_run(sc, ours)
    for tool, row in sc.rows.items():
        run = row.run
        if run is None:
            lines.append(f"| {tool} | – | – | – | – | – | – | not run: {row.note} |")
            continue
        wall = f"> {fmt_s(run.wall)} (timeout)" if run.timed_out else fmt_s(run.wall)
        r = ratio(mine, run) if row.peer else None
        rc = ratio(mine, run, cpu=True) if row.peer else None
        cell = counts_cell(run.counts) if run.counts and run.counts.given else ""
        if row.note:
            cell = f"{cell}; {row.note}" if cell else row.note
        r_text = "" if r is None else f"< {r:.3f}" if run.timed_out else f"{r:.3f}"
        if r_text and run.counts and run.counts.crashed:
            r_text += " (until its crash)"
        lines.append(f"| {tool} | {wall} | {cpu_cell(run)} | {peak_cell(run)} | {run.returncode} | {r_text} | "
                     f"{f'{rc:.3f}' if rc is not None and not run.timed_out else ''} | {cell} |")
    return lines


def growth_table(sc: Scenario, sizes: Sequence[int]) -> tuple[list[str], str]:
    """The growth table of one variant, and its verdicts: the 10,000-function target (wall) and
    linearity, judged on CPU time (steadier than wall on a shared machine) for each 10x step from
    1,000 functions up (below that the fixed start-up cost dominates)."""
    lines = ["| functions | lambdalint wall s | CPU s | ms/function (wall) | x previous (wall) | x previous (CPU) "
             "| peak MB | findings | cfn-lint wall s | CPU s | peak MB | lambdalint/cfn-lint | checkov wall s | CPU s "
             "| peak MB | lambdalint/checkov |",
             "|" + "---:|" * 16]
    prev: tuple[int, Run] | None = None
    checks = []
    footnotes: list[str] = []
    for n in sizes:
        ll = row_run(sc, f"lambdalint@{n}")
        if ll is None:
            continue
        if ll.counts and ll.counts.refused:
            lines.append(f"| {n:,} | refused: {ll.counts.refused} |" + " |" * 14)
            continue
        step = ll.wall / prev[1].wall if prev and prev[1].wall > 0 else None
        step_cpu = ll.cpu / prev[1].cpu if prev and prev[1].cpu > 0 else None
        if prev and step is not None and step_cpu is not None and n == 10 * prev[0] and n >= 1000:
            checks.append((n, step, step_cpu))
        note = sc.rows[f"lambdalint@{n}"].note
        mark = ""
        if note:
            footnotes.append(f"[{len(footnotes) + 1}] {n:,} functions: {note}.")
            mark = f" [{len(footnotes)}]"
        cells = [f"{n:,}", fmt_s(ll.wall) + mark, fmt_s(ll.cpu), f"{ll.wall / n * 1000:.2f}",
                 f"{step:.1f}x" if step else "", f"{step_cpu:.1f}x" if step_cpu else "",
                 f"{ll.peak_mb:.0f}", str(ll.counts.findings if ll.counts else "")]
        for tool in ("cfn-lint", "checkov"):
            row = sc.rows.get(f"{tool}@{n}")
            if row is None:
                cells += ["", "", "", ""]
            elif row.run is None:
                cells += [f"not run: {row.note}", "", "", ""]
            else:
                run = row.run
                crash = f" (crashed: `{run.counts.crash}`)" if run.counts and run.counts.crashed else ""
                wall = (f"> {fmt_s(run.wall)} (timeout)" if run.timed_out else fmt_s(run.wall)) + crash
                r = ratio(ll, run)
                cells += [wall, cpu_cell(run), peak_cell(run),
                          ("< " if run.timed_out else "") + (f"{r:.3f}" if r else "")]
        lines.append("| " + " | ".join(cells) + " |")
        prev = (n, ll)
    big = row_run(sc, "lambdalint@10000")
    verdicts = []
    if big is not None and big.ok:
        lifted = " with the template size limit raised" if sc.rows["lambdalint@10000"].note else ""
        if big.wall < TARGET_10K:
            state = "met"
        elif big.cpu < TARGET_10K:  # the machine, not lambdalint: its CPU time is within the target
            state = "NOT met on wall time, which competing load inflated; met on CPU time"
        else:
            state = "NOT met"
        verdicts.append(f"10,000 functions in {big.wall:.1f} s wall ({big.cpu:.1f} s CPU){lifted}: {state}")
    elif big is not None:
        verdicts.append("10,000 functions: not measured (refused, crashed or timed out)")
    if footnotes:
        lines += ["", *[f"{note}<br>" if i < len(footnotes) - 1 else note for i, note in enumerate(footnotes)]]
    for n, step, step_cpu in checks:
        verdicts.append(f"{n // 10:,} -> {n:,} functions: {step:.1f}x wall, {step_cpu:.1f}x CPU "
                        f"({'linear' if step_cpu <= LINEAR_STEP else 'NOT linear'})")
    return lines, "; ".join(verdicts) or "no 10x step from 1,000 functions up was measured"


def validity(sc: Scenario, sizes: Sequence[int]) -> str:
    """What cfn-lint said about the generated templates it linted (they must be valid)."""
    parts = []
    for n in sizes:
        row = sc.rows.get(f"cfn-lint@{n}")
        if row is None or row.run is None or row.run.counts is None or row.run.timed_out:
            continue
        counts = row.run.counts
        if counts.crashed:
            parts.append(f"{n:,}: crashed")
        else:
            parts.append(f"{n:,}: {counts.findings} findings, {counts.errors} parse/transform errors")
    return "cfn-lint on the generated templates: " + "; ".join(parts) if parts else ""


def exponent(n1: int, t1: float, n2: int, t2: float) -> float | None:
    """k in time ~ n^k between two sizes: 1 is linear, 2 quadratic (None if too small to tell)."""
    if t1 < 0.002 or t2 <= 0 or n1 == n2:
        return None
    return math.log(t2 / t1) / math.log(n2 / n1)


def growth_word(k: float) -> str:
    if k < 0.5:
        return "constant"
    if k <= 1.2:
        return "linear"
    if k <= 1.5:
        return "slightly superlinear"
    return "quadratic-like" if k >= 1.8 else "superlinear"


def phases_table(phases: dict[int, dict]) -> tuple[list[str], str]:
    """The per-phase/per-rule table, and the verdict on the recursion check (LL101)."""
    sizes = [n for n in phases if "rules" in phases[n]]
    if not sizes:
        errors = "; ".join(f"{n}: {p.get('error')}" for n, p in phases.items())
        return [f"In-process breakdown unavailable ({errors})."], "not measured"
    rule_ids = sorted({r for n in sizes for r in phases[n]["rules"]})
    head = ["phase (CPU ms)", *[f"{n:,} functions" for n in sizes]]
    if len(sizes) > 1:
        head += [f"x from {sizes[-2]:,} to {sizes[-1]:,}", "growth exponent k (time ~ n^k)"]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    exponents: dict[str, float | None] = {}

    def row(name: str, values: list[float]) -> None:
        cells = [name, *[f"{v * 1000:.1f}" for v in values]]
        if len(values) > 1:
            k = exponent(sizes[-2], values[-2], sizes[-1], values[-1])
            exponents[name] = k
            cells.append(f"{values[-1] / values[-2]:.1f}x" if values[-2] >= 0.002 else "")
            cells.append(f"{k:.2f} ({growth_word(k)})" if k is not None else "")
        lines.append("| " + " | ".join(cells) + " |")

    row("import lambdalint + rules", [phases[n]["import"] for n in sizes])
    row("read + parse + build model", [phases[n]["load"] for n in sizes])
    for rule in rule_ids:
        row(f"rule {rule}", [phases[n]["rules"].get(rule, [0.0])[0] for n in sizes])
    row("all rules", [sum(v[0] for v in phases[n]["rules"].values()) for n in sizes])
    k = exponents.get("rule LL101")
    if k is None:
        return lines, "not measured (too few sizes, or too fast to tell)"
    return lines, (f"LL101 CPU time grows as n^{k:.2f} from {sizes[-2]:,} to {sizes[-1]:,} functions: {growth_word(k)}"
                   f"{', not quadratic' if k < 1.8 else ''}")


def report(args: argparse.Namespace, tools: Tools, info: dict[str, str], load: LoadLog, started: dt.datetime,
           scenarios: list[Scenario], growth: list[Scenario], phases: dict[int, dict],
           profile: dict[str, list[tuple]] | None, elapsed: float) -> str:
    sizes = args.sizes or (QUICK_SIZES if args.quick else SIZES)
    out = ["# lambdalint benchmark results", "",
           f"Written by `bench/run.py{' --quick' if args.quick else ''}{' --skip-peers' if args.skip_peers else ''}"
           f"{' --profile' if args.profile else ''}` "
           f"on {started:%Y-%m-%d %H:%M} UTC ({elapsed / 60:.0f} min). Ratios are lambdalint's time divided by the "
           "peer's (below 1: lambdalint is faster); only ratios mean something on another machine. Times are whole "
           "processes (interpreter start, imports, parsing, checks, JSON report to a file), measured per child with "
           f"`wait4` through {RUSAGE_METHOD}: CPU is user+system including the child's waited-for descendants, "
           "peak MB is `ru_maxrss` (the largest single process of the tree). Cold-start runs come after one "
           "untimed warm-up run per tool (bytecode compiled, files in the page cache).", ""]
    if load.busy():
        out += [f"**Taken under load**: the 1-minute load average ranged {min(load.samples):.1f}-"
                f"{max(load.samples):.1f} on {os.cpu_count()} cores while it ran (this benchmark alone accounts "
                "for about 1). Other engineers' tests shared the machine, so wall times are inflated, by more "
                "for the longer runs; the CPU columns and CPU ratios are the steadier comparison.", ""]
    else:
        out += [f"Load: the 1-minute load average stayed at {max(load.samples, default=0):.1f} or below "
                f"on {os.cpu_count()} cores.", ""]
    out += ["## Machine and versions", "", "| | |", "|---|---|"]
    out += [f"| {k} | {v} |" for k, v in info.items()]
    out += [f"| {k} | {v} |" for k, v in tools.versions.items()]
    out += ["| checkov environment | " + ", ".join(f"`{k}={v}`" for k, v in CHECKOV_ENV.items())
            + "; flags `" + " ".join(CHECKOV_FLAGS) + "` |", ""]
    out += [f"- {note}" for note in tools.notes]
    if tools.notes:
        out.append("")
    out += ["## Targets", "", "| scenario | target | result |", "|---|---|---|"]
    for sc in scenarios:
        out.append(f"| {sc.title} | {sc.target} | {sc.verdict} |")
    for sc in growth:
        _, text = growth_table(sc, sizes)
        out.append(f"| {sc.title} | {sc.target} | {text} |")
    if phases:
        out.append(f"| (d) the recursion check (LL101) alone, in process, SAM variant | not quadratic in functions "
                   f"| {phases_table(phases)[1]} |")
    out.append("")
    for sc in scenarios:
        out += [f"## {sc.title}", "", sc.inputs + ".", "", *scenario_table(sc), ""]
        out += [f"- {note}" for note in sc.notes]
        if sc.notes:
            out.append("")
    for sc in growth:
        lines, text = growth_table(sc, sizes)
        out += [f"## {sc.title}", "", sc.inputs + ". A linear cost means about 10x the time for 10x the "
                "functions (small sizes are dominated by the fixed start-up cost, so their steps are smaller). "
                "A peer is not run on the next size once a size took more than a tenth of the "
                f"{args.growth_timeout:.0f} s timeout.", "", *lines, "", f"Result: {text}.", ""]
        if validity(sc, sizes):
            out += [validity(sc, sizes) + ".", ""]
    if phases:
        out += ["## (d) where lambdalint's time goes, in one process (SAM variant)", "",
                "Measured with lambdalint's own API in a fresh interpreter per size (`PHASES` in bench/run.py): "
                "each rule run alone on the built model. The recursion check LL101 must grow linearly, not "
                "quadratically, with the number of functions.", "", *phases_table(phases)[0], "",
                f"Result: {phases_table(phases)[1]}.", ""]
    if profile:
        out += profile_section(profile, max(sizes) if args.profile_size is None else args.profile_size)
    out += ["## Counting", "",
            "- lambdalint: `summary.units` (units linted) and `summary.errors` (units it could not read, each a "
            "one-line reason) of its JSON report; rule crashes are LL000 findings.",
            "- cfn-lint: a file is an error when cfn-lint reports E0000 (parse error) or E0001 (transform or "
            "processing error) for it; E0002 (a rule that crashed) is counted as a rule crash; findings are the "
            "other matches.",
            "- checkov: `summary.parsing_errors` and `summary.failed` (failed checks) of each framework's report; "
            "a run that prints no JSON report, or exits with a status other than 0/1, is counted as crashed, "
            "with the exception line of its traceback.",
            "- Findings are not comparable between tools: each checks different things.", ""]
    return "\n".join(out)


def profile_section(profile: dict[str, list[tuple]], n: int) -> list[str]:
    if "error" in profile:
        return ["## cProfile", "", f"Profile unavailable: {profile['error'][0][0]}", ""]
    total = profile["total"][0][0]
    out = ["## cProfile of lambdalint on the " + f"{n:,}-function SAM template", "",
           f"`python -m cProfile lambdalint_lifted.py check functions-{n}.sam.yaml --format json` (the CLI with "
           f"the template size limit raised, see (d)): {total:.1f} s profiled (the profiler roughly doubles the "
           "time of Python-heavy code).", ""]
    for key, title in (("cumulative", "cumulative time (below the entry chain: exec, click, `cli.check`)"),
                       ("tottime", "own (total) time")):
        out += [f"Top 10 by {title}:", "", "| function | calls | own s | cumulative s |", "|---|---:|---:|---:|"]
        out += [f"| `{where}` | {calls} | {tot:.2f} | {cum:.2f} |" for where, calls, tot, cum in profile[key]]
        out.append("")
    return out


def print_summary(scenarios: list[Scenario], growth: list[Scenario], sizes: Sequence[int],
                  phases: dict[int, dict]) -> None:
    print("\n=== summary ===")
    for sc in scenarios:
        print(f"\n{sc.title}")
        print("\n".join(scenario_table(sc)))
        print(f"target: {sc.target}: {sc.verdict}")
    for sc in growth:
        lines, text = growth_table(sc, sizes)
        print(f"\n{sc.title}")
        print("\n".join(lines))
        print(f"result: {text}")
    if phases:
        lines, text = phases_table(phases)
        print("\n(d) lambdalint in process, SAM variant")
        print("\n".join(lines))
        print(f"result: {text}")


# ---------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 3 cold-start repeats, a sample of the corpus, sizes up to 1,000; "
                             "writes to the work directory, not bench/RESULTS.md")
    parser.add_argument("--skip-peers", action="store_true", help="run lambdalint only (no cfn-lint, no checkov)")
    parser.add_argument("--profile", action="store_true",
                        help="also run lambdalint once under cProfile on the largest generated SAM template")
    parser.add_argument("--profile-size", type=int, default=None, help="functions of the profiled template")
    parser.add_argument("--only", choices=("a", "b", "c", "d"), action="append",
                        help="run only these scenarios (repeatable)")
    parser.add_argument("--repeat", type=int, default=None,
                        help="runs of lambdalint per measurement in (b)-(d), median taken [default: 3; --quick: 1]")
    parser.add_argument("--sizes", type=int, nargs="+", default=None, help="(d) sizes, default 10 100 1000 10000")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--small-template", type=Path, default=SMALL_TEMPLATE)
    parser.add_argument("--peers-venv", type=Path, default=DEFAULT_PEERS,
                        help="venv for cfn-lint and checkov (created/reused; env LAMBDALINT_BENCH_PEERS)")
    parser.add_argument("--cfn-lint-spec", default="cfn-lint", help="pip requirement for cfn-lint")
    parser.add_argument("--checkov-spec", default="checkov", help="pip requirement for checkov")
    parser.add_argument("--upgrade-peers", action="store_true", help="pip install --upgrade the peers")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="generated templates and tool outputs")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds allowed to one peer run (a-c)")
    parser.add_argument("--growth-timeout", type=float, default=600, help="seconds allowed to one run in (d)")
    parser.add_argument("--out", type=Path, default=None,
                        help="Markdown report [default: bench/RESULTS.md; with --quick, WORK/RESULTS-quick.md]")
    args = parser.parse_args(argv)
    args.corpus = args.corpus.resolve()
    args.small_template = args.small_template.resolve()
    args.work = args.work.resolve()
    args.repeat = max(1, args.repeat or (1 if args.quick else 3))
    out_path = args.out or (args.work / "RESULTS-quick.md" if args.quick else BENCH / "RESULTS.md")
    only = set(args.only or "abcd")

    started = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    load = LoadLog()
    load.sample()
    info = machine()
    tools = setup_tools(args)
    print("versions: " + ", ".join(f"{k} {v}" for k, v in tools.versions.items()), flush=True)
    bench = Bench(args, tools, load)
    shutil.rmtree(bench.out, ignore_errors=True)
    scenarios: list[Scenario] = []
    corpus_ok = (args.corpus / "MANIFEST.tsv").is_file()
    if "a" in only:
        scenarios.append(bench.cold_start())
    for key, method in (("b", bench.corpus), ("c", bench.terraform)):
        if key not in only:
            continue
        if corpus_ok:
            scenarios.append(method())
        else:
            tools.notes.append(f"corpus not found at {args.corpus}: scenario ({key}) not run")
    growth: list[Scenario] = []
    phases: dict[int, dict] = {}
    if "d" in only:
        growth, phases = bench.growth()
    profile = None
    if args.profile:
        profile = bench.profile(args.profile_size or max(args.sizes or (QUICK_SIZES if args.quick else SIZES)))
    load.sample()
    elapsed = time.perf_counter() - t0
    sizes = args.sizes or (QUICK_SIZES if args.quick else SIZES)
    print_summary(scenarios, growth, sizes, phases)
    text = report(args, tools, info, load, started, scenarios, growth, phases, profile, elapsed)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(text + "\n")
    print(f"\nwrote {out_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
