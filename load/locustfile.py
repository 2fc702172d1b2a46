"""Locust's entry point, run by ``almarya-qa load`` as ``python -m locust -f load/locustfile.py``.

It binds the role users and the load shape to the run plan named by ``ALMARYA_LOAD_PLAN``; only the roles
the profile enables become Locust user classes (Locust collects the user classes of this module).
"""

from __future__ import annotations

from load import listeners, shape, users
from load.plan import plan_from_env

PLAN = plan_from_env()

# Locust collects every user class in this module's namespace, so bind them by name and keep no other alias.
globals().update({user_class.__name__: user_class for user_class in users.configure(PLAN)})

ProfileShape = shape.configure(PLAN)
listeners.install(PLAN)
