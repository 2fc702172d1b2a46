"""One module per target, each an ``open(settings)`` context manager yielding a ``Stack``.

``staging.stack.open_stack`` picks the module; callers only ever use that interface.
"""
