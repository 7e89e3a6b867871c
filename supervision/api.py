"""JSON API routes (django-ninja), added to /api/v1/ by portal.site.api."""

from ninja import Router

router = Router()
