"""CPython asyncio (and uvloop) echo servers for bench/echo.ts.

    python3 bench/echo_servers.py STYLE PORT

STYLE is "asyncio-protocol", "asyncio-streams", "uvloop-protocol" or
"uvloop-streams". Prints "listening on 127.0.0.1:PORT" once it listens.
"""
import asyncio
import sys


class EchoProtocol(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            import socket
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data):
        self.transport.write(data)


async def echo_streams(reader, writer):
    sock = writer.get_extra_info("socket")
    if sock is not None:
        import socket
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        while True:
            data = await reader.read(1000000)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass  # the load generator resets its connections at the end
    finally:
        writer.close()


async def main(style, port):
    loop = asyncio.get_running_loop()
    if style.endswith("-protocol"):
        server = await loop.create_server(EchoProtocol, "127.0.0.1", port)
    else:
        server = await asyncio.start_server(echo_streams, "127.0.0.1", port)
    port = server.sockets[0].getsockname()[1]
    print(f"listening on 127.0.0.1:{port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    style, port = sys.argv[1], int(sys.argv[2])
    if style.startswith("uvloop"):
        import uvloop
        uvloop.install()
    asyncio.run(main(style, port))
