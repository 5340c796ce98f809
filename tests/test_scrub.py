"""Files a person sent lose their metadata before anyone else sees them (``bot/scrub.py``):
pictures are drawn again from their pixels, every file goes under a neutral name. The relay
over the transports is tested in ``tests/test_requests_e2e.py`` (Telegram) and
``tests/test_matrix_cross.py`` (Matrix, encrypted)."""

from __future__ import annotations

import io

from PIL import ExifTags, Image

from bot.scrub import neutral_name, scrub, scrubbed
from handlers.types import Attachment
from tests.media_support import assert_no_metadata, gps_jpeg, gps_of


def test_a_phone_photo_loses_its_gps_and_exif_and_keeps_its_picture():
    original = gps_jpeg((64, 48))
    assert gps_of(original)
    clean = scrub(original, "IMG_0042 Alice Wang.jpg", photo=False)
    assert clean is not None
    assert_no_metadata(clean.content)
    assert (clean.filename, clean.mime_type) == ("image.jpg", "image/jpeg")
    with Image.open(io.BytesIO(clean.content)) as image:
        assert image.size == (64, 48)
        red, green, blue = image.getpixel((32, 24))
        assert red > 150 and green < 80 and blue < 80, "the same picture"


def test_a_turned_photo_stays_upright_without_its_orientation_tag():
    image = Image.new("RGB", (60, 20), (10, 10, 200))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # the camera was held sideways: shown 20 × 60
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    clean = scrub(out.getvalue(), "photo.jpg", photo=True)
    assert clean is not None and clean.filename == "photo.jpg"
    with Image.open(io.BytesIO(clean.content)) as redrawn:
        assert redrawn.size == (20, 60)
        assert not redrawn.getexif()


def test_a_png_with_transparency_stays_a_png_without_its_text_chunks():
    from PIL.PngImagePlugin import PngInfo

    image = Image.new("RGBA", (8, 8), (0, 0, 0, 0))
    info = PngInfo()
    info.add_text("Author", "Alice Wang")
    info.add_text("Location", "Building 3, flat 1502")
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info)
    clean = scrub(out.getvalue(), "screenshot of my flat.png", photo=False)
    assert clean is not None
    assert (clean.filename, clean.mime_type) == ("image.png", "image/png")
    assert b"Alice Wang" not in clean.content and b"flat 1502" not in clean.content
    with Image.open(io.BytesIO(clean.content)) as redrawn:
        assert redrawn.mode == "RGBA" and not redrawn.text


def test_other_files_keep_their_bytes_under_a_neutral_name():
    pdf = b"%PDF-1.4 Lease of Alice Wang"
    sent = scrubbed(Attachment("Alice Wang lease 3-1502.PDF", file_id="abc"), pdf)
    assert (sent.filename, sent.content, sent.file_id) == ("file.pdf", pdf, None)
    assert neutral_name("no extension", photo=False) == "file"
    assert neutral_name("evil.tar.gz;rm -rf", photo=False) == "file"
    assert neutral_name("x.jpg", photo=True) == "photo.jpg"


def test_a_photo_attachment_is_drawn_again_and_stays_a_photo():
    sent = scrubbed(Attachment("photo.jpg", file_id="mxc://x/y", is_photo=True), gps_jpeg())
    assert sent.is_photo and sent.file_id is None and sent.mime_type == "image/jpeg"
    assert_no_metadata(sent.content)


async def test_a_picture_for_many_readers_is_fetched_and_drawn_once():
    from bot.media import SAFE_COPIES, SafeCopies, safe_copy

    fetched: list[str] = []

    async def fetch(file_id: str) -> bytes:
        fetched.append(file_id)
        return gps_jpeg()

    notice_photo = Attachment("photo.jpg", file_id="mxc://example.org/notice", is_photo=True)
    copies = [await safe_copy(notice_photo, fetch) for _ in range(50)]
    assert fetched == ["mxc://example.org/notice"]
    assert {copy.content for copy in copies} == {copies[0].content}
    assert_no_metadata(copies[0].content)

    small = SafeCopies(limit=2 * len(copies[0].content))  # room for two copies
    for n in range(3):
        small.put(Attachment("p", file_id=f"id{n}", is_photo=True), copies[0])
    assert small.get(Attachment("p", file_id="id0", is_photo=True)) is None  # the oldest went
    assert small.get(Attachment("p", file_id="id2", is_photo=True)) is not None
    assert SAFE_COPIES.get(notice_photo) is not None
