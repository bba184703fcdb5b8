"""Helpers for the web app's tests: a small corpus (the repo's demo disclosure plus a
document full of markup and script text), its index with the hashing embedder, the
app's state and a live server on a free loopback port."""
from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from dataclasses import replace
from pathlib import Path

from conftest import DEMO

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no network calls from tests

ADMIN_PASSWORD = "管理员-pw-1"
USER_PASSWORD = "colleagues-pw"
QUESTION = "魏县政府办2020年公务接待费预算是多少？"
CODE = "434-1601-JXN-0UT4"

XSS_NAME = "2021_qingshan_xss_budget.txt"
XSS_STRINGS = ["<script>alert(1)</script>", "<img src=x onerror=alert(2)>", "[x](javascript:alert(3))",
               "${alert(4)}", "{{constructor.constructor('alert(5)')()}}"]
XSS_TEXT = f"""青山县财政局2021年部门预算公开说明

一、部门基本情况
青山县财政局负责全县财政收支管理。{XSS_STRINGS[0]}
说明：{XSS_STRINGS[1]} 见附件。
链接：{XSS_STRINGS[2]} 仅为文字。
模板：{XSS_STRINGS[3]} 与 {XSS_STRINGS[4]} 均为文字。

二、“三公”经费预算情况
2021年青山县财政局公务接待费预算为12.5万元，比上年减少0.5万元。
公务用车运行维护费预算为8万元。

三、一般公共预算支出预算表
单位：万元
科目编码\t科目名称\t合计\t基本支出
201\t一般公共服务支出\t120.50\t80.20
201 03 01\t行政运行\t80.20\t80.20
201 03 02\t一般行政管理事务\t40.30\t0.00

四、项目支出说明
科目2010301行政运行主要用于机关正常运转。
"""
SUBJECT_CODE = "201 03 01"  # written with spaces; the document also writes it 2010301

# A document uploaded during the tests: answerable, and gone after its deletion.
UPLOAD_NAME = "2022_hongshan_upload_budget.txt"
UPLOAD_TEXT = """红山县审计局2022年部门预算公开说明

一、“三公”经费预算情况
2022年红山县审计局公务接待费预算为7.25万元，比上年增加0.25万元。
项目编码 HS-2022-AUD-0042 审计信息化运维费 预算数 31.6万元。
"""


def make_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(DEMO, folder / DEMO.name)
    (folder / XSS_NAME).write_text(XSS_TEXT, encoding="utf-8")
    return folder


def make_state(tmp: Path, admin: bool = True, users: bool = False):
    """(AppState, Config) over a fresh corpus and index under tmp."""
    from assistant.apps.auth import hash_password
    from assistant.apps.state import load_state
    from assistant.config import Config
    from assistant.index import Index
    from assistant.index.build import build

    corpus = make_corpus(tmp / "corpus")
    index = tmp / "index"
    build([corpus], index, embedder_spec="hash", report=None)
    cfg = replace(Config(), index=index, corpus=corpus, embedder="hash", secret="test-secret",
                  admin_password_hash=hash_password(ADMIN_PASSWORD) if admin else "",
                  user_password_hash=hash_password(USER_PASSWORD) if users else "")
    return load_state(cfg, Index.load(index), "hash"), cfg


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """uvicorn serving create_app(state) in a thread; stop() ends it."""

    def __init__(self, state, port: int | None = None):
        import uvicorn

        from assistant.apps.server import create_app

        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        config = uvicorn.Config(create_app(state), host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
