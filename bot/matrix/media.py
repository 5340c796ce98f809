"""Files on the homeserver's media repository: uploading a file to a room (encrypted, as the
``file`` key of the event, when the room is) and downloading one a person sent (decrypted
with the key its file id carries, see ``convert.file_ref``)."""

from __future__ import annotations

import io
from typing import Any

from aiohttp import ClientError
from nio import AsyncClient, DownloadResponse, ErrorResponse, UploadResponse
from nio.crypto.attachments import decrypt_attachment
from nio.exceptions import EncryptionError

from bot.outbox import DeliveryError
from handlers.types import Attachment


def _error(response: Any) -> DeliveryError:
    if isinstance(response, ErrorResponse):
        if response.status_code == "M_LIMIT_EXCEEDED" or response.retry_after_ms:
            return DeliveryError(
                str(response), retry_after=(response.retry_after_ms or 1000) / 1000
            )
        return DeliveryError(str(response), permanent=response.status_code == "M_NOT_FOUND")
    return DeliveryError(str(response))


async def upload(client: AsyncClient, attachment: Attachment, *, encrypt: bool) -> dict[str, Any]:
    """Upload ``attachment.content``; the event content (``m.image`` or ``m.file``) that
    shows it. In an encrypted room the file is encrypted and the content says how to read it."""
    data = attachment.content
    try:
        response, keys = await client.upload(
            io.BytesIO(data),
            content_type="application/octet-stream" if encrypt else _mime(attachment),
            filename=attachment.filename,
            encrypt=encrypt,
            filesize=len(data),
        )
    except (ClientError, OSError, TimeoutError) as exc:
        raise DeliveryError(f"{exc.__class__.__name__}: {exc}") from exc
    if not isinstance(response, UploadResponse):
        raise _error(response)
    if encrypt and keys:
        return content(attachment, None, {"url": response.content_uri, **keys})
    return content(attachment, response.content_uri)


def _mime(attachment: Attachment) -> str:
    if attachment.is_photo and attachment.mime_type == "application/octet-stream":
        return "image/jpeg"
    if attachment.is_voice and attachment.mime_type == "application/octet-stream":
        return "audio/ogg"
    return attachment.mime_type


def content(
    attachment: Attachment, url: str | None, encrypted: dict[str, Any] | None = None
) -> dict[str, Any]:
    """``m.image`` for a photo, ``m.audio`` for a voice note, else ``m.file``: at ``url``, or
    the encrypted ``file``."""
    info: dict[str, Any] = {"mimetype": _mime(attachment)}
    if attachment.content:
        info["size"] = len(attachment.content)
    event: dict[str, Any] = {
        "msgtype": "m.image"
        if attachment.is_photo
        else "m.audio"
        if attachment.is_voice
        else "m.file",
        "body": attachment.filename,
        "filename": attachment.filename,
        "info": info,
    }
    if encrypted is not None:
        event["file"] = encrypted
    else:
        event["url"] = url
    return event


async def download(client: AsyncClient, file_id: str) -> bytes:
    """The bytes of a file a person sent (``convert.file_ref``), decrypted if need be."""
    url, _, secret = file_id.partition("#")
    try:
        response = await client.download(mxc=url)
    except (ClientError, OSError, TimeoutError) as exc:
        raise DeliveryError(f"{exc.__class__.__name__}: {exc}") from exc
    if not isinstance(response, DownloadResponse):
        raise _error(response)
    body = response.body if isinstance(response.body, bytes) else b""
    if not secret:
        return body
    try:
        key, iv, digest = secret.split(".")
        return decrypt_attachment(body, key, digest, iv)
    except (ValueError, EncryptionError) as exc:
        raise DeliveryError(f"the file could not be decrypted: {exc}", permanent=True) from exc
