"""The ``qa`` command: index, ask, eval, bench and serve from the terminal."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from typing import Any

from qa.errors import QAError

EXIT_BAD_INPUT = 2


def _assistant(args: argparse.Namespace) -> Any:
    from qa import Assistant, Settings

    overrides = {"data_dir": args.data_dir} if getattr(args, "data_dir", None) else {}
    return Assistant(Settings.load(**overrides))


def _cmd_index(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    bot = _assistant(args)
    started = time.perf_counter()
    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console) as bar:
        task = bar.add_task("Loading the embedding model", total=1.0)
        info = bot.load(
            rebuild=args.rebuild, progress=lambda msg, frac: bar.update(task, description=msg, completed=frac)
        )
        bar.update(task, completed=1.0)
    elapsed = time.perf_counter() - started
    verb = "Built" if info["built_now"] else "Loaded existing"
    print(
        f"{verb} index {info['collection']} in {elapsed:.1f} s: {info['segments']} segments, "
        f"{info['passages']} passages, {info['sentences']} sentences ({info['chunks']} chunks) "
        f"from {len(info['sources'])} document(s), model {info['model']} ({info['backend']})."
    )
    return 0


def _cmd_add(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bot = _assistant(args)
    started = time.perf_counter()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("Reading the files", total=1.0)
        changes = bot.add(args.paths, progress=lambda msg, frac: bar.update(task, description=msg[:70], completed=frac))
        bar.update(task, completed=1.0)
    for change in changes:
        d = change.document
        pages = f", {d.pages} pages" if d.pages else ""
        print(f"{change.action:9} {d.id}  {d.name} ({d.format}, {d.chars:,} characters{pages}): {d.title}")
    print(f"{len(bot.documents())} document(s) in the library; took {time.perf_counter() - started:.1f} s.")
    return 0


def _cmd_documents(args: argparse.Namespace) -> int:
    documents = _assistant(args).documents()
    if args.json:
        print(json.dumps([d.to_dict() for d in documents], ensure_ascii=False, indent=2))
        return 0
    for d in documents:
        added = time.strftime("%Y-%m-%d %H:%M", time.localtime(d.added_at))
        print(f"{d.id}  {d.format:4} {d.size:>10,} B  {added}  {d.title}")
    return 0


def _cmd_remove(args: argparse.Namespace) -> int:
    bot = _assistant(args)
    for doc_id in args.ids:
        gone = bot.remove(doc_id)
        print(f"removed   {gone.id}  {gone.name}")
    return 0


def _cmd_ask(args: argparse.Namespace) -> int:
    bot = _assistant(args)
    answer = bot.ask(args.question, documents=args.document or None)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(answer.text)
    if answer.citations:
        print("\nRelated passages (not an answer):" if answer.abstained else "\nSources:")
    for c in answer.citations:
        page = f" · page {c.page}" if c.page else ""
        print(f"[{c.marker}] {c.speaker} · {c.section} · {c.source}[{c.start}:{c.end}]{page}\n    {c.quote}")
    return 0


# Subcommands that own their options: everything after the name goes to their main(argv).
_DELEGATED = {
    "eval": ("eval.run", "run the evaluation suite (see eval/README.md)"),
    "bench": ("eval.bench", "run the benchmark against the naive baseline"),
    "serve": ("ui", "serve the chat UI and HTTP API"),
}


def _delegate(module: str, argv: list[str]) -> int:
    import importlib

    return int(importlib.import_module(module).main(argv) or 0)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``qa`` command."""
    parser = argparse.ArgumentParser(
        prog="qa", description="Ask cited questions about the bundled article, or about your own documents."
    )
    parser.add_argument("--data-dir", help="where the index lives (default .qa-data, or QA_DATA_DIR)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress and warnings")
    sub = parser.add_subparsers(dest="command", required=True)
    p_index = sub.add_parser("index", help="build (or load) the index and print a summary")
    p_index.add_argument("--rebuild", action="store_true", help="rebuild even if the index is current")
    p_index.set_defaults(func=_cmd_index)
    p_ask = sub.add_parser("ask", help="answer one question")
    p_ask.add_argument("question")
    p_ask.add_argument("--json", action="store_true", help="print the Answer as JSON")
    p_ask.add_argument(
        "--document",
        action="append",
        metavar="ID",
        help="answer from this document only (repeatable; see qa documents)",
    )
    p_ask.set_defaults(func=_cmd_ask)
    p_add = sub.add_parser("add", help="add files or folders (txt, md, html, pdf, docx) to the document library")
    p_add.add_argument("paths", nargs="+", metavar="PATH")
    p_add.set_defaults(func=_cmd_add)
    p_docs = sub.add_parser("documents", help="list the documents answered over")
    p_docs.add_argument("--json", action="store_true", help="print the records as JSON")
    p_docs.set_defaults(func=_cmd_documents)
    p_remove = sub.add_parser("remove", help="remove documents (and their vectors) from the library")
    p_remove.add_argument("ids", nargs="+", metavar="ID")
    p_remove.set_defaults(func=_cmd_remove)
    for name, (_module, text) in _DELEGATED.items():
        sub.add_parser(name, help=text, add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``qa`` command and return its exit code."""
    argv = sys.argv[1:] if argv is None else argv
    command = next((i for i, a in enumerate(argv) if a in _DELEGATED), None)
    if command is not None:
        # `qa --data-dir X serve` means the same as `qa serve --data-dir X`.
        leading = argparse.ArgumentParser(add_help=False)
        leading.add_argument("--data-dir")
        leading.add_argument("-v", "--verbose", action="store_true")
        known, unknown = leading.parse_known_args(argv[:command])
        if not unknown:
            forwarded = argv[command + 1 :] + (["--data-dir", known.data_dir] if known.data_dir else [])
            return _delegate(_DELEGATED[argv[command]][0], forwarded)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    try:
        return args.func(args)
    except QAError as exc:
        print(f"qa: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
