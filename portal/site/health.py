"""Readiness checks for /healthz."""

import asyncio
import uuid

import redis
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return "down"
    return "ok"


def channel_layer_status() -> str:
    layer = get_channel_layer()
    if layer is None:
        return "down"
    hosts = getattr(layer, "hosts", None)
    try:
        if hosts:  # channels_redis: ping each server with a short timeout
            for host in hosts:
                client = redis.Redis.from_url(
                    host["address"], socket_connect_timeout=1, socket_timeout=1
                )
                try:
                    client.ping()
                finally:
                    client.close()
        else:  # in-memory: a message goes round trip
            name = f"healthz.{uuid.uuid4().hex}"

            async def round_trip():
                await layer.send(name, {"type": "healthz"})
                return await asyncio.wait_for(layer.receive(name), 1)

            async_to_sync(round_trip)()
    except Exception:
        return "down"
    return "ok"
