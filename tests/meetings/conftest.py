"""One local HTTPS Graph server for the whole run (its certificate is made once); each test starts it empty."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ccm.local.graph_server import GraphServer


@pytest.fixture(scope="session")
def graph_server_session() -> Iterator[GraphServer]:
    with GraphServer() as server:
        yield server


@pytest.fixture
def graph_server(graph_server_session: GraphServer) -> GraphServer:
    graph_server_session.graph.reset()
    return graph_server_session
