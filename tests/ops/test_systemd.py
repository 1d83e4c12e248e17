"""deploy/systemd/: the backup and retention units verify, use the paths the install script
makes, run before/after each other in the right order, and their commands really work."""

import configparser
import re
import shlex
import subprocess

import pytest

from tests.support import BIN, ROOT, server_env

UNITS = ROOT / "deploy" / "systemd"
JOBS = ["satisfaction-backup", "satisfaction-maintenance"]
# Installed by the install script on the server; the test machine cannot have it.
ELSEWHERE = re.compile(r"Command /opt/satisfaction/\.venv/bin/flask is not executable")


def unit(name):
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str
    parser.read(UNITS / name)
    return parser


def defaults(service):
    """The service's own Environment= values (the environment file may override them)."""
    return dict(pair.split("=", 1) for pair in shlex.split(service["Service"]["Environment"]))


def command_line(service, **substitutions):
    """ExecStart as it runs here: this checkout's flask, ${VARIABLES} substituted."""
    line = service["Service"]["ExecStart"].replace("/opt/satisfaction/.venv/bin/flask", str(BIN / "flask"))
    return shlex.split(re.sub(r"\$\{(\w+)\}", lambda match: str(substitutions[match.group(1)]), line))


def test_units_verify_apart_from_the_installed_virtualenv():
    paths = [str(UNITS / f"{job}.{kind}") for job in JOBS for kind in ("service", "timer")]
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", *paths], capture_output=True, text=True)
    problems = [line for line in result.stderr.splitlines() if line.strip() and not ELSEWHERE.search(line)]
    assert problems == []


@pytest.mark.parametrize("job", JOBS)
def test_the_jobs_run_as_the_service_account_with_the_installed_paths(job):
    service = unit(f"{job}.service")["Service"]
    assert (service["User"], service["WorkingDirectory"], service["EnvironmentFile"]) == (
        "satisfaction", "/opt/satisfaction/app", "/etc/satisfaction/satisfaction.env")
    assert service["ExecStart"].startswith("/opt/satisfaction/.venv/bin/flask --app server ")
    assert service["UMask"] == "0077" and service["Type"] == "oneshot"


def test_the_purge_runs_before_the_backup_so_the_newest_backup_holds_nothing_expired():
    times = {}
    for job in JOBS:
        timer = unit(f"{job}.timer")["Timer"]
        result = subprocess.run(["systemd-analyze", "calendar", timer["OnCalendar"]], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        times[job] = re.search(r"Normalized form: \*-\*-\* (\d\d:\d\d:\d\d) Asia/Ho_Chi_Minh", result.stdout).group(1)
        assert timer["Persistent"] == "true"  # a server that was off at night catches up at boot
    assert times["satisfaction-maintenance"] < times["satisfaction-backup"]
    spread = int(unit("satisfaction-maintenance.timer")["Timer"]["RandomizedDelaySec"].removesuffix("min"))
    assert spread < 30  # 02:00 + spread stays before 02:30


def test_the_backup_unit_keeps_fourteen_dailies_in_var_backups_and_its_command_works(demo_copy, tmp_path):
    service = unit("satisfaction-backup.service")
    assert defaults(service) == {"BACKUP_DIR": "/var/backups/satisfaction", "BACKUP_KEEP": "14"}
    assert service["Service"]["ExecStartPre"].endswith("-m 0750 ${BACKUP_DIR}")
    folder = tmp_path / "backups"
    folder.mkdir()
    for day in range(1, 16):
        (folder / f"satisfaction-2026-10-{day:02d}-023000.db").write_bytes(b"")
    result = subprocess.run(command_line(service, BACKUP_DIR=folder, BACKUP_KEEP=14), cwd=ROOT,
                            env=server_env(demo_copy), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    names = sorted(path.name for path in folder.iterdir())
    assert len(names) == 14 and names[0] == "satisfaction-2026-10-03-023000.db"
    assert "integrity ok" in result.stdout


def test_the_maintenance_unit_runs_the_purge(demo_copy):
    result = subprocess.run(command_line(unit("satisfaction-maintenance.service")), cwd=ROOT,
                            env=server_env(demo_copy), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "comments given before" in result.stdout and "SMS phone numbers" in result.stdout
