"""The default annual cycle (årshjul) as data: the seed's 22 steps (reference.md §4.1), the three
follow-up occasions with their period ends and deadlines (§4.2), and the headings each occasion's
reports carry (§4.3 b and c).

Which calendar year a step falls in. "The cycle of year Y" is the cycle of verksamhetsår Y: every
step that plans, decides, follows up and accounts for the budget year Y, in the order the seed
draws it. So a municipality finds under 2027 everything that makes 2027's goals and money and
everything that reports on them:
- planning (steps 1–15) happens in the two years before: the environment and current-state
  analyses start in October of Y−2 from that year's interim report, the council decides mål och
  budget for Y in June of Y−1, the boards their budget- och årsplan in October of Y−1, the
  administrations' and units' plans in November–December of Y−1;
- the follow-ups of Y (steps 16–22) run in Y and into Y+1: the forecast in March–June of Y, the
  interim report in August–October of Y, the boards' annual reports in December of Y–February of
  Y+1 and the council's årsredovisning in March of Y+1.
A calendar year therefore holds steps of three cycles (an autumn has Y's interim report beside
Y+1's board plans and Y+2's first analyses); the calendar feed of each cycle shows its own.

The headings are the narrative parts of a report, written by its author under each heading. The
parts the other services supply (goal assessments, indicator outcomes, KF assignments,
reallocations) are not headings: the report gathers them itself. Required (✓) and optional ((✓))
follow table 4.3(b) for the board's report, which units and administrations share by default (they
report to their board on the same occasions, and the board writes its report from theirs); the
municipal report has its own: for ANNUAL the förvaltningsberättelse's headings of §4.3(c).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from followup_service.levels import ReportLevel
from styrkedjan_common.occasions import FollowupOccasion

CONDITIONAL_STEP, AMENDMENT_STEP = 11, 14  # step 14 follows only a council amendment (step 11) that year
STEP_STATUSES = ("PLANNED", "IN_PROGRESS", "DONE")
RESPONSIBLE_LEVELS = ("council", "executive_board", "board", "administration", "unit")


@dataclass(frozen=True)
class Month:
    """A month relative to the cycle's year: offset −2, −1, 0 or +1, and the month."""

    offset: int
    month: int

    def first_day(self, year: int) -> dt.date:
        return dt.date(year + self.offset, self.month, 1)

    def last_day(self, year: int) -> dt.date:
        actual = year + self.offset
        return dt.date(actual, self.month, calendar.monthrange(actual, self.month)[1])


@dataclass(frozen=True)
class StepTemplate:
    number: int
    months: str
    start: Month
    end: Month
    name_sv: str
    name_en: str
    question: str
    inflow: str
    result: str
    responsible: str
    responsible_level: str
    conditional: bool = False
    occasion: FollowupOccasion | None = None

    def planned_start(self, year: int) -> dt.date:
        return self.start.first_day(year)

    def planned_end(self, year: int) -> dt.date:
        return self.end.last_day(year)


def _m(offset: int, month: int) -> Month:
    return Month(offset, month)


F, INT, A = FollowupOccasion.FORECAST, FollowupOccasion.INTERIM, FollowupOccasion.ANNUAL
_SAME_AS_4 = "Vad ska uppnås politiskt, vad prioriteras och vad får det kosta?"

STEPS: tuple[StepTemplate, ...] = (
    StepTemplate(
        1, "Oct–Jan", _m(-2, 10), _m(-1, 1),
        "Omvärlds- och nulägesanalyser", "Environment and current-state analyses",
        "Hur ser nuläget, den förväntade utvecklingen och de ekonomiska förutsättningarna ut per nämnd/verksamhet?",
        "Delårsrapport (uppföljning och analys av resultat från föregående år), trender och utveckling i omvärlden, "
        "behov framåt avseende verksamhet och ekonomi",
        "Nulägeskarta och förväntad utveckling från respektive nämnd/förvaltning, samt kommunövergripande omvärldsanalys",
        "Respektive nämnd/förvaltning; kommunövergripande omvärldsanalys", "board",
    ),
    StepTemplate(
        2, "Jan", _m(-1, 1), _m(-1, 1),
        "Omvärldsdagen", "Environment-scan day",
        "Vilka trender, utmaningar och möjligheter står vi inför?",
        "Omvärlds- och nulägesanalys",
        "Sammanställning av möjligheter och utmaningar inför mål- och budgetprocessen",
        "Förtroendevalda (inkl. oppositionen), förvaltningschefer, bolagsdirektörer och nyckelpersoner", "executive_board",
    ),
    StepTemplate(
        3, "Feb", _m(-1, 2), _m(-1, 2),
        "Planeringsförutsättningar", "Planning assumptions",
        "Hur ser de samlade ekonomiska och verksamhetsmässiga förutsättningarna för det kommande verksamhetsåret ut?",
        "Nulägeskartor och underlag från omvärldsdagen",
        "Kommunstyrelsens beslut om planeringsförutsättningar",
        "Kommunstyrelsen", "executive_board",
    ),
    StepTemplate(
        4, "Mar–Apr", _m(-1, 3), _m(-1, 4),
        "Beredning av mål- och budget", "Preparing goals and budget",
        _SAME_AS_4,
        "Beslutade planeringsförutsättningar",
        "Politiska prioriteringar och underlag till mål- och budget",
        "Budgetberedningen, rapporterar till kommunstyrelsen; dialog med kommunledningsgruppen", "executive_board",
    ),
    StepTemplate(
        5, "Apr", _m(-1, 4), _m(-1, 4),
        "Budgetdagen", "Budget day", "",
        "Planeringsförutsättningar och politiska prioriteringar",
        "Underlag till budgetberedningens förslag",
        "Politisk ledning inkl. nämndordförande, med respektive förvaltningsledning", "executive_board",
    ),
    StepTemplate(
        6, "May", _m(-1, 5), _m(-1, 5),
        "Beslutsprocess mål- och budget", "Executive board's decision process", "",
        "Budgetberedningens underlag",
        "Kommunstyrelsens förslag till mål- och budget",
        "Kommunstyrelsens förvaltning bereder; kommunstyrelsen beslutar", "executive_board",
    ),
    StepTemplate(
        7, "Jun", _m(-1, 6), _m(-1, 6),
        "Beslut mål- och budget", "Council's decision on goals and budget", "",
        "Kommunstyrelsens förslag",
        "Kommunfullmäktiges beslutade mål- och budget: treårsperspektiv med fokus på nästa budgetår",
        "Kommunfullmäktige", "council",
    ),
    StepTemplate(
        8, "Jun–Sep", _m(-1, 6), _m(-1, 9),
        "Risk- och väsentlighetsanalys intern kontroll", "Risk and materiality analysis (internal control)", "",
        "Identifierade ekonomiska och verksamhetsmässiga risker",
        "Riskanalys och underlag till internkontrollplan",
        "Förvaltningar/verksamheter", "administration",
    ),
    StepTemplate(
        9, "Jun–Sep", _m(-1, 6), _m(-1, 9),
        "Beredning av budget- och årsplan", "Preparing the board's budget and annual plan",
        _SAME_AS_4,
        "Kommunfullmäktiges mål- och budget",
        "Politiska prioriteringar och utkast till budget- och årsplan",
        "Nämnd med förvaltning; avstämning i budgetberedningen i september", "board",
    ),
    StepTemplate(
        10, "Oct", _m(-1, 10), _m(-1, 10),
        "Beslut om budget- och årsplan", "Board's decision on its budget and annual plan", "",
        "Förvaltningens förslag",
        "Beslutad budget- och årsplan (treårsperspektiv), rapporteras till kommunstyrelsen och vidare till fullmäktige",
        "Respektive nämnd/styrelse", "board",
    ),
    StepTemplate(
        11, "Oct–Nov", _m(-1, 10), _m(-1, 11),
        "Ändringsbeslut mål- och budget (vid behov)", "Council's amendment of goals and budget (if needed)", "",
        "Reviderade förutsättningar och prognoser nationellt",
        "Kommunfullmäktiges ändringsbeslut; leder till ändringsbeslut av budget- och årsplan",
        "Kommunfullmäktige", "council", conditional=True,
    ),
    StepTemplate(
        12, "Oct–Nov", _m(-1, 10), _m(-1, 11),
        "Verksamhetsplan förvaltning", "Administration's operational plan", "",
        "Nämndernas budget- och årsplaner för kommande år",
        "Verksamhetsplan per förvaltning",
        "Förvaltningen (fastställs av förvaltningschefen)", "administration",
    ),
    StepTemplate(
        13, "Nov–Dec", _m(-1, 11), _m(-1, 12),
        "Internkontrollplan", "Internal control plan", "",
        "Risk- och väsentlighetsanalysen samt eventuella kommungemensamma kontrollpunkter",
        "Internkontrollplan för nästa år; utkast i oktober, nämndens beslut senast i december",
        "Respektive nämnd/styrelse", "board",
    ),
    StepTemplate(
        14, "Nov–Dec", _m(-1, 11), _m(-1, 12),
        "Ändringsbeslut budget- och årsplan (efter ändringsbeslut mål- och budget)", "Amendment of the board's plan", "",
        "Kommunfullmäktiges ändringsbeslut",
        "Ändrad budget- och årsplan",
        "Respektive nämnd", "board", conditional=True,
    ),
    StepTemplate(
        15, "Nov–Dec", _m(-1, 11), _m(-1, 12),
        "Verksamhetsplan respektive verksamhet", "Unit plans", "",
        "Förvaltningens verksamhetsplan",
        "Plan per område/enhet, nedbruten i varje medarbetares plan i medarbetarsamtalet",
        "Närmast ansvarig chef", "unit",
    ),
    StepTemplate(
        16, "Mar–Apr", _m(0, 3), _m(0, 4),
        "Beredning resultatprognos", "Preparing the result forecast", "",
        "Uppföljning av budget- och årsplaner samt mål- och budget",
        "Sammanställd prognos: ekonomiskt periodutfall och helårsprognos, avstämning av större projekt, "
        "kvalitetsfaktorer och riktning för målen; nämnderna skickar prognos och sammanfattning till kommunstyrelsen",
        "Nämnder/styrelser", "board", occasion=F,
    ),
    StepTemplate(
        17, "May–Jun", _m(0, 5), _m(0, 6),
        "Rapportering resultatprognos", "Reporting the result forecast", "",
        "Sammanställd prognos per nämnd och bolag",
        "Kommunens fastställda prognos: nämnderna beslutar i maj, fullmäktige i juni",
        "Nämnder, därefter kommunfullmäktige", "board", occasion=F,
    ),
    StepTemplate(
        18, "Aug–Sep", _m(0, 8), _m(0, 9),
        "Beredning delårsrapport", "Preparing the interim report",
        "Uppföljning och analys av mål, grunduppdrag och ekonomi",
        "Uppföljning av budget- och årsplaner samt mål- och budget",
        "Sammanställd delårsrapport per nämnd: mål, utfall och helårsprognos för resultat och måluppfyllelse, "
        "resultaträkning, balansräkning, finansieringsanalys; nämndens verksamhetsberättelse; större pågående projekt",
        "Nämnder", "board", occasion=INT,
    ),
    StepTemplate(
        19, "Sep–Oct", _m(0, 9), _m(0, 10),
        "Beslut delårsrapport", "Interim report decisions", "",
        "Sammanställd delårsrapport per nämnd och bolag",
        "Nämnderna fastställer sin rapport per augusti i september; med en kommunövergripande del blir den "
        "delårsrapporten som fullmäktige fastställer i oktober; uppföljningsdialoger hålls",
        "Nämnder, kommunfullmäktige", "board", occasion=INT,
    ),
    StepTemplate(
        20, "Dec–Feb", _m(0, 12), _m(1, 2),
        "Beredning årsrapport och årsredovisning", "Preparing the annual reports",
        "Årlig redovisning av mål, grunduppdrag och ekonomi",
        "Uppföljning av budget- och årsplaner samt mål- och budget",
        "Sammanställda årsrapporter per nämnd och bolag: grunduppdrag, mål och ekonomiskt resultat",
        "Nämnder, bolag", "board", occasion=A,
    ),
    StepTemplate(
        21, "Feb", _m(1, 2), _m(1, 2),
        "Beslut årsrapport nämnder/styrelse", "Boards' annual report decisions",
        "Redovisning av måluppfyllelse, grunduppdrag och ekonomi",
        "Sammanställda årsrapporter",
        "Nämndens del av förvaltningsberättelsen, fastställd som årsrapport, med uppföljningen av "
        "internkontrollplanen; uppföljningsdialoger hålls; sammanställd årsredovisning för kommunen",
        "Nämnder", "board", occasion=A,
    ),
    StepTemplate(
        22, "Mar", _m(1, 3), _m(1, 3),
        "Beslut årsredovisning", "Council's decision on the annual report",
        "Kommunens samlade redovisning av mål, grunduppdrag och ekonomi för året",
        "Sammanställd årsredovisning",
        "Kommunfullmäktige fastställer kommunens årsredovisning",
        "Kommunfullmäktige", "council", occasion=A,
    ),
)  # fmt: skip

STEP_NUMBERS = tuple(step.number for step in STEPS)


# --- occasions -----------------------------------------------------------------------------------

FORECAST_PERIOD_ENDS = ((3, 31), (4, 30))  # the seed says both: after the first three months, and "after April"
STATUTORY_WINDOW = ((6, 30), (8, 31))  # LKBR 13 kap. 1 §: at least half and at most two thirds of the year
DEADLINE_FIELDS = ("unit_deadline", "administration_deadline", "board_deadline", "executive_board_deadline", "council_deadline")


@dataclass(frozen=True)
class OccasionDefaults:
    """An occasion's defaults: its period end and the deadline of each level, as (offset, month,
    day) from the occasion's year, and the months the board and the council decide in (a deadline
    outside them is allowed, with a warning)."""

    kind: FollowupOccasion
    period_end: tuple[int, int]
    statutory: bool
    deadlines: dict[str, tuple[int, int, int]]
    board_months: tuple[tuple[int, int], ...]
    council_months: tuple[tuple[int, int], ...]

    def dates(self, year: int) -> dict[str, dt.date]:
        return {name: _day(year, *when) for name, when in self.deadlines.items()}


def _day(year: int, offset: int, month: int, day: int) -> dt.date:
    actual = year + offset
    return dt.date(actual, month, min(day, calendar.monthrange(actual, month)[1]))


OCCASIONS: dict[FollowupOccasion, OccasionDefaults] = {
    F: OccasionDefaults(
        F,
        (4, 30),
        False,
        {
            "unit_deadline": (0, 5, 8),
            "administration_deadline": (0, 5, 15),
            "board_deadline": (0, 5, 31),  # the boards decide in May
            "executive_board_deadline": (0, 6, 10),
            "council_deadline": (0, 6, 30),  # KF adopts in June
        },
        board_months=((0, 5),),
        council_months=((0, 6),),
    ),
    INT: OccasionDefaults(
        INT,
        (8, 31),
        True,
        {
            "unit_deadline": (0, 9, 8),
            "administration_deadline": (0, 9, 15),
            "board_deadline": (0, 9, 30),  # the boards decide in September
            "executive_board_deadline": (0, 10, 10),
            "council_deadline": (0, 10, 31),  # KF in October; KL 11 kap. 16 §: within two months of the period end
        },
        board_months=((0, 9),),
        council_months=((0, 10),),
    ),
    A: OccasionDefaults(
        A,
        (12, 31),
        False,
        {
            "unit_deadline": (1, 1, 15),
            "administration_deadline": (1, 1, 31),
            "board_deadline": (1, 2, 29),  # the boards decide in February (the last day of it)
            "executive_board_deadline": (1, 3, 10),
            "council_deadline": (1, 3, 31),  # KF adopts in March, by April at the latest
        },
        board_months=((1, 2),),
        council_months=((1, 3), (1, 4)),
    ),
}


# --- headings --------------------------------------------------------------------------------------

REQUIRED, OPTIONAL, ABSENT = "required", "optional", None
OWN_LEVELS = (ReportLevel.UNIT.value, ReportLevel.ADMINISTRATION.value, ReportLevel.BOARD.value)
MUNICIPAL = (ReportLevel.MUNICIPAL.value,)

# Table 4.3(b): key, titles, and (FORECAST, INTERIM, ANNUAL).
BOARD_HEADINGS: tuple[tuple[str, str, str, tuple[str | None, str | None, str | None]], ...] = (
    ("core_mission", "Grunduppdrag och verksamhetsbeskrivning", "Core mission", (REQUIRED, REQUIRED, REQUIRED)),
    ("important_events", "Väsentliga händelser", "Important events", (OPTIONAL, REQUIRED, REQUIRED)),
    ("economy", "Ekonomi", "Economy", (REQUIRED, REQUIRED, REQUIRED)),
    ("investments", "Investeringar", "Investments", (OPTIONAL, REQUIRED, REQUIRED)),
    ("major_projects", "Större projekt", "Major projects", (REQUIRED, REQUIRED, OPTIONAL)),
    ("quality_factors", "Kritiska kvalitetsfaktorer och nyckeltal", "Critical quality factors and key figures", (REQUIRED, REQUIRED, REQUIRED)),
    ("internal_control", "Intern kontroll", "Internal control", (OPTIONAL, OPTIONAL, REQUIRED)),
    ("staff", "Personal", "Staff", (ABSENT, REQUIRED, REQUIRED)),
    ("private_providers", "Uppföljning av privata utförare", "Private providers", (ABSENT, ABSENT, OPTIONAL)),
    ("geh_goals", "Verksamhetsmål för god ekonomisk hushållning", "Operational goals for sound financial management", (OPTIONAL, REQUIRED, REQUIRED)),
    ("future", "Förväntad utveckling", "Expected development", (ABSENT, REQUIRED, REQUIRED)),
)  # fmt: skip

# §4.3(c): the executive board's compilation for the council.
MUNICIPAL_HEADINGS: dict[FollowupOccasion, tuple[tuple[str, str, str, str], ...]] = {
    F: (
        ("municipal_forecast", "Kommunens prognostiserade resultat", "The municipality's forecast result", REQUIRED),
        ("tax_revenue_forecast", "Skatteintäkter och avvikelse per nämnd", "Tax revenue forecast and deviation per board", OPTIONAL),
    ),
    INT: (
        ("expected_development", "Förväntad utveckling mot målen för god ekonomisk hushållning", "Expected development against the GEH goals", REQUIRED),
        ("balance_requirement_forecast", "Balanskravsresultat enligt helårsprognos", "Balance requirement result, full-year forecast", REQUIRED),
        ("income_statement", "Resultaträkning", "Income statement", REQUIRED),
        ("balance_sheet", "Balansräkning", "Balance sheet", REQUIRED),
        ("financing_analysis", "Finansieringsanalys", "Financing analysis", OPTIONAL),
        ("major_projects", "Större pågående projekt", "Major ongoing projects", OPTIONAL),
    ),
    A: (
        ("group", "Den kommunala koncernen", "The municipal group", REQUIRED),
        ("development_overview", "Översikt över verksamhetens utveckling", "Overview of development", REQUIRED),
        ("key_factors", "Viktiga förhållanden för resultat och ekonomisk ställning", "Key factors for result and financial position", REQUIRED),
        ("significant_events", "Händelser av väsentlig betydelse", "Significant events", REQUIRED),
        ("governance", "Styrning och uppföljning av den kommunala verksamheten", "Governance and follow-up", REQUIRED),
        ("sound_financial_management", "God ekonomisk hushållning och ekonomisk ställning", "Sound financial management and financial position", REQUIRED),
        ("balance_requirement", "Balanskravsresultat", "Balance requirement result", REQUIRED),
        ("personnel", "Väsentliga personalförhållanden", "Significant personnel matters", REQUIRED),
        ("expected_development", "Förväntad utveckling", "Expected development", REQUIRED),
        ("private_providers", "Privata utförare", "Private providers", REQUIRED),
    ),
}  # fmt: skip

_ORDER = {F: 0, INT: 1, A: 2}


def default_headings(kind: FollowupOccasion) -> list[dict[str, Any]]:
    """The headings an occasion's reports carry by default, in the order a report shows them:
    {"key", "title_sv", "title_en", "required", "levels"}. Keys are unique within an occasion: a
    municipal heading that shares a board heading's name gets the prefix `municipal_`."""
    column = _ORDER[kind]
    headings = [
        {"key": key, "title_sv": sv, "title_en": en, "required": marks[column] == REQUIRED, "levels": list(OWN_LEVELS)}
        for key, sv, en, marks in BOARD_HEADINGS
        if marks[column] is not ABSENT
    ]
    taken = {h["key"] for h in headings}
    for key, sv, en, mark in MUNICIPAL_HEADINGS[kind]:
        unique = f"municipal_{key}" if key in taken else key
        headings.append({"key": unique, "title_sv": sv, "title_en": en, "required": mark == REQUIRED, "levels": list(MUNICIPAL)})
    return headings
