"""Built editions in headless Chromium: the language switcher navigates, Arabic lays out right
to left, and no page logs an error. Screenshots go to test-artifacts/ (kept by CI)."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from pipeline import config
from pipeline.build import build, make_server

from test_build import AR, EN, ZH_HANT, mini, write_po  # noqa: F401 (mini is a fixture)

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
# The flags that keep Chromium quiet and offline on a machine without network.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (setup.sh installs it)")


@pytest.fixture
def site(mini):
    write_po(mini, "en", EN)
    write_po(mini, "ar", AR)
    write_po(mini, "zh-Hant", ZH_HANT)
    build(config.load(mini))
    server = make_server(config.load(mini), port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def browser_page(tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=CHROMIUM, headless=True, args=FLAGS,
            viewport={"width": 1000, "height": 900})
        try:
            page = context.new_page()
            problems: list[str] = []
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
                    if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
            page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
            yield page, problems
        finally:
            context.close()


def test_switcher_navigates_and_arabic_is_right_to_left(site, browser_page):
    page, problems = browser_page
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{site}/en/mini.html")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.title() == "Border news"
    page.screenshot(path=str(ARTIFACTS / "edition-en.png"), full_page=True)

    page.click("nav.pl-editions a[hreflang='ar']")
    page.wait_for_url("**/ar/mini.html")
    html = page.evaluate("[document.documentElement.lang, document.documentElement.dir,"
                         " getComputedStyle(document.body).direction]")
    assert html == ["ar", "rtl", "rtl"]
    # Logical properties mirror: the lead's rule is on the right, the text starts on the right.
    lead = page.evaluate("""(() => {
        const p = document.querySelector('p.lead'), s = getComputedStyle(p);
        const box = p.getBoundingClientRect(), label = p.querySelector('strong').getBoundingClientRect();
        return [s.borderRightWidth, s.borderLeftWidth, Math.round(box.right - label.right)];
    })()""")
    assert lead[0] == "4px" and lead[1] == "0px" and lead[2] < 40, lead
    page.screenshot(path=str(ARTIFACTS / "edition-ar.png"), full_page=True)

    page.click("nav.pl-editions a[hreflang='zh-Hant']")
    page.wait_for_url("**/zh-Hant/mini.html")
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["zh-Hant", "ltr"]
    assert page.locator("h1").inner_text() == "邊境新聞"
    page.goto(f"{site}/index.html")
    page.click("a[hreflang='en']")
    page.wait_for_url("**/en/mini.html")
    assert problems == []
