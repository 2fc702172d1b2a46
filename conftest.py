"""The suite's plugin is registered here so every test directory shares it."""

pytest_plugins = [
    "fixtures.plugin",
    "fixtures.roles",
    "fixtures.reporting",
    "fixtures.feature_gaps",
    "fixtures.browser",
    "fixtures.security",
]
