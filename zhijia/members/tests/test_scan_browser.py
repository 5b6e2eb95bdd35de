"""The scan page in a real browser: the camera reads a card's QR and the server verifies it; with the network cut the
browser verifies offline with the cached public key and revocation list, and says so."""

import os

import pytest

from zhijia.conftest import CHROMIUM, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _y4m_of_qr(token: str, path, size: int = 480) -> None:
    """A still video (YUV4MPEG2) showing the token's QR, for Chromium's fake camera."""
    import segno

    matrix = [list(row) for row in segno.make(token, error="m").matrix]
    n = len(matrix) + 8  # quiet zone
    scale = size // n
    offset = (size - scale * len(matrix)) // 2
    y = bytearray([235]) * (size * size)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                for dy in range(scale):
                    start = (offset + r * scale + dy) * size + offset + c * scale
                    y[start:start + scale] = bytes([16]) * scale
    chroma = bytes([128]) * (size * size // 4)
    frame = b"FRAME\n" + bytes(y) + chroma + chroma
    with open(path, "wb") as fh:
        fh.write(f"YUV4MPEG2 W{size} H{size} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(10):
            fh.write(frame)


def _sign_in(page, base):
    page.goto(f"{base}/accounts/login/?next=/console/members/scan/")
    page.fill("input[name=username]", "fangshan")
    page.fill("input[name=password]", "pw-12345678")
    page.click("button[type=submit]")
    page.wait_for_url("**/console/members/scan/")


@pytest.fixture
def card_tokens(city, make_worker_user, settings):
    """A member who re-issued their card: the old token (revoked) and the new one (valid)."""
    from zhijia.members import cards, services

    settings.CARD_KEYS = "k1:" + "A" * 43  # a fixed 32-byte seed, so the live server signs with the same key
    user = make_worker_user(160, union=city.couriers)
    old = cards.card_token_for(services.card_current(user))
    new = cards.card_token_for(services.card_reissue(user, reason="lost"))
    return old, new


def test_scan_page_verifies_by_server_then_offline_and_says_which(browser_page, city, make_staff, card_tokens):
    old, new = card_tokens
    page = browser_page
    base = page.base_url
    make_staff("fangshan", city.fangshan)
    _sign_in(page, base)
    page.wait_for_selector("#offline-status:has-text('离线验证已就绪')")

    # Online: the server answers
    page.fill("#token", new)
    page.click("#verify-submit")
    page.wait_for_selector("#verify-result[data-answered-by=server][data-status=valid]")
    assert "验证方：服务器" in page.inner_text("#verify-result")
    screenshot(page, "members_scan_server_valid")
    page.fill("#token", old)
    page.click("#verify-submit")
    page.wait_for_selector("#verify-result[data-answered-by=server][data-status=revoked]")

    # The network drops: the browser answers alone, with the cached key and list
    page.context.set_offline(True)
    page.fill("#token", old)
    page.click("#verify-submit")
    page.wait_for_selector("#verify-result[data-answered-by=offline][data-status=revoked]")
    text = page.inner_text("#verify-result")
    assert "本机离线验证" in text and "服务器连不上" in text
    screenshot(page, "members_scan_offline_revoked")
    page.fill("#token", new)
    page.click("#verify-submit")
    page.wait_for_selector("#verify-result[data-answered-by=offline][data-status=valid]")
    assert "WebCrypto" in page.inner_text("#verify-result")  # Chromium has Ed25519 in WebCrypto
    screenshot(page, "members_scan_offline_valid")
    prefix, body, sig = new.split(".")
    forged_sig = ("B" if sig[0] != "B" else "C") + sig[1:]
    page.fill("#token", f"{prefix}.{body}.{forged_sig}")
    page.click("#verify-submit")
    page.wait_for_selector("#verify-result[data-answered-by=offline][data-status=tampered]")

    # "Offline only" works while online too, and the noble fallback gives the same answers
    page.context.set_offline(False)
    page.select_option("#verify-mode", "offline")
    page.fill("#token", new)
    page.click("#verify-submit")
    page.wait_for_selector("#verify-result[data-answered-by=offline][data-status=valid]")
    result = page.evaluate(
        """async ([a, b]) => {
            const m = await import('/static/js/members-scan.js');
            const ed = await import('/static/vendor/noble-ed25519/index.js');
            return [(await m.verifyOffline(a)).status, (await m.verifyOffline(b)).status,
                    typeof ed.verifyAsync];
        }""", [new, old])
    assert result == ["valid", "revoked", "function"]


def test_camera_reads_the_qr_and_the_card_is_verified(live_server, city, make_staff, card_tokens, tmp_path):
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium not installed")
    from playwright.sync_api import sync_playwright

    _, new = card_tokens
    make_staff("fangshan", city.fangshan)
    video = tmp_path / "qr.y4m"
    _y4m_of_qr(new, video)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}"])
        context = browser.new_context(locale="zh-CN", viewport={"width": 420, "height": 900},
                                      permissions=["camera"])
        page = context.new_page()
        try:
            _sign_in(page, live_server.url)
            page.click("#scan-start")
            page.wait_for_selector("#verify-result[data-status=valid]", timeout=20000)
            assert page.input_value("#token") == new
            assert "有效" in page.inner_text("#verify-result")
            screenshot(page, "members_scan_camera")
        finally:
            context.close()
            browser.close()


def test_the_scan_page_opens_and_verifies_with_no_network(browser_page, city, make_staff, card_tokens):
    """A scanner at a gate: the page was opened once online; later, offline, it still opens and verifies."""
    old, new = card_tokens
    page = browser_page
    make_staff("fangshan", city.fangshan)
    _sign_in(page, page.base_url)
    page.wait_for_selector("#offline-status:has-text('离线验证已就绪')")
    page.wait_for_selector("#page-offline:has-text('本页已存入本机')")
    page.context.set_offline(True)
    page.reload()
    page.wait_for_selector("#verify-form")
    page.wait_for_selector("#offline-status:has-text('当前离线')")
    page.fill("#token", old)
    page.click("#verify-submit")
    page.wait_for_selector("#verify-result[data-answered-by=offline][data-status=revoked]")
    screenshot(page, "members_scan_page_offline")
    page.fill("#token", new)
    page.click("#verify-submit")
    page.wait_for_selector("#verify-result[data-answered-by=offline][data-status=valid]")
