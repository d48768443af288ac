"""Sign-in at the edge: what each request pays and what the gatekeeper's package weighs.

Prints the gatekeeper's time per request with a valid session cookie (median and p99, through
``functions/edge_auth/app.py:viewer_request``), the time to validate one SAML response at the assertion consumer
service (signature, conditions, identity; the replay check against an in-memory cache, so without the DynamoDB
round trip that production adds), the gatekeeper's cold import time with the standard library only, the SAML
handler's cold start (import, configuration, python3-saml settings and the first answer, in a fresh process), and
the size of the gatekeeper's package zipped from the exact files the build ships.
"""

from __future__ import annotations

import copy
import json
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from functions.edge_auth import app  # noqa: E402

from ccm.config import load_config  # noqa: E402
from ccm.devidp.local import local_sign_in  # noqa: E402
from ccm.edge.cloudfront import EdgeRequest  # noqa: E402
from ccm.edge.packaging import VIEWER_REQUEST_LIMIT_BYTES, write_gatekeeper_zip  # noqa: E402
from ccm.edge.replay import MemoryReplayCache  # noqa: E402
from ccm.edge.session import COOKIE_NAME, SessionCookie  # noqa: E402
from ccm.edge.signin import SamlSignIn  # noqa: E402

GATEKEEPER_REQUESTS = 20_000
ACS_RESPONSES = 300
EVENT = json.loads((ROOT / "tests" / "events" / "cloudfront_viewer_request.json").read_text(encoding="utf-8"))


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def gatekeeper_times(cookie: str) -> list[float]:
    event = copy.deepcopy(EVENT)
    event["Records"][0]["cf"]["request"]["headers"]["cookie"] = [{"key": "Cookie", "value": cookie}]
    events = [copy.deepcopy(event) for _ in range(GATEKEEPER_REQUESTS)]
    samples = []
    for each in events:
        started = time.perf_counter()
        result = app.viewer_request(each, None)
        samples.append((time.perf_counter() - started) * 1e6)
        assert "uri" in result, result
    return samples


def acs_times(signin: SamlSignIn, responses: list[str]) -> list[float]:
    samples = []
    for saml_response in responses:
        request = EdgeRequest("POST", "/saml/acs", body=urlencode({"SAMLResponse": saml_response}).encode())
        started = time.perf_counter()
        result = signin.handle(request)
        samples.append((time.perf_counter() - started) * 1000)
        assert result.status == 302, result.body
    return samples


def cold_import_ms(package: Path) -> float:
    probe = (
        "import sys, time; sys.path.insert(0, sys.argv[1]); started = time.perf_counter(); import app; "
        "print((time.perf_counter() - started) * 1000)"
    )
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-I", "-S", "-c", probe, str(package)], capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(5)
    ]
    return statistics.median(runs)


SAML_COLD_START_PROBE = """
import json, sys, time
started = time.perf_counter()
sys.path.insert(0, sys.argv[1])
from functions.edge_auth import app
app.use_config(sys.argv[2])
event = json.loads(sys.argv[3])
context = type("Context", (), {"function_name": "bench", "memory_limit_in_mb": 512,
    "invoked_function_arn": "arn:aws:lambda:us-east-1:123456789012:function:bench", "aws_request_id": "bench"})()
result = app.saml_handler(event, context)
assert result["status"] == "200", result
print((time.perf_counter() - started) * 1000)
"""


def saml_cold_start_ms(config_path: Path) -> float:
    """A fresh interpreter importing the handler and answering ``/saml/metadata``: what a cold start pays."""
    event = json.loads((ROOT / "tests" / "events" / "cloudfront_origin_request_saml.json").read_text(encoding="utf-8"))
    request = event["Records"][0]["cf"]["request"]
    request.update(uri="/saml/metadata", method="GET")
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", SAML_COLD_START_PROBE, str(ROOT), str(config_path), json.dumps(event)],
                capture_output=True,
                text=True,
                check=True,
                env={"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "us-east-1"},
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        for _ in range(5)
    ]
    return statistics.median(runs)


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        data = Path(directory)
        idp, config = local_sign_in(
            load_config(ROOT / "config.json"),
            data,
            public_base_url="https://ccm.example.com",
            idp_base_url="https://idp.example.com",
            table="ccm-bench",
        )
        app.use_config(config)
        cookie_jar = SessionCookie(config.cookie_keys, config.session)
        now = time.time()
        cookie = f"theme=dark; {COOKIE_NAME}=" + cookie_jar.encode(
            cookie_jar.start("approver@example.com", ("ccm-approvers",), now)
        )

        gatekeeper = gatekeeper_times(cookie)
        signin = SamlSignIn(config, MemoryReplayCache())
        responses = [idp.sign_in(idp.users[index % len(idp.users)]) for index in range(ACS_RESPONSES)]
        acs = acs_times(signin, responses)

        archive = data / "gatekeeper.zip"
        zipped = write_gatekeeper_zip(archive, data / "edge_config.json")
        package = data / "package"
        with zipfile.ZipFile(archive) as opened:
            opened.extractall(package)
            unpacked = sum(info.file_size for info in opened.infolist())
            files = len(opened.infolist())
        import_ms = cold_import_ms(package)
        saml_ms = saml_cold_start_ms(data / "edge_config.json")

    results: dict[str, Any] = {
        "gatekeeper per request, valid cookie (us)": (
            f"median {statistics.median(gatekeeper):.1f}, p99 {percentile(gatekeeper, 0.99):.1f} "
            f"over {GATEKEEPER_REQUESTS} requests"
        ),
        "ACS validation per response (ms)": (
            f"median {statistics.median(acs):.2f}, p99 {percentile(acs, 0.99):.2f} over {ACS_RESPONSES} responses"
        ),
        "gatekeeper cold import, stdlib only (ms)": f"median {import_ms:.1f} over 5 processes",
        "SAML handler cold start to first answer (ms)": f"median {saml_ms:.1f} over 5 processes",
        "gatekeeper package": (
            f"{zipped} bytes zipped, {unpacked} bytes unpacked, {files} files "
            f"(limit {VIEWER_REQUEST_LIMIT_BYTES} bytes: {100 * zipped / VIEWER_REQUEST_LIMIT_BYTES:.2f}% used)"
        ),
    }
    width = max(len(name) for name in results)
    for name, value in results.items():
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
