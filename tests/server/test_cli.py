"""The command line an IT officer uses: `flask --app server ...`, run as real processes."""

import requests

from tests.support import ServerProcess, flask_cli


def last_line(result):
    return result.stdout.strip().splitlines()[-1]


def test_an_installer_sets_up_an_office_a_kiosk_and_a_user_from_the_command_line(database):
    flask_cli(database, "init-db")
    flask_cli(database, "init-db")  # re-running is safe
    flask_cli(database, "office", "add", "DNO", "Tỉnh Đắk Nông", "--kind", "province")
    flask_cli(database, "office", "add", "gn", "Thành phố Gia Nghĩa", "--parent", "DNO", "--kind", "district")
    flask_cli(database, "staff", "add", "CB7", "Trần Thị Mai", "--office", "GN", "--counter", "Quầy 2")
    kiosk_token = last_line(flask_cli(database, "kiosk", "add", "GN", "--counter", "Quầy 2"))
    flask_cli(database, "user", "add", "tinh", "--role", "supervisor", "--office", "DNO", "--password", "long-enough")
    user_token = last_line(flask_cli(database, "user", "token", "tinh"))
    assert kiosk_token.startswith("kt_") and user_token.startswith("ut_")
    listing = flask_cli(database, "office", "list").stdout
    assert "GN" in listing and "Thành phố Gia Nghĩa" in listing
    assert "Quầy 2" in flask_cli(database, "kiosk", "list").stdout

    with ServerProcess(database) as server:
        config = requests.get(server.url + "/api/v1/kiosk/config",
                              headers={"Authorization": f"Bearer {kiosk_token}"}).json()
        assert config["office"]["code"] == "GN"
        assert config["staff"] == {"code": "CB7", "name": "Trần Thị Mai"}
        response = requests.get(server.url + "/api/v1/stats", headers={"Authorization": f"Bearer {user_token}"})
        assert response.status_code == 200


def test_errors_are_one_clear_line_and_a_non_zero_exit(database):
    flask_cli(database, "office", "add", "P", "Tỉnh")
    cases = [
        (("office", "add", "P", "Again"), "office P already exists"),
        (("office", "add", "X", "Orphan", "--parent", "NOPE"), "no office with code 'NOPE'"),
        (("office", "add", "Đ1", "Accented"), "office code must be"),
        (("office", "merge", "P", "P", "--effective", "2026-07-01"), "cannot be merged into itself"),
        (("office", "merge", "P", "Q", "--effective", "2026-13-01"), "not a date"),
        (("kiosk", "add", "NOPE", "--counter", "1"), "no office with code 'NOPE'"),
        (("kiosk", "revoke", "99"), "no kiosk with id 99"),
        (("user", "add", "v", "--role", "viewer", "--password", "long-enough"),
         "--office: A supervisor or viewer needs an office"),
        (("user", "add", "a", "--role", "admin", "--password", "short"), "at least 8"),
        (("user", "token", "ghost"), "no active user named ghost"),
        (("seed-demo",), "already has offices"),
    ]
    for args, message in cases:
        result = flask_cli(database, *args, check=False)
        assert result.returncode != 0, args
        assert message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr


def test_every_command_has_help_with_an_example(database):
    commands = ["init-db", "seed-demo", "office add", "office merge", "office list", "staff add", "kiosk add",
                "kiosk revoke", "kiosk list", "user add", "user token"]
    for command in commands:
        result = flask_cli(database, *command.split(), "--help")
        assert "Example: flask --app server" in result.stdout, command
