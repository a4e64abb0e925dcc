"""Serve the chat page and HTTP API over ``qa``: ``build_app()`` and the command line (``python ui.py``)."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import socket
import sys
from collections.abc import Mapping

import gradio as gr
import uvicorn
from fastapi import FastAPI

from qa import Assistant, QAError, Settings, SettingsError
from webui.api import build_api
from webui.blocks import CSS, build_blocks
from webui.state import FEEDBACK_FILE, ChatHandlers, FeedbackLog, IndexStatus

log = logging.getLogger("ui")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860


def build_app(assistant: Assistant, auth: tuple[str, str] | None = None) -> FastAPI:
    """Return the whole app (HTTP API plus Gradio UI at /) over ``assistant``; the index starts loading now.

    The chat handlers are at ``app.state.handlers`` and the Gradio page at ``app.state.blocks``.
    """
    status = IndexStatus(assistant)
    handlers = ChatHandlers(assistant, status, FeedbackLog(assistant.settings.data_dir / FEEDBACK_FILE))
    app = build_api(handlers, auth)
    blocks = build_blocks(handlers)
    app.state.handlers = handlers
    app.state.blocks = blocks
    status.start()
    return gr.mount_gradio_app(
        app,
        blocks,
        path="/",
        auth=auth,
        auth_message="Sign in with the QA_AUTH user and password.",
        footer_links=["api", "settings"],
        # The upload box takes documents up to the library's per-file cap; nothing larger is stored.
        max_file_size=f"{assistant.settings.max_file_mb:g}mb",
        show_error=False,
        ssr_mode=False,
        mcp_server=False,
        css=CSS,
        # System fonts: the theme's bundled font subsets mixed in glyphs from a fallback face in bold text.
        theme=gr.themes.Default(font=["system-ui", "Segoe UI", "Helvetica", "Arial", "sans-serif"]),
    )


def auth_from_env(environ: Mapping[str, str] = os.environ) -> tuple[str, str] | None:
    """Return ``(user, password)`` from ``QA_AUTH=user:password``, or None when it is unset or empty."""
    raw = environ.get("QA_AUTH", "")
    if not raw:
        return None
    user, sep, password = raw.partition(":")
    if not sep or not user.strip() or not password:
        raise SettingsError("QA_AUTH must look like user:password (both non-empty); unset it to disable sign-in.")
    return user.strip(), password


def is_loopback(host: str) -> bool:
    """Return whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def exposure_warning(host: str, auth: tuple[str, str] | None) -> str | None:
    """Return a warning when ``host`` lets other machines in and no QA_AUTH sign-in is set, else None."""
    if auth is not None or is_loopback(host):
        return None
    return f"Binding {host} exposes the chat and API to the network without sign-in; set QA_AUTH=user:password."


def bind_problem(host: str, port: int) -> str | None:
    """Return why ``host:port`` cannot be listened on (e.g. already in use), or None if it can."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            probe.bind((host.strip("[]"), port))
        except OSError as exc:
            return f"Cannot listen on {host}:{port}: {exc.strerror or exc}. Pass another --port or --host."
    return None


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``ui.py`` / ``qa serve``."""
    parser = argparse.ArgumentParser(
        prog="qa serve",
        description="Serve the chat UI and the HTTP API. Set QA_AUTH=user:password to require sign-in.",
    )
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST}, this machine only)"
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port to bind (default {DEFAULT_PORT})")
    parser.add_argument("--data-dir", help="where the index and feedback live (default .qa-data, or QA_DATA_DIR)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Serve the chat UI and HTTP API until interrupted; return the exit code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    try:
        auth = auth_from_env()
        settings = Settings.load(data_dir=args.data_dir)
    except QAError as exc:
        print(f"qa serve: {exc}", file=sys.stderr)
        return 2
    problem = bind_problem(args.host, args.port)
    if problem:
        print(f"qa serve: {problem}", file=sys.stderr)
        return 2
    warning = exposure_warning(args.host, auth)
    if warning:
        log.warning(warning)
    app = build_app(Assistant(settings), auth=auth)
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(f"Chat at http://{shown}:{args.port}/  (HTTP API docs at /docs). The index loads in the background.")
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
