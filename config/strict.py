"""The base of every config section: unknown keys are errors, values are immutable."""

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """A config section: ``extra="forbid"`` so a typo is reported, never ignored, and
    ``strict`` so ``port = "80"`` is a wrong type rather than a silent conversion."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
