"""A kind is one module: every registered kind is complete, and nothing outside it names it.

Also keeps docs/ARCHITECTURE.md true: every module it names exists, every registered kind is listed.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mgsync.cli import main
from mgsync.engine import canonical
from mgsync.importer import run_import
from mgsync.importer.documents import header
from mgsync.kinds import KINDS, Bulk, Kind, Prunable
from mgsync.manifest import json_schema, load
from mgsync.state import Address
from tests.support.harness import Harness

from .engine.test_contract import CASES

REPO = Path(__file__).resolve().parents[1]
ARCHITECTURE = (REPO / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
# The orchestration: these modules iterate the registry and must name no kind.
KIND_FREE = [
    *sorted(str(p.relative_to(REPO)) for p in (REPO / "mgsync" / "engine").glob("*.py")),
    "mgsync/apply.py",
    "mgsync/writes.py",
    "mgsync/plan.py",
    "mgsync/plandigest.py",
    "mgsync/cli.py",
    "mgsync/manifest/loader.py",
    "mgsync/manifest/convert.py",
    "mgsync/manifest/document.py",
    "mgsync/importer/__init__.py",
    "mgsync/importer/documents.py",
    *sorted(str(p.relative_to(REPO)) for p in (REPO / "mgsync" / "render").glob("*.py")),
]


LIBRARY_KEYWORDS = frozenset({"output_format"})


def _ids(kind: Kind[Any]) -> str:
    return kind.name


# --- nothing outside a kind's module names it ---------------------------------------------------


def _strings(path: str) -> list[tuple[int, str]]:
    """(line, text) of every string literal (f-string parts included) except docstrings."""
    tree = ast.parse((REPO / path).read_text(encoding="utf-8"))
    documented = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, documented) and node.body and isinstance(node.body[0], ast.Expr)
    }
    # A library's own vocabulary that happens to spell a kind's name (deepdiff's
    # ``path(output_format="list")``) is not a kind named in code.
    library_words = {
        id(kw.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        for kw in node.keywords
        if kw.arg in LIBRARY_KEYWORDS
    }
    skip = docstrings | library_words
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
    ]


def _names_a_kind(text: str) -> str | None:
    """The kind ``text`` names as code would: its name, section or group key as the whole string,
    an address prefix (``route:``) or a flag (``--domain``); prose that merely uses the word is fine."""
    for kind in KINDS:
        words = {kind.name, kind.section, *([kind.group.key] if kind.group else [])}
        if text in words or re.search(rf"(^|[\s(\"']){re.escape(kind.name)}:(\S|$)|--({'|'.join(words)})\b", text):
            return kind.name
    return None


@pytest.mark.parametrize("path", KIND_FREE)
def test_orchestration_names_no_kind(path: str) -> None:
    found = [(line, text) for line, text in _strings(path) if _names_a_kind(text)]
    assert found == [], f"{path} names a kind; ask the registry (a Kind attribute) instead"


@pytest.mark.parametrize("text", ['"route"', "'member:'", "--domain", "domains"])
def test_the_scan_catches_a_kind_named_in_code(text: str) -> None:
    assert _names_a_kind(text.strip("\"'")) is not None


# --- every kind is complete ---------------------------------------------------------------------


def _def(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    return schema["$defs"][node["$ref"].rsplit("/", 1)[1]] if "$ref" in node else node


def _level(parent: Kind[Any] | None, schema: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema object holding the sections of the kinds inside ``parent`` (None: the top level)."""
    if parent is None:
        return schema
    holder = _level(parent.parent, schema)
    return _def(schema, holder["properties"][parent.section]["additionalProperties"])


@pytest.mark.parametrize("kind", KINDS, ids=_ids)
def test_every_kind_has_a_manifest_section(kind: Kind[Any]) -> None:
    schema = json_schema()
    level = _level(kind.parent, schema)
    doc = _def(schema, level["properties"][kind.group.key]) if kind.group else level
    assert kind.section in doc["properties"]
    if isinstance(kind, Prunable):
        items = level["properties"]["prune"]["items"]
        words = items["anyOf"][0] if "anyOf" in items else items  # the other choice: an ${env:NAME} reference
        assert kind.section in words.get("enum", [words.get("const")])


@pytest.mark.parametrize("kind", KINDS, ids=_ids)
def test_every_kind_has_a_contract_case(kind: Kind[Any]) -> None:
    assert kind.name in CASES, f"add a {kind.name} case to tests/engine/test_contract.py CASES"


@pytest.mark.parametrize("kind", KINDS, ids=_ids)
def test_every_kind_is_served_by_the_emulator_and_written_back_by_import(kind: Kind[Any], tmp_path) -> None:
    """Apply the kind's contract case, import the account: the object is read and written back."""
    create, address = CASES[kind.name][0], Address.parse(CASES[kind.name][3])
    h = Harness(tmp_path / "account", env={"PW": "first-password"})
    h.root.mkdir()
    h.write(create)
    h.apply()
    for name in list(h.emu.store.domains):  # verified: Mailgun activates a domain's first DKIM key only then,
        h.emu.store.mark_dns_valid(name)  # and import writes no signing key that live does not hold
        h.client.put(f"/v4/domains/{name}/verify")
    run_import(h.client, tmp_path / "imported")
    imported = canonical(load([tmp_path / "imported"], {}).state)
    assert kind.canonical(address) in imported, f"import does not write {address} back"


# --- the architecture page ----------------------------------------------------------------------


def test_architecture_names_only_modules_that_exist() -> None:
    """Paths anywhere before the walkthrough (whose new kind is hypothetical), and in the tree block
    the bare ``x.py`` names under a package line."""
    described = ARCHITECTURE.split("## Adding a kind")[0]
    named = set(re.findall(r"\bmgsync/[\w/]*\w(?:\.py|/)?", described))
    tree = re.search(r"```text\n(.*?)```", described, flags=re.S)
    assert tree is not None
    package = None
    for line in tree.group(1).splitlines():
        if line.startswith("mgsync/"):
            package = line.split()[0] if line.split()[0].endswith("/") else None
        elif package and line.startswith("  "):
            named |= {package + name for name in re.findall(r"\b\w+\.py\b", line)}
    missing = sorted(path for path in named if not (REPO / path).exists())
    assert len(named) > 40 and missing == []


def test_architecture_lists_every_kind() -> None:
    listed = set(re.findall(r"^\| `(\w+)` \|", ARCHITECTURE, flags=re.M))
    assert listed == {kind.name for kind in KINDS}


def _header_says() -> dict[str, str]:
    """Section → what import's manifest header says removing it does: delete, forget or additive."""
    text = " ".join(header("an account").splitlines())
    parts = {
        "delete": r"removing an object from (.*?) here makes the next plan delete it",
        "forget": r"removing ([^;]*?) only stops managing it",
        "additive": r"\. ([^.]*?) are additive",
    }
    said: dict[str, str] = {}
    for action, pattern in parts.items():
        found = re.search(pattern, text)
        assert found is not None, f"the header no longer says what {action} means: {text}"
        for section in re.findall(r"`(\w+)`", found.group(1)):
            said[section] = f"{said[section]} and {action}" if section in said else action  # in two lists: wrong
    return said


@pytest.mark.parametrize("kind", KINDS, ids=_ids)
def test_the_import_header_says_what_removing_does(kind: Kind[Any]) -> None:
    """Each kind's section is in the header's list that its contract case shows: removed from the
    manifests, the plan deletes it or forgets it; a bulk entry goes only through ``prune``."""
    said = _header_says()
    _create, _change, remove, _address, action = CASES[kind.name]
    if isinstance(kind, Bulk):
        assert said[kind.group.key if kind.group else kind.section] == "additive" and "prune:" in remove
    else:
        assert said[kind.section] == action


def test_the_confirm_delete_flag_comes_from_the_kind(tmp_path) -> None:
    """``apply --delete-domain NAME`` exists because the domain kind says ``confirm_delete``."""
    state, manifest = tmp_path / "emulator.json", tmp_path / "mgsync.yaml"
    cli = ["apply", "--yes", "--emulator", "--emulator-state", str(state), str(manifest)]
    manifest.write_text("domains:\n  mg.other.com: {spam_action: tag}\n")
    assert CliRunner().invoke(main, cli).exit_code == 0
    manifest.write_text("domains: {}\n")
    refused = CliRunner().invoke(main, cli)
    assert refused.exit_code != 0
    assert "Re-run with --delete-domain mg.other.com to confirm." in refused.stderr
    confirmed = CliRunner().invoke(main, [*cli, "--delete-domain", "mg.other.com"])
    assert confirmed.exit_code == 0, confirmed.stderr
    assert "domain:mg.other.com" not in (tmp_path / "mgsync.lock").read_text()


# --- imports go one way --------------------------------------------------------------------------
#
# The graph holds every runtime import: top level and inside functions (a lazy import still runs),
# not those under ``if TYPE_CHECKING:`` (they never run). ``from package import name`` points at the
# submodule when ``name`` is one, else at the package's ``__init__``. A package is not an edge of its
# own submodules: Python runs ``a/__init__`` before ``a.b``, and a package re-exporting its children
# is that pattern, not a cycle; a child that takes a name *from* its package's ``__init__`` is one.


def _module_names(root: Path) -> dict[str, Path]:
    """Dotted name → file for every module under ``root`` (a package directory)."""
    names: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def _type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        elif isinstance(node, ast.If) and _type_checking(node.test):
            stack.extend(node.orelse)
        else:
            stack.extend(ast.iter_child_nodes(node))
    return found


def _targets(node: ast.Import | ast.ImportFrom, package: str, modules: dict[str, Path]) -> set[str]:
    """The modules of ``modules`` that ``node``, written in ``package``, runs."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names if alias.name in modules}
    base = node.module or ""
    if node.level:
        anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
        base = ".".join([*anchor, *([base] if base else [])])
    named = {f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names}
    return named & modules.keys()


def import_graph(root: Path) -> dict[str, set[str]]:
    modules = _module_names(root)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        graph[name] = {t for node in _runtime_imports(tree) for t in _targets(node, package, modules)}
    return graph


def _strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's components of more than one module (or one importing itself), iteratively."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component: set[str] = set()
                while not component or node not in component:
                    component.add(stack.pop())
                if len(component) > 1 or node in graph[node]:
                    found.append(component)
    return found


def _chain(graph: dict[str, set[str]], component: set[str]) -> str:
    """The shortest cycle through the component's first module, as ``a → b → a``."""
    first = min(component)
    paths: dict[str, list[str]] = {first: [first]}
    queue = [first]
    for node in queue:
        for child in sorted(graph[node] & component):
            if child == first:
                return " → ".join([*paths[node], first])
            if child not in paths:
                paths[child] = [*paths[node], child]
                queue.append(child)
    raise AssertionError(f"{first} is in no cycle")  # a component always holds one


def import_cycles(root: Path) -> list[str]:
    graph = import_graph(root)
    return sorted(_chain(graph, component) for component in _strongly_connected(graph))


def test_no_import_cycle_among_runtime_imports() -> None:
    cycles = import_cycles(REPO / "mgsync")
    assert cycles == [], "import cycles (move the shared piece down; see docs/ARCHITECTURE.md):\n" + "\n".join(cycles)


def test_the_cycle_scan_sees_what_runs(tmp_path: Path) -> None:
    """Relative, function-level and ``from package import submodule`` imports count; type-only ones
    and a package's ``__init__`` re-exporting its children do not."""
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    files = {
        "__init__.py": "from pkg.a import A\n",
        "a.py": "from pkg import b\nA = 1\n",
        "b.py": "def late():\n    from .sub import c\n",
        "sub/__init__.py": "",
        "sub/c.py": "from ..a import A\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import d\n",
        "d.py": "import pkg.sub.c\n",
        "e.py": "from pkg import A\n",
    }
    for name, text in files.items():
        (pkg / name).write_text(text, encoding="utf-8")
    assert import_cycles(pkg) == ["pkg.a → pkg.b → pkg.sub.c → pkg.a"]
    (pkg / "a.py").write_text("from pkg import e\nA = 1\n", encoding="utf-8")  # e takes A from the package
    assert import_cycles(pkg) == ["pkg → pkg.a → pkg.e → pkg"]


# --- one module tunes the process ---------------------------------------------------------------

# What changes the interpreter or the process for everyone in it: (module, attribute) as code calls it.
PROCESS_WIDE = {
    "gc": {"collect", "freeze", "unfreeze", "set_threshold", "disable", "enable"},
    "sys": {"setswitchinterval"},
    "os": {"_exit"},
    "signal": {"signal", "pthread_sigmask"},
}


def _process_wide(path: Path) -> set[str]:
    """What ``path`` touches of ``PROCESS_WIDE`` (by its syntax tree: aliases and ``from`` imports
    included), and ``mallopt``: the C allocator's settings, however the library is reached."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    aliases = {
        alias.asname or alias.name: alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
        if alias.name in PROCESS_WIDE
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in PROCESS_WIDE:
            found |= {f"{node.module}.{a.name}" for a in node.names if a.name in PROCESS_WIDE[node.module] | {"*"}}
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            module = aliases.get(node.value.id)
            if module is not None and node.attr in PROCESS_WIDE[module]:
                found.add(f"{module}.{node.attr}")
        if (isinstance(node, ast.Attribute) and node.attr == "mallopt") or (
            isinstance(node, ast.Name) and node.id == "mallopt"
        ):
            found.add("mallopt")
    return found


def test_exactly_one_module_touches_the_process() -> None:
    """The collector, the switch interval, malloc settings, the hard exit and the SIGINT handler:
    tuning.py only, the one module that touches the process (issue 20)."""
    touching = {
        str(path.relative_to(REPO)): found
        for path in sorted((REPO / "mgsync").rglob("*.py"))
        if (found := _process_wide(path))
    }
    assert list(touching) == ["mgsync/tuning.py"]
    assert touching["mgsync/tuning.py"] >= {
        "gc.freeze",
        "gc.set_threshold",
        "sys.setswitchinterval",
        "os._exit",
        "mallopt",
        "signal.signal",
        "signal.pthread_sigmask",
    }


@pytest.mark.parametrize(
    "args",
    [["validate", "examples/quickstart"], ["schema"], ["template", "render", "--help"], ["version"]],
    ids=lambda args: args[0],
)
def test_commands_that_never_talk_to_mailgun_start_without_the_http_client(args: list[str]) -> None:
    """``connect`` imports the client (httpx, TLS, cookies: about 50 ms) only when a command talks
    to Mailgun; a pre-commit hook's ``validate`` does not pay for it. The real command, as Python's
    import log sees it."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "mgsync", *args], cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    imported = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert {"click", "mgsync.cli"} <= imported  # the log is read as it should be
    assert "httpx" not in imported and "mgsync.client" not in imported


def test_the_exception_tree_documents_every_class_and_its_exit_code() -> None:
    """errors.py's docstring draws the tree: every MgsyncError class, under its parent, with the code
    the command exits with."""
    from mgsync import errors

    classes = {
        cls.__name__: cls
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.MgsyncError)
    }
    drawn = re.findall(r"^    [│├└─ ]*(\w+Error)\s+(\d+)\s", errors.__doc__ or "", flags=re.M)
    assert sorted(name for name, _ in drawn) == sorted(classes)
    assert {name: int(code) for name, code in drawn} == {name: cls.exit_code for name, cls in classes.items()}
    lines = re.findall(r"^    ([│├└─ ]*)(\w+Error)\s+\d", errors.__doc__ or "", flags=re.M)
    depth = {name: len(prefix) // 4 for prefix, name in lines}  # "├── " is one level
    for name, cls in classes.items():
        parents = [base.__name__ for base in cls.__bases__ if issubclass(base, errors.MgsyncError)]
        assert all(depth[name] == depth[parent] + 1 for parent in parents[:1]), name


# --- the engine object and a thin CLI (issue 20) ------------------------------------------------

CLI_PARTS = [
    "mgsync/cliparts.py",
    "mgsync/cligroup.py",
    "mgsync/kindoptions.py",
    "mgsync/planview.py",
    "mgsync/dnscli.py",
    "mgsync/emulatorcli.py",
    "mgsync/validatecli.py",
]


def test_cli_is_a_thin_shell() -> None:
    lines = (REPO / "mgsync" / "cli.py").read_text(encoding="utf-8").count("\n")
    assert lines <= 350, f"mgsync/cli.py has {lines} lines; move a command group to its own module"


def test_cli_signatures_have_no_any() -> None:
    """Its own functions take and return named types (the connection options are one ``Connection``)."""
    tree = ast.parse((REPO / "mgsync" / "cli.py").read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args
            every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
            notes = [a.annotation for a in every if a is not None and a.annotation is not None] + [node.returns]
            if any(n is not None and re.search(r"\bAny\b", ast.unparse(n)) for n in notes):
                found.append((node.lineno, node.name))
    assert found == []


@pytest.mark.parametrize(
    "path",
    [*sorted(str(p.relative_to(REPO)) for p in (REPO / "mgsync" / "engine").glob("*.py")), "mgsync/cli.py", *CLI_PARTS],
)
def test_engine_and_cli_modules_stay_small(path: str) -> None:
    assert (REPO / path).read_text(encoding="utf-8").count("\n") <= 300 + 50 * (path == "mgsync/cli.py")


@pytest.mark.parametrize("path", CLI_PARTS)
def test_cli_parts_name_no_kind(path: str) -> None:
    found = [(line, text) for line, text in _strings(path) if _names_a_kind(text)]
    assert found == [], f"{path} names a kind; ask the registry (a Kind attribute) instead"


def test_what_the_engine_hands_back_is_frozen(tmp_path) -> None:
    """``Engine.plan`` and ``Engine.apply`` return an ``Outcome`` no caller can change."""
    import dataclasses

    from mgsync.engine import Checks, Engine, Hooks, Outcome

    assert all(dataclasses.fields(cls) and cls.__dataclass_params__.frozen for cls in (Outcome, Engine, Checks, Hooks))
    h = Harness(tmp_path)
    h.write("routes:\n  r1: {priority: 1, expression: match_recipient('a@mg.example.com'), actions: [stop()]}\n")
    outcome = h.apply()
    assert outcome.applied == 1 and outcome.pending is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        outcome.applied = 0  # type: ignore[misc]


# --- the capabilities a kind declares (mgsync/kinds/capabilities.py) --------------------------------

CAPABILITIES_PY = REPO / "mgsync" / "kinds" / "capabilities.py"


def _members(source: str) -> dict[str, dict[str, bool]]:
    """Each capability protocol's members, read from its source: name -> required (a bare ``...`` body
    or an annotation without a value) or optional (a default the kind inherits)."""
    found: dict[str, dict[str, bool]] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef) and any(ast.unparse(b) == "Protocol" for b in node.bases):
            members = found[node.name] = {}
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    body = [
                        s
                        for s in item.body
                        if not (
                            isinstance(s, ast.Expr)
                            and isinstance(s.value, ast.Constant)
                            and isinstance(s.value.value, str)
                        )
                    ]
                    members[item.name] = not body or all(
                        isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) and s.value.value is Ellipsis
                        for s in body
                    )
                elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    members[item.target.id] = item.value is None
    return found


def _mismatches(kind: object, members: dict[str, dict[str, bool]], protocols: dict[str, type]) -> list[str]:
    """How ``kind`` breaks its declaration: a required member of a declared protocol that only the
    protocol's stub provides, or a member of an undeclared protocol that it has at all."""
    mro = type(kind).__mro__
    problems = []
    for name, required in members.items():
        protocol = protocols[name]
        for member, needed in required.items():
            owner = next((c for c in mro if member in vars(c)), None)  # an annotation alone is not a value
            if protocol in mro:
                if needed and (owner is None or owner is protocol):
                    problems.append(f"declares {name} but lacks {member}")
            elif hasattr(kind, member):
                problems.append(f"has {member} of {name}, which it does not declare")
    return problems


def _capabilities() -> tuple[dict[str, dict[str, bool]], dict[str, type]]:
    from mgsync.kinds import capabilities

    members = _members(CAPABILITIES_PY.read_text(encoding="utf-8"))
    return members, {name: getattr(capabilities, name) for name in members}


@pytest.mark.parametrize("kind", KINDS, ids=_ids)
def test_every_kind_satisfies_exactly_the_capabilities_it_declares(kind: Kind[Any]) -> None:
    members, protocols = _capabilities()
    assert _mismatches(kind, members, protocols) == []
    for name, protocol in protocols.items():  # what callers ask (isinstance) agrees with the declaration
        assert isinstance(kind, protocol) is (protocol in type(kind).__mro__), name


def test_the_capability_check_sees_a_missing_or_undeclared_member() -> None:
    from mgsync.kinds import Deletable, Writable
    from mgsync.kinds.capabilities import Verifiable

    members, protocols = _capabilities()

    class Forgetful(Kind[Any], Writable, Deletable):  # declares Deletable, never says how to delete
        name = "forgetful"

        def create(self, client: Any, change: Any) -> None:
            return None

        def update(self, client: Any, change: Any) -> None:
            return None

        def verify(self, client: Any, key: str) -> str:  # a Verifiable member, undeclared
            return ""

    assert _mismatches(Forgetful(), members, protocols) == [
        "declares Deletable but lacks delete",
        "has verify of Verifiable, which it does not declare",
    ]
    # Callers' ``isinstance`` is structural for an undeclared protocol: a stray member would pass for it,
    # which is why every registered kind must have none.
    assert isinstance(Forgetful(), Verifiable)


def test_each_capability_is_apart_from_the_core_and_from_the_others() -> None:
    """A member of the core or of two capabilities would make ``isinstance`` answer for a kind that
    never declared the capability."""
    members, _ = _capabilities()
    core = {name for name in [*dir(Kind), *Kind.__annotations__] if not name.startswith("_")}
    seen: dict[str, str] = {}
    for name, required in members.items():
        assert required, f"{name} has no member"
        for member in required:
            assert member not in core, f"{name}.{member} is also in the core Kind"
            assert seen.setdefault(member, name) == name, f"{member} is in {seen[member]} and {name}"


def test_every_account_level_kind_owns_its_import_files() -> None:
    from mgsync.kinds import OwnFile, children

    assert [kind.name for kind in KINDS if isinstance(kind, OwnFile)] == [kind.name for kind in children(None)]


def test_the_kinds_import_nothing_of_the_manifest_even_for_types() -> None:
    """``Harvest`` (what kinds declare into) is an interface below them (``shapes/harvest.py``)."""
    upward = ("mgsync.manifest", "mgsync.importer", "mgsync.engine")
    found = []
    for path in sorted((REPO / "mgsync" / "kinds").glob("*.py")) + sorted((REPO / "mgsync" / "shapes").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(upward):
                found.append(f"{path.relative_to(REPO)}:{node.lineno} {node.module}")
    assert found == []


@pytest.mark.long
@pytest.mark.parametrize("platform", [p for p in ("win32", "darwin", "linux") if p != sys.platform])
def test_mypy_passes_for_every_platform_ci_runs_on(platform: str) -> None:
    """CI runs ``mypy mgsync`` on Linux, macOS and Windows, and mypy narrows ``sys.platform`` checks
    to the platform it runs on: a POSIX-only call guarded any other way (``hasattr``) fails only on
    the Windows runner. The other two platforms are checked here (CI's own step checks this one),
    each writing no cache (``os.devnull``, as mypy's documentation says), so that the user's is left
    alone and no time goes to writing one (about 5 s each)."""
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--platform", platform, "--cache-dir", os.devnull, "mgsync"],
        cwd=REPO,
        capture_output=True,
        text=True,
        encoding="utf-8",
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


POSIX_ONLY = frozenset({"resource", "fcntl", "termios", "pty", "tty", "pwd", "grp"})


def _unguarded_posix_imports(tree: ast.Module) -> list[tuple[int, str]]:
    """(line, module) of each import of a POSIX-only module run when the module loads: at its top level
    or in a ``try``, not inside a function or an ``if`` (a ``sys.platform`` guard)."""
    found: list[tuple[int, str]] = []
    statements: list[ast.stmt] = list(tree.body)
    while statements:
        node = statements.pop()
        if isinstance(node, ast.Try):
            statements += [*node.body, *node.orelse, *node.finalbody]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] in POSIX_ONLY]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in POSIX_ONLY:
            found.append((node.lineno, node.module or ""))
    return sorted(found)


def test_no_module_imports_a_posix_only_module_when_it_loads() -> None:
    """Windows has no ``resource``, ``fcntl``, ``termios``, ``pty``, ``pwd`` or ``grp``: one imported
    when a test module loads stops the whole collection there (and in mgsync, every command).
    Import it where it is used, or under ``if sys.platform != "win32":``."""
    assert _unguarded_posix_imports(
        ast.parse("import os\nimport resource\ntry:\n    import fcntl\nexcept ImportError:\n    pass\n")
    ) == [(2, "resource"), (4, "fcntl")]
    found = [
        f"{path.relative_to(REPO)}:{line}: import {module}"
        for root in ("mgsync", "tests")
        for path in sorted((REPO / root).rglob("*.py"))
        for line, module in _unguarded_posix_imports(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert found == []
