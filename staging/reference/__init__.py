"""The reference backend: a Python implementation of the Al Marya Rostery HTTP API contract.

It implements ../shared/contract/API.md over the same MongoDB collections as the Node backend, reproduces
its wire format (quirks included) and can switch on injected defects (see defects.py). Run it with
`python -m staging.reference`; build it in-process with `staging.reference.app.create_app(settings)`.
"""
