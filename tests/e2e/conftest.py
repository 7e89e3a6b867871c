import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import skip_or_fail
from tests.e2e.axe import AxeWatch

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
# still plain synchronous calls between browser steps.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Actions and assertions wait while axe checks a page that has just loaded (tests/e2e/axe.py),
# seconds on a long page: assertions get the time actions get.
expect.set_options(timeout=15_000)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or None


# Module scope: Playwright's loop must be gone before async tests of other modules run.
@pytest.fixture(scope="module")
def browser():
    path = chromium_path()
    if not path:
        skip_or_fail("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# Every frame reports what the Content-Security-Policy blocked on the console, where the
# listener below finds it (Chromium also logs "Refused to ..." itself; this catches every kind).
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(
    "Content Security Policy violation: " + event.effectiveDirective + " blocked " +
    (event.blockedURI || "inline") + " at " + event.sourceFile + ":" + event.lineNumber +
    " sample " + JSON.stringify(event.sample)
  );
});
"""


def is_csp_violation(text: str) -> bool:
    return "Content Security Policy" in text or "Refused to" in text


@pytest.fixture
def csp_violations():
    """What the CSP blocked on every page of the test (each page listens from its start)."""
    return []


@pytest.fixture
def axe():
    """axe-core on every page the test's browser loads (tests/e2e/axe.py)."""
    return AxeWatch()


@pytest.fixture
def new_page(browser, csp_violations, axe):
    contexts = []
    watched = set()

    def watch(page):
        if page in watched:
            return
        watched.add(page)
        page.on(
            "console",
            lambda message: (
                csp_violations.append(f"{page.url}: {message.text}")
                if is_csp_violation(message.text)
                else None
            ),
        )
        axe.watch(page)

    def make(**kwargs):
        context = browser.new_context(**kwargs)
        context.set_default_timeout(15_000)
        context.add_init_script(REPORT_VIOLATIONS)
        axe.prepare(context)
        # Pages the site opens itself (a link with target=_blank) are watched as well.
        context.on("page", watch)
        contexts.append(context)
        page = context.new_page()
        watch(page)
        return page

    yield make
    # A page loaded just before the test ended is still checked.
    axe.finish()
    for context in contexts:
        context.close()
    failures = []
    # Any page of any browser test that breaks the policy fails its test.
    if csp_violations:
        failures.append("Content-Security-Policy violations:\n" + "\n".join(csp_violations))
    # So does any page with a serious or critical accessibility violation.
    if axe.report():
        failures.append(axe.report())
    if failures:
        pytest.fail("\n\n".join(failures))


@pytest.fixture
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
