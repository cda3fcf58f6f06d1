"""The notices' routes on the gateway (a staff login for each).

- ``GET  /api/notices``                    the current notices, with who read each here
- ``POST /api/notices/{notice_id}/read``   mark a notice read (for the one logged in)
- ``POST /api/notices/{notice_id}/reply``  answer a notice in a line of text
"""

# No ``from __future__ import annotations``: FastAPI reads the signatures at run time.

from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from edge.auth.web import CurrentUser
from edge.notices.board import MAX_REPLY, NoticeBoard, NoticeError


class ReplyBody(BaseModel):
    """An answer to a notice, for the district to read."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        max_length=MAX_REPLY,
        description="One line: what the district should know.",
        examples=["out of thermometer batteries at the north gate"],
    )


def create_router(board: NoticeBoard) -> APIRouter:
    router = APIRouter(tags=["notices"])

    @router.get("/api/notices", summary="Notices from the district")
    async def notices(user: CurrentUser) -> list[dict[str, Any]]:
        """The district's current notices: unread by you first, then the most severe."""
        return await board.current(user.username)

    @router.post("/api/notices/{notice_id}/read", summary="Mark a notice read")
    async def read(notice_id: str, user: CurrentUser) -> dict[str, Any]:
        """Mark a notice read; the district sees who read it and when."""
        try:
            return await board.mark_read(notice_id, user.username)
        except NoticeError as exc:
            raise HTTPException(exc.status, exc.reason) from None

    @router.post("/api/notices/{notice_id}/reply", summary="Answer a notice")
    async def reply(notice_id: str, body: ReplyBody, user: CurrentUser) -> dict[str, Any]:
        """Answer a notice in a line of text (for example: out of thermometer batteries)."""
        try:
            return await board.reply(notice_id, user.username, body.text)
        except NoticeError as exc:
            raise HTTPException(exc.status, exc.reason) from None

    return router
