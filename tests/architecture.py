"""The shape of the code, read from its imports: `python tests/architecture.py` prints it.

Every module of `bot/` and `summarizer/` with the project modules it imports (at any depth
of the file: functions and `TYPE_CHECKING` blocks count too), grouped by layer, with its line
count; then any rule broken. The rules, checked by tests/test_architecture.py:

- a module imports only from its own layer or the layers below it (data flows one way);
- no import cycle;
- the Telegram adapter (`bot.telegram`) imports no storage, fetching, extraction, rendering,
  matching or summarizing: it parses updates, calls the chat services and replies;
- `summarizer` is a library: it imports nothing of `bot`;
- no module over 400 lines.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "summarizer")
MAX_LINES = 400

#: Lowest first. A module belongs to the first layer with a prefix of its name.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("library", ("summarizer",)),
    (
        "foundations",
        (
            "bot.errors",
            "bot.settings",
            "bot.clock",
            "bot.logs",
            "bot.language",
            "bot.store",
            "bot.migrations",
            "bot.metrics",
            "bot.health",
            "bot.memory",
        ),
    ),
    (
        "pure stages",
        (
            "bot.fetch",
            "bot.parse",
            "bot.extract",
            "bot.pages",
            "bot.discover",
            "bot.opml",
            "bot.group",
            "bot.match",
            "bot.render",
            "bot.schedule",
        ),
    ),
    (
        "pipeline",
        (
            "bot.outbox",
            "bot.audience",
            "bot.catalog",
            "bot.entries",
            "bot.searches",
            "bot.subscribers",
            "bot.alerts",
            "bot.followups",
            "bot.digest",
            "bot.polling",
            "bot.joining",
            "bot.ingest",
            "bot.deliver",
            "bot.websub",
        ),
    ),
    ("chat services", ("bot.chat",)),
    ("composition", ("bot.services", "bot.scheduler")),
    ("adapters and entry points", ("bot.telegram", "bot.run", "bot.cli", "bot.demo")),
)
ADAPTER_MAY_NOT_IMPORT = (
    "bot.store",
    "bot.fetch",
    "bot.extract",
    "bot.render",
    "bot.match",
    "summarizer",
)


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    lines: int
    imports: frozenset[str]  # project modules only


def _name_of(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(tree: ast.AST, module: str, is_package: bool, known: set[str]) -> set[str]:
    """Project modules named by the imports in `tree`, resolved to the deepest known module."""
    found: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != module:
                found.add(target)
    return found


def modules() -> dict[str, Module]:
    paths = sorted(p for package in PACKAGES for p in (REPO / package).rglob("*.py"))
    names = {_name_of(p): p for p in paths}
    known = set(names)
    result = {}
    for name, path in names.items():
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source, filename=str(path))
        imports = _imports(tree, name, path.name == "__init__.py", known)
        # A package's __init__ re-exports its own modules; that is not a dependency upward.
        imports = {i for i in imports if not (path.name == "__init__.py" and i.startswith(name))}
        result[name] = Module(name, path, source.count("\n"), frozenset(imports))
    return result


def layer_of(module: str) -> int:
    if module == "bot":  # the root package holds nothing; it sits on top
        return len(LAYERS) - 1
    for rank, (_, prefixes) in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return rank
    raise ValueError(f"{module} belongs to no layer: add it to LAYERS in tests/architecture.py")


def _is_in(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def cycles(graph: dict[str, Module]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node].imports:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    sys.setrecursionlimit(10_000)
    for name in sorted(graph):
        if name not in index:
            visit(name)
    return groups


def violations(graph: dict[str, Module]) -> Iterator[str]:
    for module in sorted(graph.values(), key=lambda m: m.name):
        rank = layer_of(module.name)
        for target in sorted(module.imports):
            if layer_of(target) > rank:
                yield (
                    f"{module.name} ({LAYERS[rank][0]}) imports {target} "
                    f"({LAYERS[layer_of(target)][0]}): an arrow back up the flow"
                )
            if _is_in(module.name, "bot.telegram") and any(
                _is_in(target, banned) for banned in ADAPTER_MAY_NOT_IMPORT
            ):
                yield f"{module.name} imports {target}: the Telegram adapter calls chat services"
            if _is_in(module.name, "summarizer") and _is_in(target, "bot"):
                yield f"{module.name} imports {target}: the summarizer is a library"
        if module.lines > MAX_LINES:
            yield f"{module.name} has {module.lines} lines (at most {MAX_LINES})"
    for group in cycles(graph):
        yield "import cycle: " + " → ".join(group)


def main() -> int:
    graph = modules()
    total = 0
    for rank, (title, _) in enumerate(LAYERS):
        members = sorted(
            (m for m in graph.values() if layer_of(m.name) == rank), key=lambda m: m.name
        )
        lines = sum(m.lines for m in members)
        total += lines
        print(f"\n== {title} ({len(members)} modules, {lines} lines)")
        for m in members:
            deps = ", ".join(sorted(i.removeprefix("bot.") for i in m.imports)) or "-"
            print(f"  {m.name:<28} {m.lines:>4}  → {deps}")
    print(f"\n{len(graph)} modules, {total} lines")
    broken = list(violations(graph))
    print("\nrules: " + ("all hold" if not broken else f"{len(broken)} broken"))
    for line in broken:
        print(f"  ✗ {line}")
    return 1 if broken else 0


if __name__ == "__main__":
    raise SystemExit(main())
