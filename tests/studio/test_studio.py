"""ReelForge Studio end to end in Debian's chromium: a creator uploads, edits, borrows a sound,
renders and watches the result; and the page puts each refusal where it belongs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from editor.samples import make_music
from tests.api.conftest import Client, Media, Server, settings_for
from tests.studio.conftest import Shots, open_studio

pytestmark = pytest.mark.xdist_group("studio")  # one worker: one server, one browser for them all


def publish(owner: Client, path: Path, title: str, *, allow_reuse: bool) -> dict[str, Any]:
    upload = owner.upload(path, "audio")
    created = owner.post(
        "/v1/sounds",
        json={"media_id": upload["id"], "title": title, "allow_reuse": allow_reuse, "published": True},
        timeout=180,  # the first analysis in a process loads librosa: slow on a busy machine
    )
    assert created.status_code == 201, created.text
    sound: dict[str, Any] = created.json()
    return sound


@pytest.fixture(scope="module")
def bob_sounds(studio: Server, media: Media, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Another user's published sounds: one anyone may borrow, one nobody may."""
    bob = studio.user("bob")
    other = make_music(
        tmp_path_factory.mktemp("bob") / "night.m4a", seconds=2.0, bpm=90, root=330, progression=1
    )
    return {
        "beat": publish(bob, media.music, "Bob beat", allow_reuse=True),
        "secret": publish(bob, other, "Bob secret", allow_reuse=False),
    }


def spec_sent(page: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(page.locator("#spec-json").text_content())
    return body


def clip_files(page: Any) -> list[str]:
    return [c["src"] for c in spec_sent(page)["spec"]["clips"]]


def drag(page: Any, handle: Any, *, to: Any) -> None:
    """Press on ``handle``, move in steps to the top edge of ``to``, release: as a finger would.
    Both are brought to the middle of the screen first: a point off screen, or under the sticky
    header, would press on something else."""
    to.evaluate("el => el.parentElement.scrollIntoView({block: 'center'})")
    start, target = handle.bounding_box(), to.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2, target["y"] + 4, steps=8)
    page.mouse.up()


FRAME_CHECK = """async () => {
  const video = document.getElementById('result-video');
  video.muted = true;
  // when each presented frame was in the video: currentTime is interpolated from a clock and may
  // step back when a starved decoder catches up; presented frames' media times only move on
  const shown = () => new Promise((done) => {
    video.requestVideoFrameCallback((_, meta) => done(meta.mediaTime));
    setTimeout(() => done(-1), 3000);
  });
  await video.play();
  const start = await shown();
  await new Promise((done) => setTimeout(done, 300));
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth; canvas.height = video.videoHeight;
  const ctx = canvas.getContext('2d');
  ctx.drawImage(video, 0, 0);
  const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  let sum = 0, sq = 0, chroma = 0; const n = px.length / 4;
  for (let i = 0; i < px.length; i += 4) {
    const y = (px[i] + px[i + 1] + px[i + 2]) / 3;
    sum += y; sq += y * y; chroma += Math.abs(px[i] - px[i + 1]) + Math.abs(px[i + 1] - px[i + 2]);
  }
  const mean = sum / n;
  let later = await shown();
  for (let i = 0; i < 10 && later <= start && later >= 0; i++) later = await shown();
  return { width: canvas.width, height: canvas.height, mean, std: Math.sqrt(sq / n - mean * mean),
           chroma: chroma / n, advanced: later - start, start, paused: video.paused };
}"""


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_make_a_video_end_to_end(
    browser: Any, studio: Server, media: Media, bob_sounds: dict[str, Any], shots: Shots, viewport: str
) -> None:
    alice = studio.user(f"alice_{viewport}")
    page = open_studio(browser, studio, alice, viewport)
    sent: list[Any] = []
    page.on("request", lambda r: sent.append(r))
    shots(page, "signed-in")

    # upload two clips and a sound, each with its own progress bar
    page.set_input_files("#files", [str(media.clip), str(media.clip2), str(media.music)])
    page.wait_for_function("() => document.querySelectorAll('#uploads .upload.done').length === 3")
    assert page.eval_on_selector_all("#uploads progress", "bars => bars.map(b => b.value)") == [100, 100, 100]
    page.get_by_role("button", name="Add clip.mp4 to the timeline").click()
    page.get_by_role("button", name="Add clip2.mp4 to the timeline").click()
    page.get_by_role("button", name="Make a sound of music.m4a").click()
    page.get_by_role("button", name="Make a sound", exact=True).click()
    page.get_by_text("is a sound now").wait_for()
    shots(page, "uploaded", full=True)

    # a look from the gallery, filtered by category, its animated preview playing
    page.locator("#preset-filter label", has_text="Looks").click()
    assert page.locator("#gallery > li[data-category=face]").first.is_hidden()
    noir = page.locator("#gallery > li[data-id=noir]")
    noir.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => { const v = document.querySelector('#gallery li[data-id=noir] video');"
        " return v && v.src.startsWith('blob:') && v.readyState >= 2; }"
    )
    page.get_by_role("button", name="Apply Noir").click()
    shots(page, "preset")

    # clip 1: trimmed with the keyboard on the scrubber, a fade into clip 2
    page.get_by_text("Edit clip 1").click()
    page.locator('[data-field="spec.clips[0].out"]').focus()
    for _ in range(4):
        page.keyboard.press("ArrowLeft")  # 4 steps of 0.05 s off the 1 s clip
    page.locator('[data-field="spec.clips[0].transition.type"]').select_option("fade")
    page.locator('[data-field="spec.clips[0].transition.duration"]').fill("0.3")

    # reorder by dragging the handle, then back with the keyboard
    ids = {m["filename"]: f"media:{m['id']}" for m in alice.get("/v1/media").json()["items"]}
    first, second = ids["clip.mp4"], ids["clip2.mp4"]
    assert clip_files(page) == [first, second]
    page.get_by_text("Edit clip 1").click()  # folded, both handles are on screen
    drag(page, page.locator("#timeline .grip").nth(1), to=page.locator("#timeline li.clip").nth(0))
    assert clip_files(page) == [second, first]
    page.locator("#timeline .grip").nth(0).press("Alt+ArrowDown")
    assert clip_files(page) == [first, second]
    assert page.locator("#timeline .grip").nth(1).evaluate("el => el === document.activeElement")

    page.get_by_role("button", name="Add text").click()
    page.locator('[data-field="spec.overlays[0].text"]').fill("Hello studio")

    # borrow bob's sound: credits, licence and reuse shown; preview playable; tempo changed
    page.locator("#sound-q").fill("bob")
    page.get_by_role("button", name="Search", exact=True).click()
    card = page.locator(f"#sound-list li[data-sound='{bob_sounds['beat']['id']}']")
    assert "Reuse allowed" in card.text_content()
    assert card.locator("audio").get_attribute("src")
    card.get_by_role("button", name="Borrow Bob beat by @bob").click()
    page.locator('[data-field="spec.audio.sound.tempo"]').fill("1.1")
    page.locator("#out-size").select_option("270x480")
    page.locator("#spec-view summary").click()
    spec = spec_sent(page)["spec"]
    assert spec["preset"] == ["noir"]
    assert spec["clips"][0]["out"] == pytest.approx(0.8)
    assert spec["clips"][0]["transition"] == {"type": "fade", "duration": 0.3}
    assert spec["overlays"][0]["text"] == "Hello studio"
    assert spec["audio"]["sound"] == {"src": f"sound:{bob_sounds['beat']['id']}", "tempo": 1.1}
    shots(page, "edited", full=True)

    # render: progress reaches 100 %, then the result plays with its credits under it
    page.get_by_role("button", name="Render", exact=True).click()
    page.wait_for_function(
        "() => document.getElementById('render-progress').value === 100"
        " && document.getElementById('render-status').textContent.includes('100 %')"
    )
    render = alice.get("/v1/renders").json()["items"][0]
    assert render["status"] == "succeeded"
    page.wait_for_function("() => document.getElementById('result-video').readyState >= 2")
    duration = page.eval_on_selector("#result-video", "v => v.duration")
    assert duration == pytest.approx(render["duration"], abs=0.1)
    assert duration == pytest.approx((0.8 + 1.0 - 0.3), abs=0.15)  # trimmed clip + clip 2 - the fade
    frame = page.evaluate(FRAME_CHECK)
    assert (frame["width"], frame["height"]) == (270, 480)
    assert frame["std"] > 10, frame  # a real picture, not a blank frame
    assert frame["chroma"] < 6, frame  # noir: the colour test pattern came out grey
    assert frame["start"] >= 0 and frame["advanced"] > 0, frame  # two frames shown, in order
    credits = page.locator("#result-credits").text_content()
    assert "@bob" in credits and "Bob beat" in credits
    href = page.locator("#result-download").get_attribute("href")
    assert href.split("?")[0] == render["output_url"].split("?")[0]
    shots(page, "rendered", full=viewport == "phone")
    page.locator("#timeline-h").evaluate("el => el.scrollIntoView()")
    shots(page, "studio")  # the timeline beside the result: docs/studio.png is one of these

    posts = [r for r in sent if r.method == "POST" and r.url.endswith("/v1/renders")]
    assert posts and posts[0].headers.get("idempotency-key")
    assert all(r.url.startswith(studio.url) for r in sent if "authorization" in r.headers)
    assert page.problems == [] and page.refused == []
    page.context.close()


def test_refusals_show_where_they_belong(
    browser: Any, studio: Server, media: Media, bob_sounds: dict[str, Any], shots: Shots
) -> None:
    alice = studio.user("alice_refused")
    page = open_studio(browser, studio, alice, "desktop")

    # a rejected upload: the server's reason, on that file's row
    page.set_input_files("#files", [str(media.text_as_mp4), str(media.clip)])
    page.wait_for_function(
        "() => document.querySelectorAll('#uploads .upload.done, #uploads .upload.rejected').length === 2"
    )
    rejected = next(m for m in alice.get("/v1/media").json()["items"] if m["status"] == "rejected")
    row = page.locator("#uploads li.rejected")
    assert row.locator("strong").text_content() == "notes.mp4"
    assert row.get_by_role("alert").text_content() == f"Rejected: {rejected['reason']}"
    shots(page, "rejected-upload")

    # a 422: the problem sits under the control that caused it, which gets the focus
    page.get_by_role("button", name="Add clip.mp4 to the timeline").click()
    page.get_by_text("Edit clip 1").click()
    clip = page.locator("#timeline li.clip").first
    clip.get_by_label("Effect to add to clip 1", exact=True).select_option("vignette")
    clip.get_by_role("button", name="Add effect").click()
    strength = page.locator('[data-field="spec.clips[0].effects[0].strength"]')
    strength.fill("5")
    page.get_by_role("button", name="Render", exact=True).click()
    page.locator(".field-error").wait_for()
    assert strength.get_attribute("aria-invalid") == "true"
    message = page.locator(f"#{strength.get_attribute('aria-describedby')}")
    assert "less than or equal to 1" in message.text_content()
    assert strength.evaluate("el => el === document.activeElement")
    assert "Fix these" in page.locator("#render-errors").text_content()
    shots(page, "spec-error")
    clip.get_by_role("button", name="Remove vignette from clip 1").click()

    # a 403: borrowing a sound its owner keeps to themselves, shown on the sound in the edit
    page.locator("#sound-q").fill("secret")
    page.get_by_role("button", name="Search", exact=True).click()
    card = page.locator(f"#sound-list li[data-sound='{bob_sounds['secret']['id']}']")
    assert "Reuse not allowed" in card.text_content()
    card.get_by_role("button", name="Borrow Bob secret by @bob").click()
    page.get_by_role("button", name="Render", exact=True).click()
    page.locator(".field-error").wait_for()
    borrowed = page.locator('.borrowed[data-field="spec.audio.sound.src"]')
    assert borrowed.get_attribute("aria-invalid") == "true"
    assert (
        "does not allow reuse"
        in page.locator(f"#{borrowed.get_attribute('aria-describedby')}").text_content()
    )
    assert "Not allowed" in page.locator("#render-errors").text_content()
    assert alice.get("/v1/renders").json()["items"] == []

    # ... and on its card when remixing it
    card.get_by_role("button", name="Remix Bob secret by @bob").click()
    card.get_by_role("button", name="Make the remix").click()
    expect(card.get_by_role("alert")).to_contain_text("does not allow reuse")
    shots(page, "not-reusable", full=True)
    assert page.problems == []
    assert [r.rsplit(" ", 1)[1] for r in page.refused] == ["422", "403", "403"]
    page.context.close()


def test_the_page_is_locked_down(studio: Server) -> None:
    """Strict CSP on every studio file, only known files, and the page's code calls only /v1."""
    import httpx

    for name in ("", "app.js", "studio.css"):
        response = httpx.get(f"{studio.url}/studio/{name}")
        assert response.status_code == 200
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "default-src 'none'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
    assert httpx.get(f"{studio.url}/studio").headers["location"] == "/studio/"
    for probe in ("../main.py", "..%2Fmain.py", "nope.js", "%2e%2e/routes/studio.py"):
        assert httpx.get(f"{studio.url}/studio/{probe}").status_code == 404


def test_a_queued_render_is_cancelled_from_the_page(
    browser: Any, media: Media, shots: Shots, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """No render workers: the render stays queued until the page cancels it."""
    server = Server(settings_for(tmp_path_factory.mktemp("idle-home"), workers=0))
    try:
        with server.user("ida") as ida:
            ida.upload(media.clip2, "video")
            page = open_studio(browser, server, ida, "desktop")
            page.get_by_role("button", name="Add clip2.mp4 to the timeline").click()
            page.get_by_role("button", name="Render", exact=True).click()
            expect(page.locator("#render-status")).to_have_text("Queued…")
            page.get_by_role("button", name="Cancel").click()
            expect(page.locator("#render-status")).to_have_text("Cancelled.")
            assert [r["status"] for r in ida.get("/v1/renders").json()["items"]] == ["cancelled"]
            assert page.locator("#render-cancel").is_hidden()
            assert page.locator("#render-go").is_enabled()
            shots(page, "cancelled")
            assert page.problems == [] and page.refused == []
            page.context.close()
    finally:
        server.stop()
