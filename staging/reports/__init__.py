"""Reports of a run: Allure HTML with history, the GO / NO-GO verdict, and the release sign-off report.

- ``results``: reads the Allure results; ``session``: the controller's record of the pytest session;
- ``known_defects``: the known-defects file; ``slo``: the load run's SLO results;
- ``verdict``: the gate's rules; ``history``: history carry-over and the verdict trend;
- ``allure_cli``: the Allure 2 command line from npm; ``signoff``: the sign-off HTML and Markdown;
- ``build``: all of it for one run folder; ``serve``: a loopback server for a built report.
"""
