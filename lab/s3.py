"""The S3 path of the tutorial on loopback: moto's S3 server, one bucket, and a public read endpoint.

``S3Store(workdir).start()`` runs ``moto_server`` (moto's server mode) on 127.0.0.1, creates the bucket
with a public GetObject policy (plus ListBucket when ``list_permission``), and runs
``lab/s3_gateway.py`` in front of it: viewers (and the CDN edge) read ``public_url(key)``, path style,
and a missing key answers 404 ``NoSuchKey`` with list permission or 403 ``AccessDenied`` without, as S3
does. Writers (``lab/uploader.py``) use ``endpoint_url`` with any credentials.
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
from pathlib import Path
from typing import Any

from lab.netutil import LOOPBACK, http_ok, pick_port
from lab.process import ManagedProcess, ProcessFailed, wait_until

log = logging.getLogger(__name__)

DEFAULT_BUCKET = "hlsmon-lab"
FAKE_CREDENTIALS = {"aws_access_key_id": "hlsmon", "aws_secret_access_key": "hlsmon-lab-secret"}
REGION = "us-east-1"


def moto_server_path() -> str | None:
    local = Path(sys.executable).with_name("moto_server")
    if local.exists():
        return str(local)
    return shutil.which("moto_server")


def bucket_policy(bucket: str, list_permission: bool) -> str:
    statements: list[dict[str, Any]] = [
        {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{bucket}/*"},
    ]  # fmt: skip
    if list_permission:
        statements.append(
            {"Sid": "PublicList", "Effect": "Allow", "Principal": "*", "Action": "s3:ListBucket",
             "Resource": f"arn:aws:s3:::{bucket}"}
        )  # fmt: skip
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def s3_client(endpoint_url: str) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2}, connect_timeout=3, read_timeout=10)
    return boto3.client("s3", endpoint_url=endpoint_url, region_name=REGION, config=config, **FAKE_CREDENTIALS)


class S3Store:
    """moto S3 server + bucket + public read gateway."""

    def __init__(
        self,
        workdir: Path,
        bucket: str = DEFAULT_BUCKET,
        list_permission: bool = True,
        port: int = 0,
        public_port: int = 0,
    ) -> None:
        self.workdir = Path(workdir)
        self.bucket = bucket
        self.list_permission = list_permission
        self.port = pick_port(port)
        self.public_port = pick_port(public_port)
        self.moto: ManagedProcess | None = None
        self.gateway: ManagedProcess | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def public_base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.public_port}"

    def public_url(self, key: str) -> str:
        return f"{self.public_base_url}/{self.bucket}/{key.lstrip('/')}"

    def client(self) -> Any:
        return s3_client(self.endpoint_url)

    def start(self, timeout: float = 30.0) -> S3Store:
        moto = moto_server_path()
        if moto is None:
            raise ProcessFailed("moto_server is not installed (pip install 'moto[server]')")
        logs = self.workdir / "logs"
        self.moto = ManagedProcess("moto-s3", [moto, "-H", LOOPBACK, "-p", str(self.port)], logs / "moto.log")
        self.moto.start()
        if not wait_until(lambda: http_ok(self.endpoint_url + "/moto-api/"), timeout, 0.2, [self.moto]):
            self.stop()
            raise ProcessFailed(f"moto_server did not answer in {timeout:.0f} s")
        client = self.client()
        client.create_bucket(Bucket=self.bucket)
        client.put_bucket_policy(Bucket=self.bucket, Policy=bucket_policy(self.bucket, self.list_permission))
        argv = [sys.executable, "-m", "lab.s3_gateway", "--port", str(self.public_port)]
        argv += ["--upstream-port", str(self.port)]
        if not self.list_permission:
            argv.append("--no-list-permission")
        root = Path(__file__).resolve().parent.parent
        self.gateway = ManagedProcess("s3-gateway", argv, logs / "s3-gateway.log", cwd=root)
        self.gateway.start()
        if not wait_until(lambda: http_ok(self.public_base_url + "/"), 10.0, 0.1, [self.gateway]):
            self.stop()
            raise ProcessFailed("S3 gateway did not start")
        log.info("S3 store: moto %s, public %s/%s/", self.endpoint_url, self.public_base_url, self.bucket)
        return self

    def check_alive(self) -> None:
        for process in (self.moto, self.gateway):
            if process is not None:
                process.check_alive()

    def stop(self) -> None:
        for process in (self.gateway, self.moto):
            if process is not None:
                process.stop()

    def __enter__(self) -> S3Store:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
