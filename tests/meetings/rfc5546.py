"""A checker of calendar files against RFC 5546 (iTIP) section 3.2 and RFC 5545.

The icalendar library parses whatever is well formed, so it accepts a METHOD:PUBLISH with
ATTENDEE lines, which libical (Evolution) and other strict programs flag. This reads the
content lines itself and applies the restriction tables for VEVENT under PUBLISH (3.2.1),
REQUEST (3.2.2) and CANCEL (3.2.5), and, for a calendar without METHOD, what RFC 5545 requires
of a VEVENT (3.6.1: DTSTAMP, UID, and DTSTART when there is no METHOD).

`violations(data)` lists what breaks the rules (empty: the file conforms).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MANY = None  # no upper bound

# Presence of VEVENT properties: (fewest, most). Properties not in a table must not appear
# (X- properties may, always).
_COMMON_0_1 = dict.fromkeys(
    (
        "CLASS",
        "CREATED",
        "DESCRIPTION",
        "DTEND",
        "DURATION",
        "GEO",
        "LAST-MODIFIED",
        "LOCATION",
        "PRIORITY",
        "RECURRENCE-ID",
        "RESOURCES",
        "STATUS",
        "TRANSP",
        "URL",
    ),
    (0, 1),
)
_COMMON_0_MANY = dict.fromkeys(
    ("ATTACH", "CATEGORIES", "COMMENT", "EXDATE", "RDATE", "RELATED-TO"), (0, MANY)
)

VEVENT_RULES: dict[str, dict[str, tuple[int, int | None]]] = {
    # RFC 5546 3.2.1: "ATTENDEE 0", "REQUEST-STATUS 0".
    "PUBLISH": {
        **_COMMON_0_1,
        **_COMMON_0_MANY,
        "DTSTAMP": (1, 1),
        "DTSTART": (1, 1),
        "ORGANIZER": (1, 1),
        "SUMMARY": (1, 1),
        "UID": (1, 1),
        "SEQUENCE": (0, 1),
        "CONTACT": (0, 1),
        "EXRULE": (0, MANY),
        "RRULE": (0, MANY),
        "ATTENDEE": (0, 0),
        "REQUEST-STATUS": (0, 0),
    },
    # RFC 5546 3.2.2: "ATTENDEE 1+".
    "REQUEST": {
        **_COMMON_0_1,
        **_COMMON_0_MANY,
        "ATTENDEE": (1, MANY),
        "DTSTAMP": (1, 1),
        "DTSTART": (1, 1),
        "ORGANIZER": (1, 1),
        "SEQUENCE": (0, 1),
        "SUMMARY": (1, 1),
        "UID": (1, 1),
        "CONTACT": (0, 1),
        "EXRULE": (0, MANY),
        "RRULE": (0, 1),
        "REQUEST-STATUS": (0, MANY),
    },
    # RFC 5546 3.2.5: "ATTENDEE 0+", "SEQUENCE 1", DTSTART and SUMMARY optional.
    "CANCEL": {
        **_COMMON_0_1,
        **_COMMON_0_MANY,
        "ATTENDEE": (0, MANY),
        "DTSTAMP": (1, 1),
        "ORGANIZER": (1, 1),
        "SEQUENCE": (1, 1),
        "UID": (1, 1),
        "CONTACT": (0, MANY),
        "DTSTART": (0, 1),
        "EXRULE": (0, MANY),
        "RRULE": (0, MANY),
        "SUMMARY": (0, 1),
        "REQUEST-STATUS": (0, 0),
    },
    # RFC 5545 3.6.1, in a calendar without METHOD: DTSTART is required then.
    None: {
        **_COMMON_0_1,
        **_COMMON_0_MANY,
        "DTSTAMP": (1, 1),
        "UID": (1, 1),
        "DTSTART": (1, 1),
        "ORGANIZER": (0, 1),
        "SEQUENCE": (0, 1),
        "SUMMARY": (0, 1),
        "ATTENDEE": (0, MANY),
        "CONTACT": (0, MANY),
        "EXRULE": (0, MANY),
        "RRULE": (0, MANY),
        "REQUEST-STATUS": (0, MANY),
    },
}

STATUS_VALUES = {
    "PUBLISH": {"TENTATIVE", "CONFIRMED", "CANCELLED"},
    "REQUEST": {"TENTATIVE", "CONFIRMED"},
    # "MUST be set to CANCELLED to cancel the entire event" (absent when uninviting some).
    "CANCEL": {"CANCELLED"},
    None: {"TENTATIVE", "CONFIRMED", "CANCELLED"},
}

# Components a calendar of each method may not hold at its top level, or inside a VEVENT.
FORBIDDEN_TOP = {
    "PUBLISH": {"VTODO", "VJOURNAL", "VFREEBUSY"},
    "REQUEST": {"VTODO", "VJOURNAL", "VFREEBUSY"},
    "CANCEL": {"VTODO", "VJOURNAL", "VFREEBUSY"},
    None: set(),
}
FORBIDDEN_IN_EVENT = {"CANCEL": {"VALARM"}}


@dataclass
class Component:
    name: str
    properties: list[tuple[str, str, str]] = field(default_factory=list)  # name, params, value
    children: list[Component] = field(default_factory=list)

    def count(self, name: str) -> int:
        return sum(1 for prop, _params, _value in self.properties if prop == name)

    def values(self, name: str) -> list[str]:
        return [value for prop, _params, value in self.properties if prop == name]

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


_LINE = re.compile(r'^(?P<name>[A-Za-z0-9-]+)(?P<params>(?:;(?:[^:";]|"[^"]*")*)*):(?P<value>.*)$')


def parse(data: bytes | str) -> tuple[Component, list[str]]:
    """The VCALENDAR as nested components, and the problems of form met on the way."""
    problems = []
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    if "\n" in text.replace("\r\n", ""):
        problems.append("content lines must end with CRLF")
    unfolded = re.sub(r"\r\n[ \t]", "", text)
    stack: list[Component] = []
    root = None
    for line in unfolded.split("\r\n"):
        if not line:
            continue
        match = _LINE.match(line)
        if match is None:
            problems.append(f"not a content line: {line[:60]!r}")
            continue
        name, params, value = match["name"].upper(), match["params"], match["value"]
        if name == "BEGIN":
            component = Component(value.upper())
            if stack:
                stack[-1].children.append(component)
            elif root is None:
                root = component
            else:
                problems.append("more than one top-level object")
            stack.append(component)
        elif name == "END":
            if not stack or stack[-1].name != value.upper():
                problems.append(f"END:{value} does not close what is open")
            else:
                stack.pop()
        elif not stack:
            problems.append(f"{name} outside any component")
        else:
            stack[-1].properties.append((name, params, value))
    if stack:
        problems.append(f"{stack[-1].name} is never closed")
    if root is None or root.name != "VCALENDAR":
        problems.append("not a VCALENDAR")
        root = root or Component("VCALENDAR")
    return root, problems


def _presence(where: str, component: Component, rules: dict) -> list[str]:
    problems = []
    for name, (fewest, most) in rules.items():
        count = component.count(name)
        if count < fewest or (most is not None and count > most):
            wanted = (
                f"{fewest}" if fewest == most else f"{fewest}..{most if most is not None else '*'}"
            )
            problems.append(f"{where}: {name} appears {count} times, allowed {wanted}")
    for name, _params, _value in component.properties:
        if name not in rules and not name.startswith("X-"):
            problems.append(f"{where}: {name} must not appear")
    return problems


def violations(data: bytes | str) -> list[str]:
    """What in this calendar file breaks RFC 5546 section 3.2 (or RFC 5545, without METHOD)."""
    calendar, problems = parse(data)
    methods = calendar.values("METHOD")
    if len(methods) > 1:
        problems.append("METHOD appears more than once")
    method = methods[0].upper() if methods else None
    if method not in VEVENT_RULES:
        return [*problems, f"METHOD:{method} is not checked here"]
    problems += _presence(
        "VCALENDAR",
        calendar,
        {"PRODID": (1, 1), "VERSION": (1, 1), "CALSCALE": (0, 1), "METHOD": (0, 1)},
    )
    if calendar.values("VERSION") and calendar.values("VERSION")[0] != "2.0":
        problems.append("VERSION must be 2.0")
    children = [c.name for c in calendar.children]
    if not children:
        problems.append("a calendar holds at least one component")
    for name in FORBIDDEN_TOP[method] & set(children):
        problems.append(f"{name} must not appear under METHOD:{method}")
    events = [c for c in calendar.children if c.name == "VEVENT"]
    if method is not None and not events:
        problems.append(f"METHOD:{method} needs a VEVENT")
    if method == "CANCEL" and children.count("VTIMEZONE") > 1:
        problems.append("CANCEL allows one VTIMEZONE at most")
    if method in ("REQUEST", "CANCEL") and len({tuple(e.values("UID")) for e in events}) > 1:
        problems.append(f"all components of a {method} must have the same UID")
    timezones = {
        tzid for c in calendar.children if c.name == "VTIMEZONE" for tzid in c.values("TZID")
    }
    for number, event in enumerate(events, start=1):
        where = f"VEVENT {number} ({method or 'no METHOD'})"
        problems += _presence(where, event, VEVENT_RULES[method])
        if event.count("DTEND") and event.count("DURATION"):
            problems.append(f"{where}: DTEND and DURATION together")
        for status in event.values("STATUS"):
            if status.upper() not in STATUS_VALUES[method]:
                problems.append(f"{where}: STATUS:{status} is not allowed")
        for stamp in event.values("DTSTAMP"):
            if not stamp.endswith("Z"):
                problems.append(f"{where}: DTSTAMP must be in UTC")
        for inner in event.children:
            if inner.name in FORBIDDEN_IN_EVENT.get(method, set()):
                problems.append(f"{where}: {inner.name} must not appear")
        for name, params, _value in event.properties:
            for tzid in re.findall(r';TZID=("[^"]*"|[^;:]*)', params, flags=re.IGNORECASE):
                if tzid.strip('"') not in timezones:
                    problems.append(f"{where}: {name} refers to TZID {tzid} without VTIMEZONE")
    return problems


def method_of(data: bytes | str) -> str | None:
    calendar, _problems = parse(data)
    methods = calendar.values("METHOD")
    return methods[0].upper() if methods else None


def events_of(data: bytes | str) -> list[Component]:
    calendar, _problems = parse(data)
    return [c for c in calendar.children if c.name == "VEVENT"]
