"""A real photo as a phone makes it: a JPEG whose EXIF holds the camera, its owner and the GPS
position where it was taken (the reporter's home, say), and a comment; and the check that a
picture someone received holds none of that."""

from __future__ import annotations

import io

from PIL import ExifTags, Image

#: Where the photo was taken: 30°34'12.5"N 104°03'55.2"E (Tianfu New Area, Chengdu).
LATITUDE = (30.0, 34.0, 12.5)
LONGITUDE = (104.0, 3.0, 55.2)


def gps_jpeg(size: tuple[int, int] = (64, 48)) -> bytes:
    """A JPEG with EXIF (make, model, owner, GPS) and a comment, as a phone writes it."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Model X"
    exif[ExifTags.Base.Artist] = "Alice Wang"
    exif[ExifTags.Base.Orientation] = 1
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: LATITUDE,
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: LONGITUDE,
    }
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"Building 3, flat 1502")
    data = out.getvalue()
    assert gps_of(data), "the test photo carries its position"
    return data


def gps_of(data: bytes) -> dict:
    """The GPS tags of a picture (empty when it has none)."""
    with Image.open(io.BytesIO(data)) as image:
        return dict(image.getexif().get_ifd(ExifTags.IFD.GPSInfo))


def assert_no_metadata(data: bytes) -> None:
    """``data`` is a picture without EXIF (so no GPS), XMP, ICC profile or comment."""
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        assert not image.getexif(), "EXIF was left in"
        assert not gps_of(data)
        assert not {"exif", "xmp", "icc_profile", "comment"} & set(image.info), image.info
    assert b"Alice Wang" not in data and b"flat 1502" not in data and b"PhoneMaker" not in data
