"""The assessment scale's request and response bodies."""

from pydantic import BaseModel, Field

from styrkedjan_common.schemas import InputModel

MIN_LEVELS, MAX_LEVELS = 2, 7


class ScaleLevelWrite(InputModel):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Z][A-Z0-9_]*$", examples=["UPPFYLLT"])
    label_sv: str = Field(min_length=1, max_length=100, examples=["Uppfyllt"])
    label_en: str = Field(default="", max_length=100, examples=["Fulfilled"])
    colour: str = Field(pattern=r"^#[0-9a-fA-F]{6}$", examples=["#2e7d32"], description="#rrggbb")
    assessed: bool = Field(default=True, description="False for a level that is no assessment (ej bedömt): it needs a reason when used")


class ScaleLevelRead(BaseModel):
    code: str
    label_sv: str
    label_en: str
    colour: str
    position: int = Field(description="The level's place on the scale, from 0 (the best)")
    assessed: bool


class ScaleWrite(InputModel):
    """The whole scale, best level first; it replaces the scale in force."""

    levels: list[ScaleLevelWrite] = Field(min_length=MIN_LEVELS, max_length=MAX_LEVELS)


class ScaleRead(BaseModel):
    levels: list[ScaleLevelRead]
    default: bool = Field(description="True while no scale has been stored: the styrmodell's default is in force")
