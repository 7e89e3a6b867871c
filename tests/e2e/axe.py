"""axe-core on every page a browser test loads; serious and critical violations fail the test.

The axe-core build is the one the `axe-playwright-python` package ships (axe.min.js, MPL-2.0),
so nothing is fetched at run time. It is evaluated through Playwright's `page.evaluate`, which
the DevTools protocol runs outside the page's Content-Security-Policy: the site's policy (no
inline script) stays on, and the suite's CSP-violation check still sees everything the page
itself does.

Every document is checked once, when it has loaded, before the test goes on with it:
- an init script (also outside the policy) marks each new document as owing a check, with an
  invisible element (#axe-pending);
- the `load` event starts the check, which removes the mark;
- while the mark is there, Playwright's locator handler holds every action and assertion of the
  test (a click that would navigate away included) until the check is done, and `goto`,
  `reload`, `go_back` and `go_forward` wait for it before leaving and after arriving.
So a test that clicks on at once still gets each page it passes through checked.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError

FAILING_IMPACTS = ("serious", "critical")
MARK = "axe-pending"

# In every top-level http(s) HTML document, from its start: the mark of a check owed. Styled
# through the CSSOM, which the policy allows; invisible, and no target for the pointer.
MARK_PENDING = f"""(() => {{
  if (window !== window.top || !/^https?:$/.test(location.protocol)) return;
  const mark = () => {{
    if (!document.contentType.startsWith("text/html") || !document.body) return;
    const marker = document.createElement("div");
    marker.id = "{MARK}";
    marker.setAttribute("aria-hidden", "true");
    Object.assign(marker.style, {{
      position: "fixed", left: "0", top: "0", width: "1px", height: "1px",
      opacity: "0", pointerEvents: "none",
    }});
    document.body.appendChild(marker);
  }};
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mark);
  else mark();
}})();"""

# Runs in the page: checks the document (not frames: a frame's document is a page of its own
# that tests visit, and axe would wait for frames it cannot reach), returns what fails, and
# takes the mark away. null: nothing owed (already checked, or not an HTML page).
RUN_AXE = f"""async (impacts) => {{
  const marker = document.getElementById("{MARK}");
  if (!marker) return null;
  try {{
    const results = await window.__portalAxe.run(
      {{ exclude: [["#{MARK}"]] }},
      {{ resultTypes: ["violations"], iframes: false }},
    );
    return results.violations
      .filter((v) => impacts.includes(v.impact))
      .map((v) => ({{
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.slice(0, 8).map((n) => ({{
          target: n.target.map((t) => (Array.isArray(t) ? t.join(" >>> ") : t)).join(" "),
          summary: (n.failureSummary || "").split("\\n").slice(1, 2).join("").trim(),
        }})),
        more: Math.max(0, v.nodes.length - 8),
      }}));
  }} finally {{
    marker.remove();
  }}
}}"""

# Pages whose markup and styles are a third party's, left out rule by rule, each with its reason.
# (address pattern, rule): why.
UPSTREAM = {
    # django-ninja's bundled Swagger UI (the API's documentation, for developers): its colours
    # (method badges, the version stamp) and its operation headers (a button inside a button) are
    # swagger-ui's own; the page's lang attribute is ours (templates/ninja/swagger.html).
    (r"/api/v1/docs$", "color-contrast"): "swagger-ui's colours",
    (r"/api/v1/docs$", "nested-interactive"): "swagger-ui's operation headers",
}

# What Playwright says when the page went away while axe ran (a navigation the page started
# itself, the test's end): nothing to report for that document.
GONE = (
    "Execution context was destroyed",
    "has been closed",
    "Target closed",
    "Frame was detached",
    "navigating and changing the content",
    "Cannot find context",
)


@dataclass
class _PageState:
    running: bool = False


@dataclass
class AxeWatch:
    """Watches pages; `report()` is the readable list of what failed, empty when none did."""

    violations: dict[tuple[str, str], dict] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    _pages: dict[Page, _PageState] = field(default_factory=dict)

    def prepare(self, context: BrowserContext) -> None:
        """Mark every document of the context as owing a check (before its first page)."""
        context.add_init_script(MARK_PENDING)

    def watch(self, page: Page) -> None:
        if page in self._pages:
            return
        state = self._pages[page] = _PageState()
        page.on("load", lambda _page: self._check(page, state))
        page.add_locator_handler(page.locator(f"#{MARK}"), lambda: self._settle(page, state))
        for name in ("goto", "reload", "go_back", "go_forward"):
            setattr(page, name, self._settling(page, state, getattr(page, name)))

    def finish(self) -> None:
        """Check what is still owed (a page loaded just before the test ended)."""
        for page, state in self._pages.items():
            self._settle(page, state)

    def _settling(self, page: Page, state: _PageState, navigate):
        def settled_navigation(*args, **kwargs):
            self._settle(page, state)
            response = navigate(*args, **kwargs)
            self._settle(page, state)
            return response

        return settled_navigation

    def _settle(self, page: Page, state: _PageState) -> None:
        """Wait for the check under way, or run the one owed, on the current document (once it
        has loaded: a test may move on from a page it has not waited for)."""
        if page.is_closed():
            return
        # Still loading after the timeout: check what is there.
        with contextlib.suppress(PlaywrightError):
            page.wait_for_load_state("load")
        while state.running and not page.is_closed():
            page.wait_for_timeout(20)
        if not page.is_closed():
            self._check(page, state)

    def _check(self, page: Page, state: _PageState) -> None:
        # One run at a time per page; the mark tells whether the document still owes one.
        if state.running:
            return
        state.running = True
        try:
            self._run(page)
        finally:
            state.running = False

    def _run(self, page: Page) -> None:
        url = page.url
        try:
            if not page.evaluate(f"() => Boolean(document.getElementById('{MARK}'))"):
                return
            # Our own copy, even where the page has one (Wagtail's accessibility checker).
            if not page.evaluate("() => Boolean(window.__portalAxe)"):
                page.evaluate(AXE_SCRIPT)
                page.evaluate("() => { window.__portalAxe = window.axe; }")
            found = page.evaluate(RUN_AXE, list(FAILING_IMPACTS))
        except PlaywrightError as error:
            if not any(text in error.message for text in GONE):
                self.errors.append(f"{url}: axe could not run: {error.message.splitlines()[0]}")
                # Let the test go on: its own failure, if any, says more than a hang would.
                with contextlib.suppress(PlaywrightError):
                    page.evaluate(f"() => document.getElementById('{MARK}')?.remove()")
            return
        if found is None:
            return
        self.checked.append(url)
        path = urlsplit(url).path
        for violation in found:
            if any(
                rule == violation["id"] and re.search(pattern, path) for pattern, rule in UPSTREAM
            ):
                continue
            self.violations.setdefault((url, violation["id"]), violation)

    def report(self) -> str:
        if not self.violations and not self.errors:
            return ""
        lines = ["Accessibility (axe-core): serious or critical violations:"]
        last_url = None
        for (url, rule), violation in self.violations.items():
            if url != last_url:
                lines.append(url)
                last_url = url
            lines.append(f"  {rule} ({violation['impact']}): {violation['help']}")
            for node in violation["nodes"]:
                summary = f"  | {node['summary']}" if node["summary"] else ""
                lines.append(f"    {node['target']}{summary}")
            if violation["more"]:
                lines.append(f"    ... and {violation['more']} more")
        lines.extend(self.errors)
        return "\n".join(lines)
