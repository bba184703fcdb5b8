"""预算公开问答: a chat and search assistant over Chinese government budget disclosures."""
from __future__ import annotations

__version__ = "0.1.0"
