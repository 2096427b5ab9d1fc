"""GitHub Actions expressions (``${{ ... }}``), the subset the example workflow and action.yml use.

Literals ('string', numbers, true/false/null), context paths (``steps.run.outputs.exit-code``),
``!``, ``==``, ``!=``, ``&&``, ``||`` (which return an operand, as GitHub's do), parentheses and the
status functions ``success()``, ``failure()``, ``always()``, ``cancelled()``. String comparison
ignores case, as GitHub documents. Anything else raises, so the workflow cannot silently drift
outside what this harness understands.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>\d+(?:\.\d+)?)|(?P<op>==|!=|&&|\|\||!|\(|\))"
    r"|(?P<name>[A-Za-z_][\w-]*(?:\.[\w-]+|\.\*)*(?:\(\))?))"
)
TEMPLATE = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        found = TOKEN.match(text, pos)
        if not found or found.end() == pos:
            raise ValueError(f"expression not understood at {text[pos:]!r}: {text!r}")
        kind = found.lastgroup or ""
        out.append((kind, found.group(kind)))
        pos = found.end()
    return out


class Evaluator:
    def __init__(self, contexts: dict[str, Any], status: Callable[[str], bool]):
        self.contexts, self.status = contexts, status

    def value(self, kind: str, text: str) -> Any:
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind == "num":
            return float(text)
        if text in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[text]
        if text.endswith("()"):
            return self.status(text[:-2])
        node: Any = self.contexts
        for part in text.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        return node

    def evaluate(self, text: str) -> Any:
        self.items, self.pos = tokens(text), 0
        result = self.either()
        if self.pos != len(self.items):
            raise ValueError(f"expression not understood: {text!r}")
        return result

    def peek(self) -> str | None:
        return self.items[self.pos][1] if self.pos < len(self.items) and self.items[self.pos][0] == "op" else None

    def either(self) -> Any:
        left = self.both()
        while self.peek() == "||":
            self.pos += 1
            right = self.both()
            left = left if truthy(left) else right
        return left

    def both(self) -> Any:
        left = self.compare()
        while self.peek() == "&&":
            self.pos += 1
            right = self.compare()
            left = right if truthy(left) else left
        return left

    def compare(self) -> Any:
        left = self.unary()
        while self.peek() in ("==", "!="):
            op = self.items[self.pos][1]
            self.pos += 1
            right = self.unary()
            same = fold(left) == fold(right)
            left = same if op == "==" else not same
        return left

    def unary(self) -> Any:
        if self.peek() == "!":
            self.pos += 1
            return not truthy(self.unary())
        if self.peek() == "(":
            self.pos += 1
            inner = self.either()
            self.pos += 1  # ")"
            return inner
        kind, text = self.items[self.pos]
        self.pos += 1
        return self.value(kind, text)


def truthy(value: Any) -> bool:
    return value not in (None, "", 0, False)


def fold(value: Any) -> Any:
    if value is None:
        return ""
    return value.lower() if isinstance(value, str) else value


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def render(template: str, evaluator: Evaluator) -> str:
    return TEMPLATE.sub(lambda m: text(evaluator.evaluate(m.group(1))), template)


def condition(expr: str | None, evaluator: Evaluator) -> bool:
    """A step's or job's ``if:``: without a status function it implies ``success() &&``."""
    if expr is None:
        return evaluator.status("success")
    inner = TEMPLATE.fullmatch(expr.strip())
    body = inner.group(1) if inner else expr
    if not re.search(r"\b(success|failure|always|cancelled)\(\)", body):
        return evaluator.status("success") and truthy(evaluator.evaluate(body))
    return truthy(evaluator.evaluate(body))
