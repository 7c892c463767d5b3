"""The smoke test's browser: logs in through nginx over TLS, submits a month's return
and checks that the other application server shows it at once, then imports a
return through the background worker.

    python deploy/smoke_client.py https://127.0.0.1:PORT USERNAME PASSWORD UNIT_ID

nginx adds X-Upstream (which server answered) in the smoke configuration only.
"""

import http.cookiejar
import io
import json
import re
import ssl
import sys
import time
import urllib.parse
import urllib.request
import uuid
from datetime import datetime
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

from openpyxl import Workbook

# Last month: the month the home page's reporting panel is about.
_today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
_last = _today.replace(day=1).toordinal() - 1
PERIOD = datetime.fromordinal(_last).strftime("%Y-%m")
MONTH_LABEL = f"{int(PERIOD[:4])}年{int(PERIOD[5:])}月"


class FormReader(HTMLParser):
    """The inputs and selects of the form with id `form_id`, as a browser posts them."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id, self.inside, self.fields = form_id, False, {}
        self.select = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        elif not self.inside:
            return
        elif tag == "input" and a.get("name") and a.get("type") != "file":
            if a.get("type") == "checkbox" and "checked" not in a:
                return
            self.fields[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self.select = a.get("name")
        elif tag == "option" and self.select and "selected" in a:
            self.fields[self.select] = a.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None


class Browser:
    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the smoke test's self-signed certificate
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies),
            urllib.request.HTTPSHandler(context=context),
        )

    def csrf(self) -> str:
        return next(c.value for c in self.cookies if c.name == "csrftoken")

    def get(self, path: str) -> tuple[str, str]:
        with self.opener.open(self.base + path, timeout=60) as response:
            return response.read().decode(), response.headers.get("X-Upstream", "")

    def post(self, path: str, fields: dict) -> tuple[str, str]:
        body = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": self.csrf()})
        request = urllib.request.Request(
            self.base + path,
            data=body.encode(),
            headers={"Referer": self.base + path},
        )
        with self.opener.open(request, timeout=60) as response:
            return response.read().decode(), response.headers.get("X-Upstream", "")

    def upload(self, path: str, name: str, data: bytes) -> tuple[str, str]:
        """POST one file as the import form does (multipart); return the page the
        server redirects to, and its URL."""
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"'
            f"\r\n\r\n{value}\r\n".encode()
            for key, value in (("csrfmiddlewaretoken", self.csrf()), ("then", "draft"))
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
            f'filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n".encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        request = urllib.request.Request(
            self.base + path,
            data=b"".join(parts),
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Referer": self.base + path,
            },
        )
        with self.opener.open(request, timeout=60) as response:
            return response.read().decode(), response.geturl()


def import_through_the_worker(browser: Browser) -> None:
    """Upload a return, wait for the worker's preview, confirm, wait for the import."""
    book = Workbook()
    book.active.append(["指标编号", "填报单位", "期间", "本期数值"])
    book.active.append([1, "区建设局", "2023-01", 30])
    buffer = io.BytesIO()
    book.save(buffer)
    _, url = browser.upload("/imports/", "冒烟测试.xlsx", buffer.getvalue())
    batch = urllib.parse.urlsplit(url).path
    for wanted in ("待确认", "已导入"):
        for _ in range(60):
            state = json.loads(browser.get(batch + "progress/")[0])
            if not state["working"]:
                break
            time.sleep(1)
        else:
            raise SystemExit("FAIL: the worker never finished the import")
        if state["files"][0]["status"] != wanted:
            raise SystemExit(f"FAIL: the import ended {state['files'][0]['status']}")
        if wanted == "待确认":
            browser.post(batch, {"action": "commit"})
    print("a return was previewed, then imported, by the background worker")


def on_server(browser: Browser, path: str, *, on: str = "", not_on: str = "") -> str:
    """GET `path` until the server wanted answers (nginx takes turns)."""
    for _ in range(20):
        page, upstream = browser.get(path)
        if upstream and (upstream == on or (not on and upstream != not_on)):
            # Every page masks its CSRF token anew; the rest is what is compared.
            return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)
    raise SystemExit(f"FAIL: the server wanted never answered {path}")


def main(base: str, username: str, password: str, unit_id: str) -> None:
    browser = Browser(base)
    browser.get("/accounts/login/")
    page, _ = browser.post(
        "/accounts/login/", {"username": username, "password": password}
    )
    if "退出" not in page:
        raise SystemExit("FAIL: could not log in through nginx")
    print("logged in through nginx over TLS")

    _, first = browser.get("/")
    _, second = browser.get("/")
    if not first or first == second:
        raise SystemExit("FAIL: nginx did not spread requests over two servers")
    # Both servers draw (and cache) their home pages before the change.
    home_before = {
        server: on_server(browser, "/", on=server) for server in (first, second)
    }
    entry_path = f"/report/?unit={unit_id}&period={PERIOD}"
    page, _ = browser.get(entry_path)
    for _ in range(2):  # the second time confirming whatever looked unusual
        reader = FormReader("entry-form")
        reader.feed(page)
        fields = dict(reader.fields)
        for name in re.findall(r'name="([^"]+-confirm)"', page):
            fields[name] = "on"
        for name in fields:
            if name.endswith("-value") and not fields[name]:
                fields[name] = "1"
        fields["action"] = "submit"
        page, submitted_on = browser.post(entry_path, fields)
        if "已报送，等待审核" in page:
            break
    else:
        problems = re.findall(r'<ul class="errorlist[^>]*>(.*?)</ul>', page, re.S)
        raise SystemExit(f"FAIL: the return was not submitted: {problems[:5]}")
    print(f"submitted the {PERIOD} return on {submitted_on}")

    other = first if submitted_on == second else second
    review = on_server(browser, "/review/", on=other)
    if MONTH_LABEL not in review:
        raise SystemExit("FAIL: the other server's review queue lacks the return")
    print(f"{other} lists it for review at once")
    # The home page's reporting panel is cached (in Redis, shared by both servers);
    # its key is made from the data, so the change shows everywhere at once.
    for server, before in home_before.items():
        if on_server(browser, "/", on=server) == before:
            raise SystemExit(f"FAIL: {server} still shows its cached home page")
    print("both servers' home pages show it at once (no stale cache)")
    import_through_the_worker(browser)


if __name__ == "__main__":
    main(*sys.argv[1:5])
