"""Attachments as downloads, the one way every side (portal, API, back office) serves them."""

from django.http import FileResponse, Http404


def download_response(attachment):
    """The file as a download, never shown inline: typed as plain bytes, no sniffing, and
    sandboxed should a browser open it anyway. 404 when its file is gone from storage."""
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.name,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
