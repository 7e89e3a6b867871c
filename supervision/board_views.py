"""The supervision board page (督办看板): for bureau staff and the service group's helpers."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from .board import board_for, may_see_board


@require_safe
@login_required
def supervision_board(request):
    """Open cards and supervision cases by department, oldest first; the projects at risk.
    Live: the page refreshes its lists when a card or case event reaches the viewer."""
    if not may_see_board(request.user):
        raise Http404
    return render(request, "supervision/board.html", {"board": board_for(request.user)})
