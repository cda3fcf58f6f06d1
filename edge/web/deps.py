"""Typed dependencies for the web routes; tests swap them with ``app.dependency_overrides``."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from edge.checkpoint.service import CheckpointService
from edge.web.settings import WebSettings


def get_service(request: Request) -> CheckpointService:
    return cast(CheckpointService, request.app.state.service)


def get_settings(request: Request) -> WebSettings:
    return cast(WebSettings, request.app.state.settings)


Service = Annotated[CheckpointService, Depends(get_service)]
Settings = Annotated[WebSettings, Depends(get_settings)]
