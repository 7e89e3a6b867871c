"""The rules an approval item of the catalogue keeps, in one place.

The import file (`catalogue_import`) and the back-office form (`wagtail_hooks`) check items
with these functions, so both refuse the same items with the same words. Each rule returns
the reasons, in the active language; an empty list means the item passes.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Collection, Iterable, Mapping

from django.utils.translation import gettext as _

from .models import ApprovalItem

# A code may not hold what separates codes in a prerequisites cell of the import file.
CODE_SEPARATORS = re.compile(r"[;,；，、\n]+")

PrerequisiteGraph = Mapping[str, Collection[str]]


def code_problems(code: str) -> list[str]:
    if code and CODE_SEPARATORS.search(code):
        return [_("The code may not contain “;”, “,” or a line break.")]
    return []


def limit_problems(statutory: int | None, promised: int | None) -> list[str]:
    """The promised limit is at least one working day and no longer than the statutory one."""
    if promised is not None and promised < 1:
        return [_("The promised limit must be at least 1 working day.")]
    if statutory is not None and promised is not None and promised > statutory:
        return [
            _(
                "The promised limit (%(promised)s working days) is longer than the statutory "
                "limit (%(statutory)s); it must be the same or shorter."
            )
            % {"promised": promised, "statutory": statutory}
        ]
    return []


def material_problems(names: Iterable[str]) -> list[str]:
    """Each material of the one-time notification list is listed once."""
    seen: set[str] = set()
    problems = []
    for name in names:
        if name in seen:
            problems.append(_("Material “%(name)s” is listed twice.") % {"name": name})
        seen.add(name)
    return problems


def prerequisite_graph() -> dict[str, frozenset[str]]:
    """Every item's code -> the codes of its prerequisites, as stored."""
    graph: dict[str, set[str]] = {
        code: set() for code in ApprovalItem.objects.values_list("code", flat=True)
    }
    through = ApprovalItem.prerequisites.through.objects.values_list(
        "from_approvalitem__code", "to_approvalitem__code"
    )
    for code, prerequisite in through:
        graph[code].add(prerequisite)
    return {code: frozenset(codes) for code, codes in graph.items()}


def prerequisite_loop(start: str, graph: PrerequisiteGraph) -> list[str] | None:
    """The shortest path start -> ... -> start in the prerequisite graph, if there is one."""
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nxt in graph.get(node, ()):
            if nxt == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [start, *reversed(path[:-1]), start]
            if nxt not in came_from:
                came_from[nxt] = node
                queue.append(nxt)
    return None


def prerequisite_problems(
    code: str, prerequisites: Collection[str], graph: PrerequisiteGraph
) -> list[str]:
    """An item needing itself, or needing an item that (through others) needs it: such an
    item could never be accepted, as its prerequisites are never all approved first.

    `graph` is the rest of the catalogue; the item's own entry is taken from `prerequisites`.
    """
    if code in prerequisites:
        return [_("An item cannot be its own prerequisite.")]
    loop = prerequisite_loop(code, {**graph, code: prerequisites})
    if loop:
        return [_("The prerequisites go round in a loop: %(loop)s.") % {"loop": " → ".join(loop)}]
    return []


def renamed(graph: PrerequisiteGraph, old: str, new: str) -> dict[str, Collection[str]]:
    """The graph after an item's code changes from `old` to `new`."""

    def rename(code: str) -> str:
        return new if code == old else code

    return {rename(code): {rename(p) for p in needs} for code, needs in graph.items()}


def item_problems(
    *,
    code: str | None,
    statutory_limit_days: int | None,
    promised_limit_days: int | None,
    prerequisites: Collection[str] | None,
    graph: PrerequisiteGraph,
    previous_code: str | None = None,
) -> dict[str, list[str]]:
    """Every rule for one item edited on its own, by the field it concerns.

    `previous_code` is the stored code of an item being edited (None for a new item).
    """
    problems: dict[str, list[str]] = {}
    if code and code != previous_code and (found := code_problems(code)):
        problems["code"] = found
    if found := limit_problems(statutory_limit_days, promised_limit_days):
        problems["promised_limit_days"] = found
    code = code or previous_code
    if code and prerequisites is not None:
        if previous_code and previous_code != code:
            graph = renamed(graph, previous_code, code)
        if found := prerequisite_problems(code, set(prerequisites), graph):
            problems["prerequisites"] = found
    return problems
