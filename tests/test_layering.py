"""Dependencies run one way, index <- qa <- webui, eval: checked on the source with ``ast``, no imports run."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The packages above qa: the UI (webui/ and its entry point ui.py) and the eval suite.
ABOVE_QA = frozenset({"eval", "webui", "ui"})


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def imported(node: ast.AST) -> list[str]:
    """Return the top-level package names an import statement imports from; [] for other nodes."""
    if isinstance(node, ast.Import):
        return [alias.name.split(".")[0] for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        return [node.module.split(".")[0]]
    return []


def module_level_imports(tree: ast.Module) -> list[tuple[int, str]]:
    """Return (line, package) of imports that run when the module is imported: outside any function
    (inside ``if``/``try`` blocks too), and not under ``if TYPE_CHECKING``."""
    found: list[tuple[int, str]] = []

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            found.extend((node.lineno, name) for name in imported(node))
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                visit(node.orelse)
            elif isinstance(node, ast.If | ast.Try | ast.With):
                for block in ("body", "orelse", "finalbody", "handlers"):
                    children = getattr(node, block, [])
                    visit([s for c in children for s in (c.body if isinstance(c, ast.ExceptHandler) else [c])])

    visit(tree.body)
    return found


def all_imports(tree: ast.Module) -> list[tuple[int, str]]:
    """Return (line, package) of every import anywhere in the module, lazy ones included."""
    return [(node.lineno, name) for node in ast.walk(tree) for name in imported(node)]


def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


@pytest.mark.parametrize("path", modules("qa"), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_qa_module_imports_the_ui_or_the_eval_when_imported(path: Path) -> None:
    wrong = [f"line {line}: {name}" for line, name in module_level_imports(parse(path)) if name in ABOVE_QA]
    assert not wrong, f"{path.relative_to(ROOT)} imports {wrong} at module level; import it inside the function"


@pytest.mark.parametrize("path", modules("index"), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_index_module_imports_qa_or_anything_above_it(path: Path) -> None:
    wrong = [f"line {line}: {name}" for line, name in all_imports(parse(path)) if name in ABOVE_QA | {"qa"}]
    assert not wrong, f"{path.relative_to(ROOT)} imports {wrong}; index/ must not depend on qa/ or above"


def test_the_checker_sees_top_level_and_conditional_imports_but_not_lazy_ones() -> None:
    tree = ast.parse(
        "import eval.run\n"
        "from webui import state\n"
        "try:\n    import ui\nexcept ImportError:\n    pass\n"
        "if TYPE_CHECKING:\n    from eval import report\n"
        "def serve():\n    from webui import api\n"
    )

    assert module_level_imports(tree) == [(1, "eval"), (2, "webui"), (4, "ui")]
    assert {name for _, name in all_imports(tree)} == {"eval", "webui", "ui"}


def test_the_qa_command_loads_the_eval_and_the_ui_only_for_their_subcommands() -> None:
    probe = (
        "import sys, qa.cli\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'eval', 'webui', 'ui', 'gradio'}))"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)

    assert done.stdout.strip() == "[]"
