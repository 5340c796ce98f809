"""A file a person sent, made safe to show someone else: a photo can hold where it was taken
(EXIF GPS), the camera and its owner, and a file's name can hold a name or an address. Images
are drawn again from their pixels alone (Pillow), so no EXIF, GPS, XMP, ICC or comment
survives, and every file goes out under a neutral name. Other files keep their bytes."""

from __future__ import annotations

import io
import logging
import re
import warnings
from dataclasses import dataclass, replace

from handlers.types import Attachment

log = logging.getLogger(__name__)

#: Larger pictures than this (in pixels) are not decoded: a "decompression bomb" would stop the
#: worker; they are sent as a plain file instead (a phone's photo is about 12-50 million).
MAX_PIXELS = 80_000_000
#: Formats that are drawn again; what they are saved as (with an alpha channel: PNG).
REDRAWN = {
    "JPEG": "JPEG",
    "MPO": "JPEG",
    "PNG": "PNG",
    "WEBP": "PNG",
    "GIF": "PNG",
    "TIFF": "PNG",
    "BMP": "PNG",
}
_EXTENSION = re.compile(r"\.([A-Za-z0-9]{1,5})$")


@dataclass(frozen=True, slots=True)
class Clean:
    """The bytes to send and how to name them."""

    content: bytes
    filename: str
    mime_type: str


def _redraw(data: bytes) -> tuple[bytes, str] | None:
    """The picture's pixels alone, encoded afresh (upright, as its EXIF turned it); None when
    ``data`` is not a picture Pillow reads."""
    # Pillow is imported here, not at the top: ~2 MiB in every process, for the rare attachment
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind = REDRAWN.get(image.format or "")
                if kind is None or image.width * image.height > MAX_PIXELS:
                    return None
                upright = ImageOps.exif_transpose(image)
                has_alpha = upright.mode in ("RGBA", "LA", "PA") or (
                    upright.mode == "P" and "transparency" in upright.info
                )
                mode = "RGBA" if has_alpha else "RGB"
                if has_alpha:
                    kind = "PNG"
                fresh = upright.convert(mode)  # a new image: its pixels ...
                fresh.info = {}  # ... and nothing else (the encoders read a comment from here)
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        SyntaxError,
    ) as exc:
        log.info("a file was not a picture Pillow reads: %s", exc.__class__.__name__)
        return None
    out = io.BytesIO()
    if kind == "JPEG":
        fresh.save(out, "JPEG", quality=90)
    else:
        fresh.save(out, "PNG", optimize=False)
    return out.getvalue(), kind


def neutral_name(filename: str | None, *, photo: bool) -> str:
    """``photo.jpg``, or ``file`` with the original's extension (``file.pdf``)."""
    if photo:
        return "photo.jpg"
    found = _EXTENSION.search(filename or "")
    return f"file.{found[1].lower()}" if found else "file"


def scrub(data: bytes, filename: str | None, *, photo: bool) -> Clean | None:
    """``data`` as it may be shown to someone else: a picture drawn again without metadata,
    under a neutral name; None when it is no picture Pillow reads (see ``scrubbed``)."""
    drawn = _redraw(data)
    if drawn is None:
        return None
    content, kind = drawn
    stem = "photo" if photo else "image"
    if kind == "JPEG":
        return Clean(content, f"{stem}.jpg", "image/jpeg")
    return Clean(content, f"{stem}.png", "image/png")


def scrubbed(attachment: Attachment, data: bytes) -> Attachment:
    """``attachment`` carrying ``data`` instead of a file id: a picture drawn again without
    metadata; any other file with its bytes, under a neutral name (``file.pdf``)."""
    clean = scrub(data, attachment.filename, photo=attachment.is_photo)
    if clean is None:
        return replace(
            attachment,
            content=data,
            filename=neutral_name(attachment.filename, photo=attachment.is_photo),
            file_id=None,
        )
    return replace(
        attachment,
        content=clean.content,
        filename=clean.filename,
        mime_type=clean.mime_type,
        file_id=None,
    )
