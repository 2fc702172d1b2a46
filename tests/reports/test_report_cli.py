"""``almarya-qa report``: the verdict as exit status, one-line user errors, the reports served on loopback."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from staging.core import wait_until
from tests.reports.synthetic import failed, passed, write_run

REPO = Path(__file__).resolve().parents[2]


def almarya_qa(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "staging.cli", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_exit_status_is_the_verdict(tmp_path: Path):
    """0 for GO, 1 for NO-GO, and the verdict's lines on stdout."""
    go = write_run(tmp_path / "go", [passed("test_a")])
    done = almarya_qa("report", str(go))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("Verdict: GO\n")
    no_go = write_run(tmp_path / "no-go", [failed("test_a")], exit_status=1)
    done = almarya_qa("report", str(no_go))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 blocking failure(s): e2e/test_synthetic.py::test_a." in done.stdout
    assert (no_go / "allure-report" / "index.html").is_file()


def test_user_errors_are_one_line(tmp_path: Path):
    """A missing run folder, a missing load folder and a port in use: one line each, exit 2."""
    run_dir = write_run(tmp_path / "run", [passed("test_a")])
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        cases = [
            (("report", str(tmp_path / "absent")), "no such run folder"),
            (("report", str(run_dir), "--load-dir", str(tmp_path / "nope")), "--load-dir"),
            (
                ("report", str(run_dir), "--serve", "--port", str(port)),
                f"port {port} on 127.0.0.1 is already in use",
            ),
        ]
        for args, message in cases:
            done = almarya_qa(*args)
            assert done.returncode == 2, args
            assert message in done.stderr
            assert len(done.stderr.strip().splitlines()) == 1, done.stderr
            assert "Traceback" not in done.stderr


def test_serve_shows_both_reports_on_loopback_until_interrupted(tmp_path: Path):
    """--serve prints the URLs, answers them from 127.0.0.1, and stops cleanly on Ctrl-C."""
    run_dir = write_run(tmp_path / "run", [passed("test_a")])
    server = subprocess.Popen(
        [sys.executable, "-m", "staging.cli", "report", str(run_dir), "--serve"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        lines: list[str] = []

        def signoff_url() -> str | None:
            lines.append(server.stdout.readline())  # type: ignore[union-attr]
            found = [
                line.split(": ", 1)[1].strip() for line in lines if line.startswith("Sign-off report: http")
            ]
            return found[0] if found else None

        url = wait_until(signoff_url, timeout=60, interval=0, description="the served report's URL")
        assert url.startswith("http://127.0.0.1:")
        signoff = httpx.get(url, timeout=10)
        assert signoff.status_code == 200
        assert "The release can proceed" in signoff.text
        allure = httpx.get(url.replace("signoff.html", "allure-report/index.html"), timeout=10)
        assert allure.status_code == 200
        assert "<title>Allure Report</title>" in allure.text
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=20) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=10)
        for stream in (server.stdout, server.stderr):
            if stream is not None:
                stream.close()
