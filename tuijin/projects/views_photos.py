"""A report's or site check's photo, served only to those who see its project.

Photos live under MEDIA_ROOT, which no web server publishes: every file goes through a view
that checks scope, as the supervision office's finding photos and attachments do.
"""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest

from tuijin.core.files import content_type_for
from tuijin.core.permissions import role_required
from tuijin.core.roles import GOVERNMENT
from tuijin.core.scoping import get_visible_or_404

from .models import Photo


@role_required(GOVERNMENT)
def photo_file(request: HttpRequest, pk: int) -> FileResponse:
    """The stored (re-encoded, metadata-free) JPEG inline; ``?download=1`` saves it.
    A photo of a project out of scope is the same 404 as a missing one."""
    photo = get_visible_or_404(Photo.objects.only("id", "image"), request.user, pk=pk)
    if not photo.image:
        raise Http404("照片不存在")
    response = FileResponse(
        photo.image.open("rb"),
        as_attachment=request.GET.get("download") == "1",
        filename=f"photo-{photo.pk}.jpg",
        content_type=content_type_for(photo.image.name),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
