"""The risk scales: likelihood 1–4 × consequence 1–4 = risk value 1–16, with labels and colour bands.

Labels and bands are each municipality's choice, so they come from configuration
(InternalControlSettings: the common municipal wording and our proposed bands by default).
"""

import re
from typing import Any, Self

from pydantic import BaseModel, Field, model_validator

SCALE = range(1, 5)
# The risk values a 4 × 4 matrix can produce: 1, 2, 3, 4, 6, 8, 9, 12 and 16.
VALUES = sorted({likelihood * consequence for likelihood in SCALE for consequence in SCALE})


class ScaleStep(BaseModel):
    level: int = Field(ge=1, le=4, examples=[3])
    label: str = Field(examples=["Möjlig"])


class Band(BaseModel):
    """A colour band over risk values, both ends included."""

    min_value: int = Field(ge=1, le=16, examples=[8])
    max_value: int = Field(ge=1, le=16, examples=[9])
    label: str = Field(min_length=1, examples=["Hög"])
    colour: str = Field(pattern=r"^#[0-9A-Fa-f]{6}$", examples=["#EF6C00"])

    def holds(self, value: int) -> bool:
        return self.min_value <= value <= self.max_value


class BandRef(BaseModel):
    """The band a risk value falls in, as shown next to it."""

    label: str = Field(examples=["Hög"])
    colour: str = Field(examples=["#EF6C00"])


class RiskScales(BaseModel):
    likelihood: list[ScaleStep] = Field(min_length=4, max_length=4)
    consequence: list[ScaleStep] = Field(min_length=4, max_length=4)
    bands: list[Band] = Field(min_length=1)

    @model_validator(mode="after")
    def _every_value_in_one_band(self) -> Self:
        # A misconfigured band set would leave a risk without a colour, or with two.
        for value in VALUES:
            holding = [band.label for band in self.bands if band.holds(value)]
            if len(holding) != 1:
                raise ValueError(f"risk value {value} must fall in exactly one band, not in {holding or 'none'}")
        return self

    def band_of(self, value: int) -> BandRef:
        band = next(band for band in self.bands if band.holds(value))
        return BandRef(label=band.label, colour=band.colour)


def _steps(labels: list[str]) -> list[ScaleStep]:
    return [ScaleStep(level=level, label=label) for level, label in enumerate(labels, start=1)]


_BAND = re.compile(r"^\s*(\d+)\s*-\s*(\d+)\s+(.+?)\s+(#[0-9A-Fa-f]{6})\s*$")


def parse_bands(text: str) -> list[Band]:
    """Bands written as an operator writes them in the environment:
    "1-3 Låg #2E7D32; 4-6 Medel #F9A825; 8-9 Hög #EF6C00; 12-16 Mycket hög #C62828"."""
    bands = []
    for part in text.split(";"):
        match = _BAND.match(part)
        if match is None:
            raise ValueError(f"a risk band is written 'from-to label #rrggbb', not {part.strip()!r}")
        low, high, label, colour = match.groups()
        bands.append(Band(min_value=int(low), max_value=int(high), label=label, colour=colour))
    return bands


def scales_of(settings: Any) -> RiskScales:
    """The configured scales (settings: risk_likelihood_labels, risk_consequence_labels, risk_bands)."""
    return RiskScales(
        likelihood=_steps(settings.risk_likelihood_labels),
        consequence=_steps(settings.risk_consequence_labels),
        bands=parse_bands(settings.risk_bands),
    )
