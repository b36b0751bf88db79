"""The ``certbench`` command line: argument parsing only, over ``certbench.core``.

``certbench`` with no command opens the TUI (imported lazily: headless commands never load Textual).
Every headless command lives in a module of :mod:`certbench.commands` that registers its sub-parsers.
Errors from the core become one line, ``certbench: error: ...`` on stderr, and exit code 2.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
import traceback
import warnings
from collections.abc import Iterator, Sequence

from certbench import __version__
from certbench.commands import Context
from certbench.core.errors import CertbenchError, NonPositiveSerialWarning, PasswordError
from certbench.core.safe_text import terminal_safe

#: Modules of certbench.commands, in the order their commands appear in ``--help``.
COMMAND_MODULES = ("workspace", "inspect", "create", "bind", "check", "trust", "keystore", "store", "identity", "probe")

#: Which module registers each top-level command word. A run of one command imports only its module
#: (and the core it needs), which keeps `certbench inspect` quick to start; `--help` imports them all.
#: A test keeps this table in step with what the modules register.
COMMAND_WORDS = {
    "list": "workspace",
    "inspect": "inspect",
    "verify": "inspect",
    "ca": "create",
    "cert": "create",
    "csr": "create",
    "demo": "create",
    "bind": "bind",
    "check": "check",
    "expiring": "check",
    "trust": "trust",
    "jar": "keystore",
    "export": "keystore",
    "store": "store",
    "import": "identity",
    "show": "identity",
    "rm": "identity",
    "restore": "identity",
    "trash": "identity",
    "probe": "probe",
}

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
EXIT_BUG = 70


def build_parser(modules: Sequence[str] = COMMAND_MODULES) -> argparse.ArgumentParser:
    """The parser with the ``tui`` command and those of ``modules`` (all by default; fewer start faster)."""
    parser = argparse.ArgumentParser(
        prog="certbench",
        description="Terminal certificate workbench: inspect, create, bundle and trust certificates. "
        "Run without a command to open the TUI.",
        epilog="Passwords are never taken from the command line: use the *-env VAR options, "
        "--password-file, or the interactive prompt.",
    )
    parser.add_argument("--version", action="version", version=f"certbench {__version__}")
    parser.add_argument(
        "--workspace",
        metavar="DIR",
        help="workspace directory (default: $CERTBENCH_WORKSPACE or the per-user data directory)",
    )
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", dest="command")
    tui = subparsers.add_parser("tui", help="open the terminal UI (the default without a command)")
    tui.set_defaults(handler=_run_tui)
    for name in modules:
        module = importlib.import_module(f"certbench.commands.{name}")
        module.register(subparsers)
    return parser


def _run_tui(args: argparse.Namespace, ctx: Context) -> int:
    from certbench.ui.collector import pause_for_start_up

    pause_for_start_up()  # until the first frame (ui/collector.py says why)
    from certbench.ui.app import run_app  # lazy: keeps headless start-up free of Textual

    return run_app(ctx.workspace_path, now=ctx.fixed_now)


def _command_word(argv: Sequence[str]) -> str | None:
    """The first word that is not a global option (``--workspace DIR`` takes a value)."""
    words = iter(argv)
    for word in words:
        if word == "--workspace":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def _modules_for(argv: Sequence[str]) -> Sequence[str]:
    """The command modules a run needs: none for the TUI (the default command; the modules load the
    certificate readers, a fifth of a second before the first frame), the command's own for a command,
    all for ``--help`` and for a word that is no command (argparse then lists them all)."""
    word = _command_word(argv)
    if word in (None, "tui") and not any(arg in ("-h", "--help") for arg in argv):
        return ()
    module = COMMAND_WORDS.get(word or "")
    return (module,) if module else COMMAND_MODULES


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_modules_for(argv))
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None) or _run_tui
    try:
        ctx = Context.from_args(args)  # inside: a bad $CERTBENCH_NOW is a usage error like any other
        with _warnings_as_lines():
            return int(handler(args, ctx))
    except CertbenchError as exc:
        message = str(exc)
        if isinstance(exc, PasswordError) and exc.missing and "--" not in message:
            # The core cannot know the flag names; every command has *-password-env / *-password-file options.
            message += ": give it with the command's --...password-env VAR or --...password-file FILE (see --help)"
        _error_line(message)
        return EXIT_ERROR
    except KeyboardInterrupt:
        _error_line("interrupted")
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - last line of defence: a bug is reported, not dumped
        if os.environ.get("CERTBENCH_DEBUG"):
            traceback.print_exc()
        _error_line(
            f"internal error (this is a bug in certbench): {type(exc).__name__}: {exc}; "
            "rerun with CERTBENCH_DEBUG=1 for the traceback"
        )
        return EXIT_BUG


@contextlib.contextmanager
def _warnings_as_lines() -> Iterator[None]:
    """Python warnings (cryptography's about real-world oddities such as negative serials or BER in a p7b)
    become one ``certbench: warning:`` line each, after the output, instead of source-line dumps."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # cryptography repeats this one at every read of a serial; the loader warns once per certificate
        # instead (NonPositiveSerialWarning), so the line can count certificates.
        warnings.filterwarnings("ignore", message="Parsed a serial number which wasn't positive")
        try:
            yield
        finally:
            counts: dict[str, int] = {}
            certificates: dict[str, set[bytes]] = {}
            for warning in caught:
                text = " ".join(str(warning.message).split()).split(". ")[0]
                counts[text] = counts.get(text, 0) + 1
                if isinstance(warning.message, NonPositiveSerialWarning):
                    certificates.setdefault(text, set()).add(warning.message.sha256)
            for text, count in counts.items():
                if text in certificates:
                    number = len(certificates[text])
                    times = f" ({number} certificates)" if number > 1 else ""
                else:
                    times = f" ({count} times)" if count > 1 else ""
                print(f"certbench: warning: {terminal_safe(text)}{times}", file=sys.stderr)


def _error_line(message: str) -> None:
    """One line on stderr. Control characters (a file name's or a subject's) show escaped, then runs of
    spaces collapse: a message never spans lines nor drives the terminal."""
    print(f"certbench: error: {' '.join(terminal_safe(message).split())}", file=sys.stderr)
