"""`{% rating_link approval user as url %}`: where the project unit rates a decision, for the
decision email (an absolute address in the active language; "" for anyone else)."""

from django import template
from django.urls import reverse

from portal.mail import absolute_url
from projects import permissions as perms
from projects.models import Approval

register = template.Library()

DECIDED = (Approval.Status.APPROVED, Approval.Status.REJECTED)


@register.simple_tag
def rating_link(approval, user) -> str:
    if approval is None or user is None or approval.status not in DECIDED:
        return ""
    if not perms.is_enterprise_user_of(user, approval.project):
        return ""  # the lead helper gets the same email: the rating is the enterprise's
    return absolute_url(reverse("rating_approval", args=[approval.pk]))
