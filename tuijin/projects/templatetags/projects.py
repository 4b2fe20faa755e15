"""Template filters of the key-project pages."""

from django import template

from ..photos import photo_summary as _summary

register = template.Library()


@register.filter
def photo_summary(photo) -> dict:
    """EXIF time and position beside the project's location and the reference date."""
    return _summary(photo)
