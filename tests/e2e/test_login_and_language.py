"""A person logs in as `staff`, switches to English and back, and sees the page change."""

import re

import pytest
from playwright.sync_api import expect

from cms.demo import seed_home_pages
from portal.demo import seed_accounts

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_staff_logs_in_and_switches_language(live_server, new_page, artifacts):
    seed_home_pages()
    seed_accounts(password="demo-pw-1")
    page = new_page(locale="zh-CN")
    page.goto(live_server.url + "/")
    expect(page.locator("h1")).to_have_text("重大项目服务平台")

    page.get_by_role("link", name="登录").first.click()
    page.get_by_label("用户名").fill("staff")
    page.get_by_label("密码").fill("demo-pw-1")
    page.get_by_role("button", name="登录").click()
    # Staff land on their work, the projects; the home page is one click away.
    expect(page).to_have_url(re.compile(r"/projects/$"))
    expect(page.locator(".whoami")).to_contain_text("李静")
    expect(page.get_by_role("navigation", name="主导航")).to_contain_text("后台管理")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="首页").click()

    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(re.compile(r"/en/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Major-Project Service Portal")
    expect(page.get_by_role("navigation", name="Main navigation")).to_contain_text("Back office")
    page.screenshot(path=artifacts / "home-en.png", full_page=True)

    page.get_by_role("link", name="简体中文").click()
    expect(page).to_have_url(re.compile(r"://[^/]+/$"))
    expect(page.locator("h1")).to_have_text("重大项目服务平台")
    expect(page.locator(".whoami")).to_contain_text("李静")
    page.screenshot(path=artifacts / "home-zh.png", full_page=True)


def test_the_page_fits_a_phone_and_the_skip_link_works(live_server, new_page):
    seed_home_pages()
    page = new_page(viewport={"width": 375, "height": 740})
    page.goto(live_server.url + "/en/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"page is {width}px wide on a 375px phone"
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
