"""awaitwise: a static linter and codemod tool for asyncio pitfalls."""

__version__ = "0.1.0"

__all__ = ["__version__", "check_source", "fix_source", "check_paths"]


def __getattr__(name):  # lazy: keep `import awaitwise` (and the CLI's start-up) light
    if name in ("check_source", "fix_source", "check_paths"):
        from . import api

        return getattr(api, name)
    raise AttributeError(name)
