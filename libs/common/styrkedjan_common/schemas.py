"""Base for request bodies: an unknown field is a 422 naming it, never silently ignored."""

from pydantic import BaseModel, ConfigDict


class InputModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
