"""The composition: settings are beside it; here the urls, ASGI routing, the API root, the
websocket consumer, the navigation and the commands that put every app together. It may import
every app; nothing imports it."""
