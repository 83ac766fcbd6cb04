"""The `awaitwise` command line: option parsing only; the work is done by runner/fixer/report."""

from __future__ import annotations

import sys
from typing import Any, Dict, List, Optional, Tuple, Union

import click

from . import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
# report.FORMATS, spelled out here so that parsing the command line loads no output code
OUTPUT_FORMATS = ("text", "concise", "json", "json-lines", "sarif", "github", "gitlab", "junit", "pylint")


def _codes(value) -> Optional[Tuple[str, ...]]:
    if not value:
        return None
    out: List[str] = []
    for item in value:
        out.extend(c.strip().upper() for c in item.split(",") if c.strip())
    return tuple(out)


def _fail(message: str) -> None:
    from .report import clean_name

    # a configuration error can quote values and paths from the analysed tree: one escaped line
    click.echo(f"awaitwise: error: {clean_name(message)}", err=True)
    sys.exit(EXIT_ERROR)


def common_options(func):
    options = [
        click.option(
            "--select",
            multiple=True,
            metavar="CODES",
            help="Rules to run (codes or prefixes, comma-separated); replaces the configured list.",
        ),
        click.option(
            "--extend-select", multiple=True, metavar="CODES", help="Rules to run in addition to the selected ones."
        ),
        click.option("--ignore", multiple=True, metavar="CODES", help="Rules to skip (codes or prefixes)."),
        click.option(
            "--config",
            "config_file",
            type=click.Path(dir_okay=False),
            help="Read settings from this TOML file instead of the nearest pyproject.toml.",
        ),
        click.option(
            "--output-format",
            type=click.Choice(OUTPUT_FORMATS),
            default=None,
            help=(
                "How diagnostics are printed (default: text, each finding with its source line; "
                "concise: one line each)."
            ),
        ),
        click.option(
            "--exclude",
            multiple=True,
            metavar="GLOB",
            help="Skip paths matching this glob (adds to the configured excludes).",
        ),
        click.option("--no-cache", is_flag=True, help="Neither read nor write the result cache."),
        click.option(
            "--jobs", "-j", type=click.IntRange(min=1), default=None, help="Worker processes (default: CPU count)."
        ),
        click.option(
            "--python",
            "python",
            type=click.Path(),
            default=None,
            metavar="PATH",
            help=(
                "The environment whose installed packages are analysed: an interpreter or an environment folder "
                "(default: $VIRTUAL_ENV, then .venv/ or venv/ at the project root, then awaitwise's own). "
                "It is never run."
            ),
        ),
        click.option(
            "--target-version",
            type=click.Choice([f"py3{m}" for m in range(8, 15)]),
            default=None,
            help="Lowest Python version the code must run on.",
        ),
        click.option(
            "--stdin-filename",
            type=click.Path(),
            default=None,
            help="Read the source from stdin; this path selects config and per-file ignores.",
        ),
        click.option(
            "--add-noqa",
            is_flag=True,
            help=(
                "Add `# noqa: CODE` to each line with a finding (after fixing, with fix) and print how many were added."
            ),
        ),
        click.option("--exit-zero", is_flag=True, help="Exit 0 even when diagnostics remain."),
        click.option(
            "--statistics", is_flag=True, help="Print the number of diagnostics per rule instead of each one."
        ),
        click.option("--show-settings", is_flag=True, help="Print the resolved settings and exit."),
        click.option("--quiet", "-q", is_flag=True, help="Print diagnostics only, no summary."),
        click.option(
            "--verbose",
            "-v",
            is_flag=True,
            help="Say on stderr which environment and installed packages were summarised.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="awaitwise", message="%(prog)s %(version)s")
def main():
    """Find and fix asyncio pitfalls: blocking calls in coroutines, coroutines that never run,
    sync/async boundary mistakes and unstructured concurrency."""
    # The command owns its process: libcst (half a second to import) loads only when a file is
    # really parsed. Library users of awaitwise keep ordinary imports.
    from .screening import lazy_libcst

    lazy_libcst()
    # ... and parses without libcst's per-node checks, which only confirm what the grammar did
    # (cstparse.unchecked_parsing: the command owns its process; library users never meet it).
    from .cstparse import unchecked_parsing

    unchecked_parsing()
    # A run allocates in bulk (cached results, the project index, parsed modules) and frees
    # little before it ends: collecting every 700 allocations keeps walking the same live
    # objects again.
    import gc

    gc.set_threshold(50_000, 50, 100)


def run() -> None:
    """The `awaitwise` console script and `python -m awaitwise`: the command, then an exit that
    skips tearing down what the run loaded (freeing the project state and the cached results
    object by object is a noticeable part of a cached run: tests/benchmarks/README.md). By then
    every file the run writes is closed and in place and its worker processes are joined, so only
    the output streams are flushed first. Errors other than an exit still end the usual way, with
    their traceback. Under a profiler or a tracer (cProfile, coverage), and whenever
    AWAITWISE_NORMAL_EXIT is set, the process ends the ordinary way instead, so their exit
    handlers run and write what they collected.

    SIGINT and SIGTERM stop the command (interrupts.py): its workers are stopped, no file is
    written after the signal, one line on stderr says how many files were already written, and
    the exit status is 128 + the signal number (130, 143)."""
    import os

    from . import interrupts

    try:
        with interrupts.handling_signals(then=interrupts.exit_at_once):
            code: Union[str, int, None]
            try:
                main()
                code = 0
            except SystemExit as exc:
                code = exc.code
    except interrupts.Interrupted as exc:
        try:
            click.echo(interrupts.message(exc.signum), err=True)
        except (OSError, ValueError):  # stderr is gone: the exit status still says it
            pass
        code = exc.exit_code
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader that went away (`| head`), or a closed stream
            pass
    if _normal_exit_wanted():
        sys.exit(code)
    os._exit(code)


def _normal_exit_wanted() -> bool:
    """Whether someone watching this process needs its ordinary end (see run)."""
    import os

    return bool(sys.getprofile() or sys.gettrace() or os.environ.get("AWAITWISE_NORMAL_EXIT"))


def _settings(paths, opts):
    """(the Resolver that gives each file its settings, the settings of the first path, the
    registry). A problem in the first path's config (or in --config) stops the run here; one in
    a config further down is reported when discovery reaches it."""
    from .config import ConfigError, Resolver, check_codes
    from .registry import RegistryError, get_registry

    try:
        registry = get_registry()
    except RegistryError as exc:
        _fail(str(exc))
    cli: Dict[str, Any] = {}
    warnings: list = []
    try:
        for key in ("select", "extend_select", "ignore"):
            codes = _codes(opts[key])
            if codes is not None:
                cli[key] = check_codes(codes, registry, f"--{key.replace('_', '-')}", warnings)
        cli["exclude"] = tuple(opts["exclude"]) or None
        cli["target_version"] = opts["target_version"]
        if opts.get("python"):
            import os

            cli["python"] = os.path.abspath(os.path.expanduser(opts["python"]))
        start = opts["stdin_filename"] or (list(paths) or ["."])[0]
        resolver = Resolver(registry, opts["config_file"], cli)
        resolver.warnings[:0] = warnings
        settings = resolver.settings_for(start)
    except ConfigError as exc:
        _fail(str(exc))
    return resolver, settings, registry


def _warn(messages) -> None:
    """Print each warning once, as one escaped line on stderr."""
    from .report import clean_name

    for message in dict.fromkeys(messages):
        click.echo(f"awaitwise: warning: {clean_name(message)}", err=True)


def _show_settings(settings, registry) -> None:
    import json

    from .environment import find_environment
    from .libraries import user_cache_folder

    data = settings.to_toml_dict()
    data["enabled_rules"] = list(settings.enabled_codes(registry))
    env = find_environment(settings)
    data["environment"] = {
        "prefix": env.prefix,
        "found_by": env.how,
        "site_packages": list(env.site_dirs),
        "summaries_cache": user_cache_folder(),
    }
    click.echo(json.dumps(data, indent=2, sort_keys=True))


def _session(paths, opts):
    """The run's Session; with --show-settings, print the resolved settings (of the first path)
    and exit instead."""
    resolver, settings, registry = _settings(paths or (".",), opts)
    if opts["show_settings"]:
        _warn(resolver.warnings)
        _show_settings(settings, registry)
        sys.exit(EXIT_OK)
    from .session import Session

    return Session(resolver, registry, opts)


def _stdin_alone(paths, opts) -> None:
    """--stdin-filename reads one source from stdin: PATHS (other than `-`, stdin itself) cannot
    come with it."""
    if not opts.get("stdin_filename"):
        return
    if opts.get("add_noqa"):
        raise click.UsageError("--add-noqa edits the files it checks; it cannot be used with --stdin-filename")
    extra = [p for p in paths if p != "-"]
    if extra:
        from .report import clean

        shown = ", ".join(clean(repr(p)) for p in extra[:3]) + (", ..." if len(extra) > 3 else "")
        raise click.UsageError(f"--stdin-filename reads the source from stdin and takes no PATHS (got {shown})")


def _read_stdin():
    from .sourcefile import SourceError, decode

    data = sys.stdin.buffer.read()
    try:
        return decode(data)
    except SourceError as exc:
        _fail(f"<stdin>: {exc}")


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@common_options
def check(paths, **opts):
    """Report asyncio pitfalls in PATHS (default: the current folder)."""
    _stdin_alone(paths, opts)
    session = _session(paths, opts)
    if opts["stdin_filename"]:
        src = _read_stdin()
        result = session.check_stdin(opts["stdin_filename"], src.text)
    else:
        result = session.check(paths or (".",))
        if opts["add_noqa"]:
            sys.exit(session.add_noqa(result, mode="check"))
    sys.exit(session.report(result, mode="check"))


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@common_options
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes that may change behaviour.")
@click.option("--diff", is_flag=True, help="Print the changes as a unified diff; write nothing.")
def fix(paths, **opts):
    """Apply fixes to PATHS (safe ones; unsafe ones too with --unsafe-fixes)."""
    _stdin_alone(paths, opts)
    session = _session(paths, opts)
    if opts["stdin_filename"]:
        src = _read_stdin()
        code, fixed = session.fix_stdin(opts["stdin_filename"], src)
        if fixed is not None:
            sys.stdout.buffer.write(src.encode(fixed))
            sys.stdout.flush()
        sys.exit(code)
    if opts["add_noqa"] and opts["diff"]:
        raise click.UsageError("--add-noqa writes files; it cannot be used with --diff")
    result = session.fix(paths or (".",))
    if opts["add_noqa"]:
        sys.exit(session.add_noqa(result, mode="fix"))
    sys.exit(session.report(result, mode="fix"))


@main.command()
def clean():
    """Delete the stored summaries of installed packages (shared by every project) and the
    current folder's result cache."""
    import os
    import shutil

    from .cache import CACHE_DIR
    from .libraries import clear_cache

    removed, folder = clear_cache()
    click.echo(f"removed {removed} package summaries from {folder}" if folder else "no user cache folder")
    local = os.path.join(os.getcwd(), CACHE_DIR)
    if os.path.isdir(local) and not os.path.islink(local):
        shutil.rmtree(local, ignore_errors=True)
        click.echo(f"removed {local}")


@main.command()
@click.argument("code", required=False)
@click.option("--all", "show_all", is_flag=True, help="Every rule's documentation, as markdown.")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text")
def rule(code, show_all, output_format):
    """Explain rule CODE, or list every rule."""
    from .docs import render_all, render_rule, render_table
    from .registry import RegistryError, get_registry

    try:
        registry = get_registry()
    except RegistryError as exc:
        _fail(str(exc))
    if code:
        cls = registry.get(code.upper())
        if cls is None:
            _fail(f"unknown rule code `{code}`; `awaitwise rule` lists them all")
        click.echo(render_rule(cls, output_format))
    elif show_all:
        click.echo(render_all(registry, output_format))
    else:
        click.echo(render_table(registry, output_format))


@main.command()
def server():
    """Run the language server on stdin/stdout (for editors)."""
    from .lsp import start

    sys.exit(start())


if __name__ == "__main__":  # pragma: no cover
    main()
