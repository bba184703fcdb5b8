"""Paths, model choice and server settings; environment variables override defaults."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Config:
    index: Path
    corpus: Path
    embedder: str
    host: str
    port: int
    max_mb: int


def load() -> Config:
    """Settings from BUDGET_QA_* environment variables (see README: Configuration)."""
    env = os.environ.get
    return Config(
        index=Path(env("BUDGET_QA_INDEX", str(ROOT / "index"))),
        corpus=Path(env("BUDGET_QA_CORPUS", str(ROOT / "corpus"))),
        embedder=env("BUDGET_QA_EMBEDDER", "use"),
        host=env("BUDGET_QA_HOST", "127.0.0.1"),
        port=int(env("BUDGET_QA_PORT", "7860")),
        max_mb=int(env("BUDGET_QA_MAX_MB", "100")),
    )
