"""The same findings (rule, severity, formula, numbers) as the recorded baseline on the shared
corpus and on the generated demo corpus: the guard that a refactor changed no behaviour.

An intended change of behaviour re-records the baseline (`python -m tests.baseline.record`)
and names the changed findings in its commit.
"""

from __future__ import annotations

import json

import pytest

from tests.baseline.record import RECORD, SHARED_CORPUS, current

pytestmark = pytest.mark.skipif(not SHARED_CORPUS.is_dir(), reason="shared corpus not available")


def test_findings_match_the_recorded_baseline() -> None:
    recorded = json.loads(RECORD.read_text("utf-8"))
    now = current()
    assert now.keys() == recorded.keys()
    changed = {name: (recorded[name], now[name]) for name in now if now[name] != recorded[name]}
    assert not changed, json.dumps(changed, ensure_ascii=False, indent=1)
