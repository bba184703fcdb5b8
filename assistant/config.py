"""Settings: defaults, then one TOML file, then BUDGET_QA_* environment variables.

The file is ``budget-qa.toml`` in the working folder, or the one BUDGET_QA_CONFIG names
(``budget-qa.example.toml`` documents every key). Paths in it are relative to the file.
Command-line flags (app.py, the CLI) override all of these. A bad value is a ConfigError
whose one line names the key and says what to write instead.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONFIG_FILE = "budget-qa.toml"
ENV_FILE = "BUDGET_QA_CONFIG"

# Bounded work per request (issue 9): what one question or search may ask of the server.
MAX_QUESTION_CHARS = 500  # the longest disclosure question in dev.jsonl is under 60 characters
MAX_BODY_KB = 64  # a JSON request: a 500-character question is 1.5 KB of UTF-8
MAX_UPLOAD_MB = 200  # one upload request (several files); each file also obeys max_mb


class ConfigError(ValueError):
    """A setting that cannot be used; the message names it and says how to fix it."""


@dataclass
class Config:
    index: Path = ROOT / "index"
    corpus: Path = ROOT / "corpus"
    embedder: str = "use"
    host: str = "127.0.0.1"
    port: int = 7860
    max_mb: int = 100
    # The web app
    root_path: str = ""  # public sub-path behind a reverse proxy, e.g. "/budget"
    workers: int = 0  # questions and searches answered at once; 0 = two per core (at most 8)
    admin_password_hash: str = field(default="", repr=False)  # scrypt hash (auth.hash_password)
    user_password_hash: str = field(default="", repr=False)  # optional login for all users
    secret: str = field(default="", repr=False)  # signs login cookies; empty = new at each start
    session_hours: float = 12.0
    secure_cookies: bool = False  # set when colleagues reach the app over https (a proxy)
    max_question_chars: int = MAX_QUESTION_CHARS
    max_body_kb: int = MAX_BODY_KB
    max_upload_mb: int = MAX_UPLOAD_MB
    source: str = ""  # the config file read, for messages

    @property
    def request_workers(self) -> int:
        # Answers are ~10 ms of mostly Python work: more threads than this only queue on the GIL.
        return self.workers or min(8, 2 * (os.cpu_count() or 1))

    @property
    def read_only(self) -> bool:
        return not self.admin_password_hash

    @property
    def login_required(self) -> bool:
        return bool(self.user_password_hash)


# TOML table.key -> Config field
_FILE_KEYS: dict[tuple[str, str], str] = {
    ("server", "host"): "host", ("server", "port"): "port", ("server", "root_path"): "root_path",
    ("server", "workers"): "workers", ("server", "secure_cookies"): "secure_cookies",
    ("data", "index"): "index", ("data", "corpus"): "corpus", ("data", "embedder"): "embedder",
    ("data", "max_mb"): "max_mb",
    ("auth", "admin_password_hash"): "admin_password_hash", ("auth", "user_password_hash"): "user_password_hash",
    ("auth", "secret"): "secret", ("auth", "session_hours"): "session_hours",
    ("limits", "max_question_chars"): "max_question_chars", ("limits", "max_body_kb"): "max_body_kb",
    ("limits", "max_upload_mb"): "max_upload_mb",
}

# Environment variable -> Config field. The *_PASSWORD variables hold a plain password,
# hashed as it is read and never kept; *_PASSWORD_HASH hold a hash.
_ENV_KEYS: dict[str, str] = {
    "BUDGET_QA_INDEX": "index", "BUDGET_QA_CORPUS": "corpus", "BUDGET_QA_EMBEDDER": "embedder",
    "BUDGET_QA_HOST": "host", "BUDGET_QA_PORT": "port", "BUDGET_QA_MAX_MB": "max_mb",
    "BUDGET_QA_ROOT_PATH": "root_path", "BUDGET_QA_REQUEST_WORKERS": "workers",
    "BUDGET_QA_SECURE_COOKIES": "secure_cookies",
    "BUDGET_QA_ADMIN_PASSWORD_HASH": "admin_password_hash", "BUDGET_QA_USER_PASSWORD_HASH": "user_password_hash",
    "BUDGET_QA_SECRET": "secret", "BUDGET_QA_SESSION_HOURS": "session_hours",
    "BUDGET_QA_MAX_QUESTION_CHARS": "max_question_chars",
}
_PLAIN_PASSWORDS = {"BUDGET_QA_ADMIN_PASSWORD": "admin_password_hash",
                    "BUDGET_QA_USER_PASSWORD": "user_password_hash"}


def load(path: Path | str | None = None, env: dict[str, str] | None = None) -> Config:
    """Defaults, then the config file (path, else $BUDGET_QA_CONFIG, else ./budget-qa.toml if
    present), then environment variables. Raises ConfigError naming a bad key or value."""
    env = dict(os.environ) if env is None else env
    cfg = Config()
    file = Path(path) if path else (Path(env[ENV_FILE]) if env.get(ENV_FILE) else None)
    if file is None and Path(CONFIG_FILE).is_file():
        file = Path(CONFIG_FILE)
    if file is not None:
        cfg = _apply(cfg, _read_file(file), f"{file}", base=file.resolve().parent)
        cfg.source = str(file)
    values: dict[str, Any] = {name: env[var] for var, name in _ENV_KEYS.items() if env.get(var)}
    cfg = _apply(cfg, values, "environment", base=Path.cwd())
    for var, name in _PLAIN_PASSWORDS.items():
        if env.get(var):
            from assistant.apps.auth import hash_password

            setattr(cfg, name, hash_password(env[var]))
    return cfg


def _read_file(file: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {file} does not exist: create it (see budget-qa.example.toml) "
                          f"or unset {ENV_FILE}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"config file {file} is not valid TOML ({e}); fix that line") from None
    values: dict[str, Any] = {}
    for table, keys in data.items():
        if not isinstance(keys, dict):
            raise ConfigError(f"{file}: '{table}' must be a table such as [server]; see budget-qa.example.toml")
        for key, value in keys.items():
            name = _FILE_KEYS.get((table, key))
            if name is None:
                known = ", ".join(f"{t}.{k}" for t, k in _FILE_KEYS)
                raise ConfigError(f"{file}: unknown setting {table}.{key}; known: {known}")
            values[name] = value
    return values


def _apply(cfg: Config, values: dict[str, Any], where: str, base: Path) -> Config:
    types = {f.name: f.type for f in fields(Config)}
    out: dict[str, Any] = {}
    for name, value in values.items():
        out[name] = _convert(name, types[name], value, where, base)
    return replace(cfg, **out)


def _convert(name: str, kind: str, value: Any, where: str, base: Path) -> Any:
    try:
        if kind == "Path":
            p = Path(str(value)).expanduser()
            return p if p.is_absolute() else base / p
        if kind == "int":
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            number = int(value)
            if number < 0:
                raise ValueError
            return number
        if kind == "float":
            return float(value)
        if kind == "bool":
            if isinstance(value, bool):
                return value
            if str(value).lower() in ("1", "true", "yes", "on"):
                return True
            if str(value).lower() in ("0", "false", "no", "off", ""):
                return False
            raise ValueError
        return str(value)
    except (TypeError, ValueError):
        expected = {"int": "a whole number >= 0", "float": "a number", "bool": "true or false",
                    "Path": "a folder path"}.get(kind, "text")
        raise ConfigError(f"{name} in {where} is {value!r}: expected {expected}") from None
