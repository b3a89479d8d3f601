"""The base of every config section: unknown keys are errors, values are immutable and finite."""

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """A config section: ``extra="forbid"`` so a typo is reported, never ignored, and
    ``strict`` so ``port = "80"`` is a wrong type rather than a silent conversion; ``nan`` and
    ``inf`` are refused wherever a number is expected."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)
