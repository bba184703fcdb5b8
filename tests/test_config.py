"""Settings: defaults < TOML file < environment; passwords hashed; clear errors; the
warning for an address colleagues can reach without a login."""
from __future__ import annotations

from pathlib import Path

import pytest

from assistant import config
from assistant.apps.auth import ADMIN, USER, VISITOR, Gate, Sessions, hash_password, verify_password

EXAMPLE = Path(__file__).resolve().parents[1] / "budget-qa.example.toml"


def test_defaults_keep_the_old_environment_names(tmp_path):
    cfg = config.load(env={})
    assert (cfg.host, cfg.port, cfg.embedder, cfg.max_mb) == ("127.0.0.1", 7860, "use", 100)
    env = {"BUDGET_QA_INDEX": str(tmp_path / "i"), "BUDGET_QA_CORPUS": str(tmp_path / "c"),
           "BUDGET_QA_EMBEDDER": "none", "BUDGET_QA_HOST": "0.0.0.0", "BUDGET_QA_PORT": "8080",
           "BUDGET_QA_MAX_MB": "5"}
    cfg = config.load(env=env)
    assert (cfg.index, cfg.corpus, cfg.embedder, cfg.host, cfg.port, cfg.max_mb) == (
        tmp_path / "i", tmp_path / "c", "none", "0.0.0.0", 8080, 5)


def test_file_then_environment(tmp_path):
    hashed = hash_password("pw")
    file = tmp_path / "site.toml"
    file.write_text(f'[server]\nhost = "0.0.0.0"\nport = 9000\n[data]\nindex = "idx"\ncorpus = "/srv/docs"\n'
                    f'[auth]\nadmin_password_hash = "{hashed}"\n[limits]\nmax_question_chars = 300\n', encoding="utf-8")
    cfg = config.load(file, env={"BUDGET_QA_PORT": "9001"})
    assert cfg.host == "0.0.0.0" and cfg.port == 9001  # the environment wins
    assert cfg.index == tmp_path / "idx" and cfg.corpus == Path("/srv/docs")  # relative to the file
    assert cfg.admin_password_hash == hashed and not cfg.read_only and cfg.max_question_chars == 300
    assert config.load(env={"BUDGET_QA_CONFIG": str(file)}).port == 9000


def test_plain_password_from_the_environment_is_hashed():
    cfg = config.load(env={"BUDGET_QA_ADMIN_PASSWORD": "s3cret", "BUDGET_QA_USER_PASSWORD": "team"})
    assert "s3cret" not in cfg.admin_password_hash and verify_password("s3cret", cfg.admin_password_hash)
    assert cfg.login_required and verify_password("team", cfg.user_password_hash)
    assert "s3cret" not in repr(cfg)


@pytest.mark.parametrize("text, needle", [
    ("[server]\nport = \"x\"\n", "port"),
    ("[server]\nprot = 1\n", "server.prot"),
    ("port = 1\n", "must be a table"),
    ("[server\n", "not valid TOML"),
])
def test_bad_settings_name_the_key(tmp_path, text, needle):
    file = tmp_path / "bad.toml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(config.ConfigError, match=needle):
        config.load(file, env={})
    with pytest.raises(config.ConfigError, match="does not exist"):
        config.load(tmp_path / "missing.toml", env={})


def test_example_file_loads():
    cfg = config.load(EXAMPLE, env={})
    assert cfg.port == 7860 and cfg.read_only


def test_passwords_and_sessions():
    stored = hash_password("correct horse")
    assert verify_password("correct horse", stored) and not verify_password("wrong", stored)
    assert not verify_password("x", "not-a-hash")
    sessions = Sessions.from_secret("k", hours=1)
    token = sessions.issue(ADMIN, now=1000.0)
    assert sessions.read(token, now=1001.0) == ADMIN
    assert sessions.read(token, now=1000.0 + 3601) is None  # expired
    assert sessions.read(token[:-2] + "AA", now=1001.0) is None  # forged
    assert Sessions.from_secret("other").read(token, now=1001.0) is None
    gate = Gate(sessions, admin_hash=stored, user_hash=hash_password("team"))
    assert gate.login("correct horse") == ADMIN and gate.login("team") == USER and gate.login("") is None
    assert gate.role({}, {}) is None  # a login is required
    assert Gate(sessions, admin_hash=stored).role({}, {}) == VISITOR


def test_exposure_warning():
    from dataclasses import replace

    from assistant.apps.server import exposure_warning, is_loopback

    class State:  # only the gate is read
        def __init__(self, cfg):
            self.gate = Gate(Sessions.from_secret("k"), cfg.admin_password_hash, cfg.user_password_hash)

    open_cfg = config.Config()
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.1.2.3")
    assert exposure_warning(State(open_cfg), "127.0.0.1") == ""
    warning = exposure_warning(State(open_cfg), "0.0.0.0")
    assert warning.startswith("warning:") and "BUDGET_QA_USER_PASSWORD" in warning
    assert exposure_warning(State(replace(open_cfg, user_password_hash=hash_password("t"))), "0.0.0.0") == ""
