import asyncio

import pytest

from warren_apps.http import Response, Server


async def echo(request):
    return Response.json(200, {"path": request.path, "body": request.body.decode()})


@pytest.fixture
async def server():
    server = Server(echo, lambda request: 10)
    port = await server.start("127.0.0.1", 0)
    yield port
    await server.close()


async def exchange(port, raw: bytes, responses=1):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(raw)
    await writer.drain()
    out = []
    for _ in range(responses):
        status = int((await reader.readline()).split()[1])
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"content-length"):
                length = int(line.split(b":")[1])
        out.append((status, await reader.readexactly(length)))
    writer.close()
    return out


async def test_keep_alive_serves_several_requests_on_one_connection(server):
    raw = (b"POST /a%20b HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi"
           b"GET /c HTTP/1.1\r\n\r\n")
    (s1, b1), (s2, b2) = await exchange(server, raw, responses=2)
    assert (s1, s2) == (200, 200) and b'"/a b"' in b1 and b'"hi"' in b1 and b'"/c"' in b2


async def test_a_body_over_the_limit_is_refused_before_it_is_read(server):
    [(status, body)] = await exchange(server, b"POST /x HTTP/1.1\r\nContent-Length: 11\r\n\r\n")
    assert status == 413 and b"larger than the limit of 10 bytes" in body


async def test_expect_100_continue_is_honoured(server):
    reader, writer = await asyncio.open_connection("127.0.0.1", server)
    writer.write(b"POST /x HTTP/1.1\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")
    assert (await reader.readline()).startswith(b"HTTP/1.1 100")
    await reader.readline()
    writer.write(b"ok")
    assert (await reader.readline()).startswith(b"HTTP/1.1 200")
    writer.close()


@pytest.mark.parametrize("raw, status", [
    (b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 411),
    (b"POST /x HTTP/1.1\r\nContent-Length: many\r\n\r\n", 400),
    (b"garbage\r\n\r\n", 400),
    (b"GET / HTTP/2.0\r\n\r\n", 505),
])
async def test_malformed_requests_get_a_clear_status(server, raw, status):
    [(got, _)] = await exchange(server, raw)
    assert got == status


async def test_close_answers_requests_in_progress_and_ends_idle_connections():
    release = asyncio.Event()

    async def slow(request):
        await release.wait()
        return Response.json(200, {"ok": True})

    server = Server(slow, lambda request: 0)
    port = await server.start("127.0.0.1", 0)
    busy = asyncio.create_task(exchange(port, b"POST /slow HTTP/1.1\r\n\r\n"))
    idle_reader, idle_writer = await asyncio.open_connection("127.0.0.1", port)
    await asyncio.sleep(0.05)
    closing = asyncio.create_task(server.close(grace=5))
    await asyncio.sleep(0.05)
    assert await idle_reader.read() == b"", "an idle connection stays open during a close"
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", port)
    release.set()
    assert await busy == [(200, b'{"ok": true}\n')]
    await closing
    idle_writer.close()


async def test_close_cuts_requests_that_outlast_the_grace_period():
    server = Server(lambda request: asyncio.sleep(60), lambda request: 0)
    port = await server.start("127.0.0.1", 0)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /forever HTTP/1.1\r\n\r\n")
    await asyncio.sleep(0.05)
    await asyncio.wait_for(server.close(grace=0.2), 2)
    assert await reader.read() == b""
    writer.close()
