"""The check every browser test gets: page errors, console errors and 5xx answers are recorded."""

from __future__ import annotations

from playwright.sync_api import Route

APP = "http://127.0.0.1:9"  # never contacted: the route below answers for it


def test_the_page_check_records_errors_and_5xx(page, page_problems):
    def failing_callback(route: Route) -> None:
        route.fulfill(status=500, content_type="text/html", body="<p>callback failed</p>")

    page.route(f"{APP}/**", failing_callback)
    page.goto(f"{APP}/_dash-update-component")
    page.set_content("<script>console.error('logged'); throw new Error('thrown');</script>")
    page.locator("script").wait_for(state="attached")
    seen = list(page_problems.seen)
    page_problems.seen.clear()  # recorded as expected: this test must not fail on them
    assert seen == [
        f"HTTP 500 from GET {APP}/_dash-update-component",
        "console error: Failed to load resource: the server responded with a status of 500 "
        "(Internal Server Error)",
        "console error: logged",
        "page error: thrown",
    ]
