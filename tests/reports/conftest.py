"""The probe tests are run by test_run_reports.py through ``almarya-qa run``, never collected otherwise."""

from __future__ import annotations

import os

collect_ignore_glob = [] if os.environ.get("ALMARYA_PROBE") == "1" else ["probe/*"]
