"""The one websocket of a browser tab: `/ws/events/`.

This consumer authenticates the connection (session cookie, or a one-time ticket checked by
the Origin validator), joins the groups of its user, keeps the connection alive with
heartbeats and closes it when the user's session ends.
"""

import asyncio
import contextlib

from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from .realtime import user_group
from .signals import session_fingerprint

CLOSE_UNAUTHENTICATED = 4401
CLOSE_SESSION_ENDED = 4001


class EventsConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user = user
        session = self.scope.get("session")
        self.session_fingerprint = (
            session_fingerprint(session.session_key) if session is not None else None
        )
        self.groups_joined = await self._groups_of(user)
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        self.heartbeat = asyncio.create_task(self._heartbeat())

    @staticmethod
    async def _groups_of(user) -> list[str]:
        """The user's own group, and those of their role, departments and enterprises."""
        from channels.db import database_sync_to_async

        from projects.realtime import STAFF_GROUP, department_group, enterprise_group

        from .roles import STAFF, roles_of

        def read():
            groups = [user_group(user.pk)]
            if STAFF in roles_of(user):
                groups.append(STAFF_GROUP)
            groups += [department_group(pk) for pk in user.departments.values_list("pk", flat=True)]
            groups += [enterprise_group(pk) for pk in user.enterprises.values_list("pk", flat=True)]
            return groups

        return await database_sync_to_async(read)()

    async def disconnect(self, code):
        task = getattr(self, "heartbeat", None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for group in getattr(self, "groups_joined", []):
            with contextlib.suppress(Exception):
                await self.channel_layer.group_discard(group, self.channel_name)

    async def _heartbeat(self):
        while True:
            await asyncio.sleep(settings.WEBSOCKET_HEARTBEAT_SECONDS)
            await self.send_json({"type": "heartbeat"})

    async def receive_json(self, content, **kwargs):
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def event_signal(self, message):
        """A change was committed: forward it if this user may read its stream."""
        event = message.get("event") or {}
        stream = event.get("stream")
        if stream and await self._may_read(stream):
            await self.send_json({"type": "event", **event})

    async def _may_read(self, stream: str) -> bool:
        from channels.db import database_sync_to_async

        from projects.selectors import stream_readable

        return await database_sync_to_async(stream_readable)(self.user, stream)

    async def session_ended(self, message):
        # Ticket connections have no session; they end with their user's deactivation.
        if self.session_fingerprint is not None and message.get("session") in (
            self.session_fingerprint,
            None,
        ):
            await self.close(code=CLOSE_SESSION_ENDED)
