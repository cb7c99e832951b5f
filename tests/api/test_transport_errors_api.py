"""Broken transport input — not UTF-8, the wrong content type, a bad token, a huge body — gets a
4xx answer in GraphQL's JSON error shape, and the connection stays usable or is closed cleanly."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.live import LiveApi

QUERY = b'{"query": "{ products(first: 1) { totalCount } }"}'
MAX_BODY = 1_000_000


def auth(live: LiveApi) -> dict[str, str]:
    return {"Authorization": f"Bearer {live.admin_token}"}


def error_code(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = response.json()
    assert set(body) == {"errors"}, body
    (error,) = body["errors"]
    assert error["message"]
    code = error["extensions"]["code"]
    assert isinstance(code, str)
    return code


@pytest.mark.parametrize(
    "body",
    [
        b'{"query": "{ products(first: 1) { totalCount } }", "x": "\xff\xfe"}',
        b"\xc3\x28",
        '{"query": "{ __typename }"}'.encode("utf-16"),
    ],
    ids=["invalid-byte-in-string", "invalid-sequence", "utf-16"],
)
async def test_a_body_that_is_not_utf8_is_a_400_json_error(
    http: httpx.AsyncClient, live: LiveApi, body: bytes
) -> None:
    response = await http.post(
        "/graphql", content=body, headers={**auth(live), "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert error_code(response) == "BAD_REQUEST"


async def test_a_body_that_is_not_json_is_a_400_json_error(
    http: httpx.AsyncClient, live: LiveApi
) -> None:
    response = await http.post(
        "/graphql", content=b"{query", headers={**auth(live), "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert error_code(response) == "BAD_REQUEST"


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "image/png"])
async def test_an_unsupported_content_type_is_a_415_json_error(
    http: httpx.AsyncClient, live: LiveApi, content_type: str
) -> None:
    response = await http.post(
        "/graphql", content=QUERY, headers={**auth(live), "Content-Type": content_type}
    )
    assert response.status_code == 415
    assert error_code(response) == "UNSUPPORTED_MEDIA_TYPE"


async def test_a_bad_token_is_a_401_json_error_with_a_bearer_challenge(
    http: httpx.AsyncClient,
) -> None:
    response = await http.post(
        "/graphql",
        content=QUERY,
        headers={
            "Authorization": "Bearer og_ad_not-a-real-token",
            "Content-Type": "application/json",
        },
    )
    assert response.status_code == 401
    assert error_code(response) == "UNAUTHENTICATED"
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_method_other_than_get_or_post_is_a_405_json_error(
    http: httpx.AsyncClient, live: LiveApi
) -> None:
    response = await http.put("/graphql", content=QUERY, headers=auth(live))
    assert response.status_code == 405


async def test_after_a_413_the_same_client_keeps_working(
    http: httpx.AsyncClient, live: LiveApi
) -> None:
    huge = b'{"query": "{ __typename }", "padding": "' + b"x" * MAX_BODY + b'"}'
    for _ in range(3):
        rejected = await http.post(
            "/graphql", content=huge, headers={**auth(live), "Content-Type": "application/json"}
        )
        assert rejected.status_code == 413
        assert error_code(rejected) == "PAYLOAD_TOO_LARGE"
        assert rejected.headers["connection"] == "close"
        ok = await http.post(
            "/graphql", content=QUERY, headers={**auth(live), "Content-Type": "application/json"}
        )
        assert ok.status_code == 200, ok.text
        assert ok.json()["data"]["products"]["totalCount"] >= 0


async def test_a_413_closes_the_connection_instead_of_reading_the_rest_as_a_request(
    live: LiveApi,
) -> None:
    """A keep-alive client that sent headers announcing a huge body must not have the body's
    bytes parsed as its next request: the server answers 413 and closes."""
    url = urlsplit(live.base_url)
    assert url.hostname is not None
    assert url.port is not None
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    smuggled = b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n"
    body = smuggled + b"x" * (MAX_BODY * 2 - len(smuggled))
    try:
        writer.write(
            b"POST /graphql HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
            + smuggled  # a pipelined request after the rejected one: never answered either
        )
        await writer.drain()
        async with asyncio.timeout(10):
            answer = await reader.read()  # until the server closes the connection
    finally:
        writer.close()
    head = answer.split(b"\r\n\r\n", 1)[0].lower()
    assert head.startswith(b"http/1.1 413")
    assert b"connection: close" in head
    assert answer.count(b"HTTP/1.1 ") == 1, answer  # the smuggled request was never answered
