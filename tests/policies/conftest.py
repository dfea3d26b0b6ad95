"""The policy tests import the pack's rule modules (`guardrails.*`) the way the pack itself does."""

from __future__ import annotations

import sys
from pathlib import Path

PACK_DIR = Path(__file__).resolve().parents[2] / "policies"

if str(PACK_DIR) not in sys.path:
    sys.path.insert(0, str(PACK_DIR))
