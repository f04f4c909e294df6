"""The demo year: a living municipality of this year, made through the services' own APIs.

    python -m tools.demo_year --gateway http://127.0.0.1:8000     (the run command does this itself)

Everything goes through the gateway, as the demo user whose role the step belongs to: the council
(kf.demo) sets the vision, the mandate period, the indicator catalogue, the five municipal goals,
the allocation model and the budget decided with frames from its run, imports the actuals of the
months passed and adopts the municipal follow-up reports; each board (namnd.demo for the
Barn- och utbildningsnämnden, a chair registered by admin.demo for each other board) decides its
goals with indicators, targets and outcomes, its activities, its allocation, its forecasts, its
control plan with results and its follow-up reports; Parkskolan (enhet.demo) and its administration
(forvaltning.demo) submit theirs. The year's FORECAST and INTERIM follow-ups are decided, with a
follow-up dialogue held on the interim report; the ANNUAL one is in progress.

The content is fixed (no randomness), so the demo looks the same every time; what depends on the
date is only what has happened by today: the outcomes of the tertials and the actuals of the
months that have ended, and decisions dated no later than today.

Idempotent: the follow-up dialogue is made last, so a year that has it is left as it is. A year
with a budget but no dialogue was left half made (an earlier seed stopped): that is refused with
the reason, as guessing which half exists could only make it worse.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx

DIRECTORY = "/api/directory/v1"
GOALS = "/api/goals/v1"
BUDGET = "/api/budget/v1"
IC = "/api/internal-control/v1"
FOLLOWUP = "/api/followup/v1"
PAGE = 200

COUNCIL_SUBJECT = "kf.demo"
ADMIN_SUBJECT = "admin.demo"
ADMINISTRATION_SUBJECT = "forvaltning.demo"
UNIT_SUBJECT = "enhet.demo"
COUNCIL = "Kommunfullmäktige"
DIALOGUE_TITLE = "Uppföljningsdialog om delårsrapporten"


class DemoYearError(RuntimeError):
    """The demo year could not be made; the message says why."""


# --- content ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    name: str
    unit: str
    frequency: str  # YEARLY or TERTIAL
    lower_is_better: bool = False
    gender_split: bool = False


@dataclass(frozen=True)
class Value:
    total: str
    women: str | None = None
    men: str | None = None

    def body(self) -> dict[str, str]:
        if self.women is None or self.men is None:
            return {"total": self.total}
        return {"total": self.total, "women": self.women, "men": self.men}


@dataclass(frozen=True)
class Followed:
    """An indicator a goal is followed by: the year's target and the outcomes, in period order (a
    tertial indicator's T1, T2, T3; a yearly one's outcome of the year before)."""

    indicator: Indicator
    target: Value
    outcomes: tuple[Value, ...]


@dataclass(frozen=True)
class Goal:
    title: str
    perspective: str
    followed: Followed
    level: str  # the follow-up's assessment: UPPFYLLT, DELVIS_UPPFYLLT or EJ_UPPFYLLT
    analysis: str
    serves: int = 0  # the municipal goal (index) a board goal serves; a unit goal serves its board's first


@dataclass(frozen=True)
class Activity:
    title: str
    description: str
    goal: int  # the board goal (index) it serves
    status: str
    months: tuple[int, int]  # first and last month of the year


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    share: str  # of the board's operating frame allocated to the area


@dataclass(frozen=True)
class Control:
    area: str
    what_is_checked: str
    method: str
    deviation: str | None = None  # found at the first tertial's check; followed by an action


@dataclass(frozen=True)
class Board:
    short: str
    chair: str  # the namnd user who decides for the board
    chair_name: str
    mission: str  # the core mission's idea and responsibilities
    legislation: tuple[str, ...]
    base_frame: str  # the allocation model's base, before demography, prices, wages and efficiency
    investment_frame: str
    forecast_share: str  # the full-year forecast against the frame
    forecast_comment: str
    goals: tuple[Goal, ...]
    activities: tuple[Activity, ...]
    areas: tuple[Area, ...]
    controls: tuple[Control, ...]


CITIZEN_INDEX = Indicator("Nöjd medborgarindex", "index", "YEARLY")
GRADES = Indicator("Andel elever i årskurs 9 med godkända betyg i alla ämnen", "%", "YEARLY", gender_split=True)
ELDERLY_CARE = Indicator("Brukarbedömning särskilt boende äldreomsorg, helhetssyn", "%", "YEARLY", gender_split=True)
SICK_LEAVE = Indicator("Sjukfrånvaro bland kommunens medarbetare", "%", "TERTIAL", lower_is_better=True, gender_split=True)
RESULT_SHARE = Indicator("Resultat i förhållande till skatteintäkter och generella statsbidrag", "%", "YEARLY")
E_SERVICES = Indicator("Andel ärenden som startas via e-tjänst", "%", "TERTIAL")
BUDGET_DEVIATION = Indicator("Nämndernas sammanlagda budgetavvikelse", "%", "TERTIAL", lower_is_better=True)
READING = Indicator("Andel elever i årskurs 3 som läser på egen hand", "%", "TERTIAL", gender_split=True)
SAFE_AT_SCHOOL = Indicator("Andel elever som känner sig trygga i skolan", "%", "TERTIAL", gender_split=True)
HOME_CARE = Indicator("Andel brukare som är nöjda med hemtjänsten", "%", "TERTIAL", gender_split=True)
SELF_SUPPORT = Indicator("Andel avslutade försörjningsstöd till arbete eller studier", "%", "TERTIAL")
YOUTH_VISITS = Indicator("Genomsnittligt antal besökare per kväll på fritidsgårdarna", "antal", "TERTIAL", gender_split=True)
LOANS = Indicator("Andel invånare med aktivt lånekort", "%", "TERTIAL")
PERMIT_DAYS = Indicator("Genomsnittlig handläggningstid för bygglov", "dagar", "TERTIAL", lower_is_better=True)
INSPECTIONS = Indicator("Andel tillsynsärenden avslutade inom tre månader", "%", "TERTIAL")


def sick_leave(target: str, *outcomes: tuple[str, str, str]) -> Followed:
    return Followed(SICK_LEAVE, Value(target), tuple(Value(*o) for o in outcomes))


VISION = {
    "text": "Hallstahammar – en plats att leva, verka och bo på, där alla får växa och ingen lämnas utanför.",
    "core_values": [
        {"name": "Delaktighet", "description": "Vi involverar dem vi finns till för."},
        {"name": "Respekt", "description": "Vi bemöter varandra och invånarna med respekt."},
        {"name": "Engagemang", "description": "Vi tar ansvar för helheten och för att utveckla verksamheten."},
    ],
}
VISION_HORIZON_YEARS = 12

MUNICIPAL_GOALS = (
    Goal(
        "Fler barn och unga lyckas i skolan",
        "OPERATIONS",
        Followed(GRADES, Value("78", "80", "76"), (Value("74.2", "77.9", "70.8"),)),
        "DELVIS_UPPFYLLT",
        "Resultaten i årskurs 9 förbättras men skillnaden mellan flickor och pojkar består.",
    ),
    Goal(
        "Äldre får en trygg och värdig vardag",
        "OPERATIONS",
        Followed(ELDERLY_CARE, Value("85", "85", "85"), (Value("83", "84", "81"),)),
        "DELVIS_UPPFYLLT",
        "Brukarna är nöjda med bemötandet; kontinuiteten i hemtjänsten behöver bli bättre.",
    ),
    Goal(
        "Hallstahammar är en attraktiv kommun att bo och leva i",
        "OPERATIONS",
        Followed(CITIZEN_INDEX, Value("60"), (Value("58"),)),
        "UPPFYLLT",
        "Medborgarindex ökar för tredje året i rad, främst för fritid och kultur.",
    ),
    Goal(
        "Kommunen är en attraktiv arbetsgivare med friska medarbetare",
        "EMPLOYEES",
        sick_leave("6.5", ("7.1", "8.2", "4.3"), ("6.8", "7.8", "4.1"), ("6.6", "7.6", "4.0")),
        "DELVIS_UPPFYLLT",
        "Sjukfrånvaron minskar, men är fortsatt hög bland kvinnor i vård och omsorg.",
    ),
    Goal(
        "En ekonomi i balans som ger utrymme för framtidens välfärd",
        "FINANCE",
        Followed(RESULT_SHARE, Value("2"), (Value("1.4"),)),
        "DELVIS_UPPFYLLT",
        "Resultatet är positivt men under målet på två procent; socialnämndens underskott väger tungt.",
    ),
)

BOARDS = (
    Board(
        "KS",
        "ks.ordforande.demo",
        "Karl Styrelse (demo)",
        "Kommunstyrelsen leder och samordnar kommunens verksamhet och ekonomi och har uppsikt över nämnder och bolag.",
        ("Kommunallag (2017:725)",),
        "128000000.00",
        "18000000.00",
        "0.985",
        "Vakanser inom kansliet och lägre kostnader för IT-licenser.",
        (
            Goal(
                "Fler invånare och företag använder kommunens e-tjänster",
                "OPERATIONS",
                Followed(E_SERVICES, Value("45"), (Value("38"), Value("42"), Value("44"))),
                "DELVIS_UPPFYLLT",
                "Nya e-tjänster för bygglov och skolval har ökat andelen; målet nås inte helt i år.",
                serves=2,
            ),
            Goal(
                "Sjukfrånvaron i kommunstyrelsens verksamheter minskar",
                "EMPLOYEES",
                sick_leave("4.5", ("4.9", "5.6", "3.9"), ("4.4", "5.0", "3.6"), ("4.3", "4.9", "3.5")),
                "UPPFYLLT",
                "Det förebyggande arbetsmiljöarbetet ger resultat; sjukfrånvaron är under målet.",
                serves=3,
            ),
            Goal(
                "Nämnderna håller sina budgetramar",
                "FINANCE",
                Followed(BUDGET_DEVIATION, Value("0"), (Value("1.2"), Value("0.9"), Value("0.7"))),
                "EJ_UPPFYLLT",
                "Socialnämnden prognostiserar ett underskott; kommunstyrelsen har begärt en åtgärdsplan.",
                serves=4,
            ),
        ),
        (
            Activity("Ny webbplats med självservice", "Webbplatsen görs om med e-tjänster i fokus.", 0, "ONGOING", (2, 11)),
            Activity("Friskvårdssatsning för medarbetare", "Friskvårdsbidraget höjs och hälsoinspiratörer utbildas.", 1, "DONE", (1, 6)),
        ),
        (Area("KS-STAB", "Kommunledning och stab", "0.55"), Area("KS-TEKN", "Teknik och service", "0.43")),
        (
            Control("Upphandling", "Att direktupphandlingar över 100 000 kr dokumenteras", "Stickprov på tio direktupphandlingar"),
            Control(
                "Informationssäkerhet", "Att behörigheter i ekonomisystemet ses över två gånger per år", "Genomgång av behörighetslistor"
            ),
        ),
    ),
    Board(
        "BUN",
        "namnd.demo",
        "Nils Nämnd (demo)",
        "Nämnden ansvarar för förskola, grundskola, gymnasieskola och vuxenutbildning i kommunen.",
        ("Skollag (2010:800)",),
        "175000000.00",
        "25000000.00",
        "1.004",
        "Fler elever i grundsärskolan och ökade skolskjutskostnader.",
        (
            Goal(
                "Fler elever läser på egen hand i årskurs 3",
                "OPERATIONS",
                Followed(READING, Value("85", "85", "85"), (Value("79", "82", "76"), Value("82", "84", "80"), Value("84", "86", "82"))),
                "DELVIS_UPPFYLLT",
                "Lässatsningen i årskurs 1–3 ger effekt; pojkarnas läsförmåga ökar mest.",
                serves=0,
            ),
            Goal(
                "Barn och elever känner sig trygga i förskola och skola",
                "OPERATIONS",
                Followed(
                    SAFE_AT_SCHOOL, Value("90", "90", "90"), (Value("88", "87", "89"), Value("91", "90", "92"), Value("91", "91", "91"))
                ),
                "UPPFYLLT",
                "Tryggheten ökar efter arbetet med rastvärdar och tydligare ordningsregler.",
                serves=0,
            ),
            Goal(
                "Sjukfrånvaron bland förskolans och skolans medarbetare minskar",
                "EMPLOYEES",
                sick_leave("6.0", ("7.3", "8.1", "4.2"), ("6.6", "7.4", "3.9"), ("6.2", "6.9", "3.8")),
                "DELVIS_UPPFYLLT",
                "Sjukfrånvaron minskar i förskolan men ligger kvar på en hög nivå i grundskolan.",
                serves=3,
            ),
        ),
        (
            Activity("Lässatsning i årskurs 1–3", "Läsombud på varje skola och daglig högläsning.", 0, "ONGOING", (1, 12)),
            Activity("Rastvärdar på alla skolor", "Vuxna finns på skolgården under alla raster.", 1, "DONE", (1, 6)),
        ),
        (
            Area("BUN-FSK", "Förskola", "0.28"),
            Area("BUN-GRS", "Grundskola", "0.50"),
            Area("BUN-GYV", "Gymnasium och vuxenutbildning", "0.20"),
        ),
        (
            Control("Skolplikt", "Att elever med hög frånvaro uppmärksammas och anmäls till rektor", "Genomgång av frånvarorapporter"),
            Control(
                "Kränkande behandling",
                "Att anmälningar om kränkande behandling utreds skyndsamt",
                "Stickprov på anmälningar",
                deviation="Fyra av femton anmälningar utreddes inte inom två veckor.",
            ),
        ),
    ),
    Board(
        "SN",
        "sn.ordforande.demo",
        "Sara Social (demo)",
        "Nämnden ansvarar för äldreomsorg, individ- och familjeomsorg och stöd till personer med funktionsnedsättning.",
        ("Socialtjänstlag (2001:453)", "Lag (1993:387) om stöd och service till vissa funktionshindrade"),
        "298000000.00",
        "9000000.00",
        "1.018",
        "Ökade kostnader för externa placeringar och fler timmar i hemtjänsten.",
        (
            Goal(
                "Fler brukare är nöjda med hemtjänsten",
                "OPERATIONS",
                Followed(HOME_CARE, Value("90", "90", "90"), (Value("86", "87", "84"), Value("88", "89", "86"), Value("89", "90", "87"))),
                "DELVIS_UPPFYLLT",
                "Färre personal per brukare har ökat nöjdheten; målet nås nästan.",
                serves=1,
            ),
            Goal(
                "Fler personer med försörjningsstöd går till arbete eller studier",
                "OPERATIONS",
                Followed(SELF_SUPPORT, Value("40"), (Value("31"), Value("34"), Value("36"))),
                "EJ_UPPFYLLT",
                "Arbetsmarknaden har försvagats; samarbetet med arbetsmarknadsenheten förstärks.",
                serves=4,
            ),
            Goal(
                "Sjukfrånvaron inom vård och omsorg minskar",
                "EMPLOYEES",
                sick_leave("7.5", ("9.1", "10.2", "5.4"), ("8.6", "9.6", "5.1"), ("8.2", "9.1", "5.0")),
                "EJ_UPPFYLLT",
                "Sjukfrånvaron minskar något men ligger långt över målet, särskilt bland kvinnor.",
                serves=3,
            ),
        ),
        (
            Activity("Kontinuitet i hemtjänsten", "Fasta team per område så att brukaren möter färre personal.", 0, "ONGOING", (1, 12)),
            Activity("Jobbspår för personer med försörjningsstöd", "Praktik och studier tillsammans med AME.", 1, "ONGOING", (3, 12)),
        ),
        (
            Area("SN-AO", "Äldreomsorg", "0.62"),
            Area("SN-IFO", "Individ- och familjeomsorg", "0.22"),
            Area("SN-FST", "Funktionsstöd", "0.16"),
        ),
        (
            Control(
                "Myndighetsutövning",
                "Att beslut om bistånd fattas inom lagstadgad tid",
                "Stickprov på tjugo biståndsbeslut",
                deviation="Tre av tjugo beslut fattades efter lagstadgad tid.",
            ),
            Control(
                "Läkemedelshantering", "Att avvikelser i läkemedelshanteringen rapporteras och åtgärdas", "Genomgång av avvikelserapporter"
            ),
        ),
    ),
    Board(
        "KFN",
        "kfn.ordforande.demo",
        "Klara Kultur (demo)",
        "Nämnden ansvarar för bibliotek, kulturverksamhet, fritidsgårdar och stöd till föreningslivet.",
        ("Bibliotekslag (2013:801)",),
        "14000000.00",
        "4000000.00",
        "0.996",
        "Lägre kostnader för evenemang under sommaren.",
        (
            Goal(
                "Fler barn och unga deltar i fritidsaktiviteter",
                "OPERATIONS",
                Followed(
                    YOUTH_VISITS, Value("45", "20", "25"), (Value("41", "17", "24"), Value("47", "21", "26"), Value("46", "21", "25"))
                ),
                "UPPFYLLT",
                "Fritidsgårdarnas nya öppettider och tjejkvällar har ökat besöken, även bland flickor.",
                serves=2,
            ),
            Goal(
                "Biblioteket når fler invånare",
                "OPERATIONS",
                Followed(LOANS, Value("40"), (Value("37"), Value("39"), Value("41"))),
                "DELVIS_UPPFYLLT",
                "Fler invånare har lånekort sedan meröppet infördes; målet nås nästan.",
                serves=2,
            ),
        ),
        (Activity("Meröppet bibliotek", "Biblioteket är tillgängligt med lånekort även när det är obemannat.", 1, "DONE", (1, 5)),),
        (Area("KFN-KULT", "Kultur och bibliotek", "0.55"), Area("KFN-FRIT", "Fritid", "0.43")),
        (
            Control("Kontanthantering", "Att kassan i biblioteket stäms av varje vecka", "Avstämning av kassarapporter"),
            Control("Föreningsbidrag", "Att föreningsbidrag betalas ut enligt gällande regler", "Stickprov på tio utbetalningar"),
        ),
    ),
    Board(
        "BMN",
        "bmn.ordforande.demo",
        "Bo Bygg (demo)",
        "Nämnden ansvarar för bygglov, tillsyn enligt plan- och bygglagen samt miljö- och hälsoskydd.",
        ("Plan- och bygglag (2010:900)", "Miljöbalk (1998:808)"),
        "21000000.00",
        "1500000.00",
        "0.99",
        "Fler bygglovsansökningar ger högre intäkter än budgeterat.",
        (
            Goal(
                "Bygglov handläggs snabbt och rättssäkert",
                "OPERATIONS",
                Followed(PERMIT_DAYS, Value("28"), (Value("35"), Value("30"), Value("27"))),
                "DELVIS_UPPFYLLT",
                "Handläggningstiden har kortats med e-tjänsten men är ännu över målet.",
                serves=2,
            ),
            Goal(
                "Tillsynen bidrar till en god miljö och hälsa",
                "OPERATIONS",
                Followed(INSPECTIONS, Value("90"), (Value("86"), Value("91"), Value("92"))),
                "UPPFYLLT",
                "Tillsynsärendena avslutas snabbare sedan inspektörerna fick mobila verktyg.",
                serves=2,
            ),
        ),
        (Activity("Digital bygglovsprocess", "Ansökan, komplettering och beslut hanteras digitalt.", 0, "ONGOING", (1, 12)),),
        (Area("BMN-BYGG", "Bygglov", "0.5"), Area("BMN-MILJ", "Miljö och hälsoskydd", "0.48")),
        (
            Control("Handläggningstider", "Att bygglov beslutas inom lagstadgad tid", "Uttag ur ärendesystemet"),
            Control("Delegation", "Att delegationsbeslut anmäls till nämnden", "Jämförelse av beslut och anmälningar"),
        ),
    ),
)
SCHOOL_BOARD = "BUN"  # the board of the demo's unit and administration users
UNIT_GOAL = Goal(
    "Alla elever på Parkskolan läser varje dag",
    "OPERATIONS",
    Followed(READING, Value("88", "88", "88"), (Value("81", "84", "78"), Value("85", "87", "83"), Value("87", "88", "86"))),
    "DELVIS_UPPFYLLT",
    "Daglig läsning är införd i alla klasser; läsförmågan ökar men målet nås inte helt.",
)
COMMON_CONTROL = {
    "title": "Attest av leverantörsfakturor",
    "what_is_checked": "Att varje leverantörsfaktura är attesterad av behörig attestant",
    "method": "Stickprov på tjugo fakturor",
    "frequency": "Per tertial",
    "report_to": "Kommunstyrelsen",
    "report_when": "Vid delårsrapport och årsrapport",
}

# The allocation model: the age classes that drive the boards' frames (Hallstahammar has about
# 16 500 inhabitants), their cost per inhabitant in kronor and the coverage, and the price index.
POPULATION = (  # age_from, age_to, count at 31 December of the year before, of the year
    (1, 5, 905, 890),
    (6, 15, 1960, 1985),
    (16, 18, 565, 580),
    (80, 89, 1010, 1045),
    (90, None, 215, 225),
    (0, None, 16480, 16560),
)
TARGET_GROUPS: tuple[
    tuple[str, str, int | None, int | None, str, str | None], ...
] = (  # board, activity, ages, cost per inhabitant, coverage
    ("BUN", "Förskola", 1, 5, "142000.00", "0.94"),
    ("BUN", "Grundskola", 6, 15, "118000.00", None),
    ("BUN", "Gymnasieskola", 16, 18, "135000.00", None),
    ("SN", "Äldreomsorg", 80, 89, "128000.00", None),
    ("SN", "Äldreomsorg 90+", 90, None, "295000.00", None),
    ("KFN", "Kultur och fritid", None, None, "2900.00", None),
)
PRICE_INDEX_PCT = "3.1"
WAGE_COMPENSATION_PCT = "2.8"
EFFICIENCY_PCT = "0.5"
# The revenues cover the frames with a margin (the result the council aims at), split as in a
# municipality of this size; the plan years grow with prices.
REVENUE_SHARES = {"TAX_REVENUE": Decimal("0.76"), "GENERAL_GRANTS": Decimal("0.27")}
PLAN_YEAR_GROWTH = Decimal("0.03")
# How a month's booked costs split on the accounts, and the months' seasonal rhythm (holiday pay
# in summer, year-end in December), as shares of a twelfth of the allocation.
ACCOUNTS = (("5010", Decimal("0.68")), ("6410", Decimal("0.32")))
MONTH_FACTOR = (
    "0.97",
    "0.98",
    "1.00",
    "1.00",
    "1.01",
    "1.05",
    "0.88",
    "0.93",
    "1.01",
    "1.02",
    "1.03",
    "1.12",
)

SECTIONS = {
    "core_mission": "{name} ansvarar för sitt uppdrag enligt reglementet och bedriver verksamheten inom given ram.",
    "important_events": "Under perioden har {name} fortsatt arbetet med digitalisering och kompetensförsörjning.",
    "economy": "{name} följer budgeten i stort; avvikelserna förklaras i den ekonomiska uppföljningen.",
    "investments": "Investeringarna följer plan; inga projekt har försenats väsentligt.",
    "major_projects": "De större projekten löper enligt tidplan.",
    "quality_factors": "Nyckeltalen för de kritiska kvalitetsfaktorerna är stabila eller förbättras.",
    "internal_control": "Internkontrollplanens kontroller är genomförda; avvikelserna åtgärdas.",
    "staff": "Sjukfrånvaron minskar; rekryteringsläget är ansträngt för vissa yrkesgrupper.",
    "geh_goals": "Verksamhetsmålen för god ekonomisk hushållning bedöms delvis uppfyllas.",
    "future": "Den demografiska utvecklingen ställer krav på omställning och effektivisering de kommande åren.",
    "municipal_forecast": "Kommunens prognostiserade resultat är positivt men under det finansiella målet.",
    "expected_development": "Kommunen bedöms nå målen för god ekonomisk hushållning delvis.",
    "balance_requirement_forecast": "Balanskravsresultatet enligt helårsprognosen är positivt.",
    "income_statement": "Resultaträkningen visar ett positivt resultat för perioden.",
    "balance_sheet": "Balansräkningen visar en stark soliditet; låneskulden är oförändrad.",
}
MISSING_REASON = "Rapporterar i egen ordning enligt bolagets respektive förbundets styrning."
DECISION_DATES = {  # month, day of the decisions of the year
    "FORECAST_BOARD": (5, 20),
    "FORECAST_COUNCIL": (6, 15),
    "INTERIM_BOARD": (9, 22),
    "INTERIM_COUNCIL": (10, 20),
    "DIALOGUE": (10, 5),
}
DECIDED_OCCASIONS = ("FORECAST", "INTERIM")
DRAFTED_OCCASION = "ANNUAL"


# --- calls -----------------------------------------------------------------------------------


class Caller:
    """One signed-in user's client for the gateway."""

    def __init__(self, gateway_url: str, token: str, counter: list[int]) -> None:
        self.http = httpx.Client(
            base_url=gateway_url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
            event_hooks={"request": [lambda _: counter.__setitem__(0, counter[0] + 1)]},
        )

    def call(self, method: str, path: str, status: int = 200, **kwargs: Any) -> httpx.Response:
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            raise DemoYearError(f"{method} {path}: {error!r}") from error
        if response.status_code != status:
            raise DemoYearError(f"{method} {path}: {response.status_code} {response.text[:500]}")
        return response

    def body(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        return self.call(method, path, status, **kwargs).json()

    def created(self, path: str, payload: dict[str, Any]) -> Any:
        return self.body("POST", path, 201, json=payload)

    def items(self, path: str, **params: Any) -> list[dict[str, Any]]:
        """Every item of a paged list."""
        found: list[dict[str, Any]] = []
        cursor = None
        while True:
            page = self.body("GET", path, params={"limit": PAGE, **params} | ({"cursor": cursor} if cursor else {}))
            found.extend(page["items"])
            cursor = page.get("next_cursor")
            if not cursor:
                return found

    def conditional(self, method: str, path: str, action: str = "", **kwargs: Any) -> httpx.Response:
        """A write that requires the resource's ETag: read it, then write with If-Match."""
        tag = self.call("GET", path).headers["etag"]
        return self.call(method, f"{path}/{action}" if action else path, headers={"If-Match": tag}, **kwargs)


@dataclass
class Seeded:
    year: int
    already: bool
    requests: int
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        requests = f"{self.requests} request{'' if self.requests == 1 else 's'}"
        if self.already:
            return f"The demo year {self.year} is there already ({requests} to find out)."
        made = ", ".join(f"{what} {count}" for what, count in self.counts.items())
        return f"Seeded the demo year {self.year} ({requests} in {self.seconds:.1f} s): {made}."


def mint_token(gateway_url: str, subject: str) -> str:
    """A development token from the gateway's dev issuer (on in the run command's system)."""
    response = httpx.post(f"{gateway_url}/api/auth/dev-token", json={"subject": subject}, timeout=30)
    if response.status_code != 200:
        raise DemoYearError(f"no development token for {subject}: {response.status_code} {response.text[:300]}")
    token: str = response.json()["access_token"]
    return token


# --- dates -----------------------------------------------------------------------------------


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def months_passed(year: int, today: dt.date) -> list[int]:
    return [m for m in range(1, 13) if month_end(year, m) < today]


def periods_passed(followed: Followed, year: int, today: dt.date) -> list[tuple[str, Value]]:
    """The outcomes whose period has ended by today, with their period."""
    if followed.indicator.frequency == "YEARLY":
        return [(str(year - 1), followed.outcomes[0])]
    return [(f"{year}-T{t}", value) for t, value in enumerate(followed.outcomes, 1) if month_end(year, 4 * t) < today]


def money(amount: Decimal) -> str:
    return str(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def mandate_start(year: int) -> int:
    """Swedish councils sit four years from the year after an election (2022, 2026, ...)."""
    return 2023 + 4 * ((year - 2023) // 4)


# --- the seed --------------------------------------------------------------------------------


class DemoYear:
    def __init__(self, gateway_url: str, year: int, today: dt.date, stack: ExitStack) -> None:
        self.gateway_url = gateway_url
        self.year = year
        self.today = today
        self.stack = stack
        self.counter = [0]
        self.callers: dict[str, Caller] = {}
        self.counts: dict[str, int] = {}
        self.units: dict[str, str] = {}  # short name -> org unit id
        self.unit_names: dict[str, str] = {}
        self.indicators: dict[str, str] = {}  # name -> id
        self.municipal: list[str] = []  # lineage ids, in MUNICIPAL_GOALS order
        self.board_goals: dict[str, list[str]] = {}  # board short name -> lineage ids
        self.frames: dict[str, Decimal] = {}
        self.reports: dict[tuple[str, str], str] = {}  # (occasion kind, short name) -> report id

    def caller(self, subject: str) -> Caller:
        if subject not in self.callers:
            self.callers[subject] = Caller(self.gateway_url, mint_token(self.gateway_url, subject), self.counter)
            self.stack.callback(self.callers[subject].http.close)
        return self.callers[subject]

    def made(self, what: str, count: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + count

    def on(self, month: int, day: int, year: int | None = None) -> str:
        """A decision's date: the planned one, or today when that is still ahead."""
        return min(dt.date(year or self.year, month, day), self.today).isoformat()

    @property
    def kf(self) -> Caller:
        return self.caller(COUNCIL_SUBJECT)

    def chair(self, board: Board) -> Caller:
        return self.caller(board.chair)

    def boards(self) -> Iterator[Board]:
        """The demo's boards the directory holds."""
        return (b for b in BOARDS if b.short in self.units)

    # --- is it there? --------------------------------------------------------------------

    def state(self) -> str:
        """DONE, PARTIAL or NONE: the dialogue is made last, the budget first of the year's own."""
        dialogues = self.kf.items(f"{FOLLOWUP}/dialogues", year=self.year, kind="FOLLOWUP")
        if any(d["title"] == DIALOGUE_TITLE for d in dialogues):
            return "DONE"
        if self.kf.items(f"{BUDGET}/budgets", year=self.year):
            return "PARTIAL"
        return "NONE"

    # --- the directory -------------------------------------------------------------------

    def read_directory(self) -> None:
        admin = self.caller(ADMIN_SUBJECT)
        for unit in admin.items(f"{DIRECTORY}/org-units"):
            self.units[unit["short_name"]] = unit["id"]
            self.unit_names[unit["short_name"]] = unit["name"]

    def register_chairs(self) -> None:
        """Each board decides through its own namnd user; the demo has one for one board only."""
        admin = self.caller(ADMIN_SUBJECT)
        for board in self.boards():
            if any(u["subject"] == board.chair for u in admin.items(f"{DIRECTORY}/users", q=board.chair)):
                continue
            user = admin.created(f"{DIRECTORY}/users", {"subject": board.chair, "display_name": board.chair_name})
            admin.created(f"{DIRECTORY}/users/{user['id']}/role-assignments", {"role": "namnd", "org_unit_id": self.units[board.short]})
            self.made("board users")

    # --- the council's goals -------------------------------------------------------------

    def vision(self) -> None:
        if self.kf.http.get(f"{GOALS}/visions/current").status_code == 200:
            return
        start = mandate_start(self.year)
        draft = self.kf.created(
            f"{GOALS}/visions", VISION | {"horizon_start_year": start, "horizon_end_year": start + VISION_HORIZON_YEARS - 1}
        )
        self.propose_and_decide(self.kf, f"{GOALS}/visions/{draft['id']}", COUNCIL, self.on(11, 20, start - 1), "KF § 112")
        self.made("vision")

    def propose_and_decide(self, decider: Caller, path: str, body: str, date: str, reference: str) -> None:
        proposed = decider.conditional("POST", path, "proposal")
        decision = {"body": body, "decision_date": date, "reference": f"{reference}/{date[:4]}"}
        decider.call("POST", f"{path}/decision", json=decision, headers={"If-Match": proposed.headers["etag"]})

    def mandate_period(self) -> dict[str, Any]:
        found = self.kf.items(f"{GOALS}/mandate-periods", year=self.year)
        if found:
            return found[0]
        self.made("mandate period")
        period: dict[str, Any] = self.kf.created(f"{GOALS}/mandate-periods", {"start_year": mandate_start(self.year)})
        return period

    def indicator_catalogue(self) -> None:
        known = {i["name"]: i["id"] for i in self.kf.items(f"{GOALS}/indicators")}
        wanted = [g.followed.indicator for g in (*MUNICIPAL_GOALS, UNIT_GOAL, *(g for b in BOARDS for g in b.goals))]
        for indicator in dict.fromkeys(wanted):
            if indicator.name not in known:
                made = self.kf.created(
                    f"{GOALS}/indicators",
                    {
                        "name": indicator.name,
                        "unit": indicator.unit,
                        "direction": "LOWER_IS_BETTER" if indicator.lower_is_better else "HIGHER_IS_BETTER",
                        "frequency": indicator.frequency,
                        "source": "INTERNAL",
                        "gender_split": indicator.gender_split,
                    },
                )
                known[indicator.name] = made["id"]
                self.made("indicators")
        self.indicators = known

    def municipal_goals(self) -> None:
        """The period's five goals; a later year of the same period finds them decided."""
        period = self.mandate_period()
        existing = {
            g["title"]: g["lineage_id"] for g in self.kf.items(f"{GOALS}/goals", level="MUNICIPAL", year=self.year, status="DECIDED")
        }
        if existing:
            missing = [g.title for g in MUNICIPAL_GOALS if g.title not in existing]
            if missing:
                raise DemoYearError(f"the year's municipal goals are not the demo's (missing: {', '.join(missing)})")
            self.municipal = [existing[g.title] for g in MUNICIPAL_GOALS]
            return
        council = self.units["KF"]
        for goal in MUNICIPAL_GOALS:
            payload = {
                "level": "MUNICIPAL",
                "owner_org_unit_id": council,
                "mandate_period_id": period["id"],
                "start_year": period["start_year"],
                "end_year": period["end_year"],
            }
            self.municipal.append(
                self.goal_in_force(self.kf, self.kf, goal, payload, council, COUNCIL, self.on(11, 20, period["start_year"] - 1))
            )
        self.made("municipal goals", len(MUNICIPAL_GOALS))

    def goal_in_force(
        self,
        writer: Caller,
        decider: Caller,
        goal: Goal,
        payload: dict[str, Any],
        org_unit: str,
        body: str,
        date: str,
        follower: Caller | None = None,
    ) -> str:
        """A goal drafted, followed by its indicator with the year's target and the outcomes of the
        periods passed, proposed and decided; its lineage id."""
        draft = writer.created(f"{GOALS}/goals", payload | {"title": goal.title, "perspective": goal.perspective})
        follower = follower or writer
        use = follower.created(
            f"{GOALS}/indicator-uses",
            {"indicator_id": self.indicators[goal.followed.indicator.name], "org_unit_id": org_unit, "goal_id": draft["id"]},
        )
        follower.call("PUT", f"{GOALS}/indicator-uses/{use['id']}/targets/{self.year}", 201, json=goal.followed.target.body())
        for period, value in periods_passed(goal.followed, self.year, self.today):
            writer.call("PUT", f"{GOALS}/indicator-uses/{use['id']}/outcomes/{period}", 201, json=value.body())
        self.propose_and_decide(decider, f"{GOALS}/goals/{draft['id']}", body, date, "§ 88")
        return str(draft["lineage_id"])

    # --- the budget ----------------------------------------------------------------------

    def allocation_model(self) -> dict[str, Any]:
        """The planning assumptions and a run of the model: each board's frame proposal."""
        published = f"{self.year - 1}-03-15"
        rows = ["publication_date,source,year,age_from,age_to,count"]
        for first_age, last_age, before, during in POPULATION:
            ages = f"{first_age},{'' if last_age is None else last_age}"
            rows += [f"{published},SCB,{self.year - 1},{ages},{before}", f"{published},SCB,{self.year},{ages},{during}"]
        csv = {"content-type": "text/csv"}
        self.kf.call("POST", f"{BUDGET}/population-forecasts/imports", content="\n".join(rows) + "\n", headers=csv)
        index_published = f"{self.year - 1}-04-25"
        prices = f"publication_date,year,pct_change\n{index_published},{self.year},{PRICE_INDEX_PCT}\n"
        self.kf.call("POST", f"{BUDGET}/price-indices/imports", content=prices, headers=csv)
        groups = {(g["board_org_unit_id"], g["activity"]): g["id"] for g in self.kf.items(f"{BUDGET}/target-groups")}
        for short, activity, age_from, age_to, cost, coverage in TARGET_GROUPS:
            board = self.units[short]
            if (board, activity) not in groups:
                made = self.kf.created(
                    f"{BUDGET}/target-groups", {"board_org_unit_id": board, "activity": activity, "age_from": age_from, "age_to": age_to}
                )
                groups[(board, activity)] = made["id"]
            unit_cost = {"cost_per_inhabitant": cost} | ({"coverage_rate": coverage} if coverage else {})
            self.kf.call("PUT", f"{BUDGET}/target-groups/{groups[(board, activity)]}/unit-costs/{self.year}", 201, json=unit_cost)
        run: dict[str, Any] = self.kf.created(
            f"{BUDGET}/model-runs",
            {
                "budget_year": self.year,
                "population_publication_date": published,
                "price_index_publication_date": index_published,
                "wage_compensation_pct": WAGE_COMPENSATION_PCT,
                "efficiency_pct": EFFICIENCY_PCT,
                "base_frames": [{"board_org_unit_id": self.units[b.short], "amount": b.base_frame} for b in self.boards()],
            },
        )
        self.made("allocation-model runs")
        return run

    def budget(self) -> None:
        """The council's budget, its frames the model run's proposals, decided the June before."""
        run = self.allocation_model()
        self.frames = {b["board_org_unit_id"]: Decimal(b["proposal_amount"]) for b in run["boards"]}
        years = (self.year, self.year + 1, self.year + 2)

        def grown(amount: Decimal, year: int) -> Decimal:
            return amount * (1 + PLAN_YEAR_GROWTH) ** (year - self.year)

        frames = [
            {"board_org_unit_id": board, "kind": "OPERATING", "year": y, "amount": money(grown(amount, y))}
            | ({"model_run_id": run["id"]} if y == self.year else {})
            for board, amount in self.frames.items()
            for y in years
        ] + [
            {"board_org_unit_id": self.units[b.short], "kind": "INVESTMENT", "year": self.year, "amount": b.investment_frame}
            for b in self.boards()
        ]
        total = sum(self.frames.values(), Decimal(0))
        lines = [
            {"kind": kind, "year": y, "amount": money(grown(total * share, y))} for kind, share in REVENUE_SHARES.items() for y in years
        ]
        budget = self.kf.created(f"{BUDGET}/budgets", {"year": self.year, "title": f"Mål och budget {self.year}–{self.year + 2}"})
        path = f"{BUDGET}/budgets/{budget['id']}"
        self.kf.conditional("PUT", path, "lines", json={"lines": lines})
        self.kf.conditional("PUT", path, "frames", json={"frames": frames})
        self.propose_and_decide(self.kf, path, COUNCIL, self.on(6, 15, self.year - 1), "KF § 45")
        self.made("decided budget")

    def allocations_and_actuals(self) -> None:
        """Each board's allocation to its activity areas, and the books of the months passed."""
        rows = ["year,month,cost_center,account,amount"]
        months = months_passed(self.year, self.today)
        for board in self.boards():
            board_id = self.units[board.short]
            areas = {a["code"]: a["id"] for a in self.kf.items(f"{BUDGET}/activity-areas", board_org_unit_id=board_id)}
            centres = {c["code"] for c in self.kf.items(f"{BUDGET}/cost-centers", board_org_unit_id=board_id)}
            lines = []
            for area in board.areas:
                if area.code not in areas:
                    areas[area.code] = self.kf.created(
                        f"{BUDGET}/activity-areas", {"board_org_unit_id": board_id, "code": area.code, "name": area.name}
                    )["id"]
                if area.code not in centres:
                    self.kf.created(f"{BUDGET}/cost-centers", {"code": area.code, "name": area.name, "activity_area_id": areas[area.code]})
                amount = self.frames[board_id] * Decimal(area.share)
                lines.append({"activity_area_id": areas[area.code], "amount": money(amount), "comment": area.name})
                for month in months:
                    for account, share in ACCOUNTS:
                        booked = amount / 12 * share * Decimal(MONTH_FACTOR[month - 1])
                        rows.append(f"{self.year},{month},{area.code},{account},{money(booked)}")
            self.chair(board).call(
                "PUT", f"{BUDGET}/allocations/{board_id}/{self.year}", json={"lines": lines}, headers={"If-None-Match": "*"}
            )
        self.made("allocations", len(list(self.boards())))
        if months:
            self.kf.call("POST", f"{BUDGET}/actuals/imports", 201, content="\n".join(rows) + "\n", headers={"content-type": "text/csv"})
            self.made("months of actuals", len(months))

    def forecast(self, board: Board, occasion: str) -> None:
        board_id = self.units[board.short]
        amount = self.frames[board_id] * Decimal(board.forecast_share)
        self.chair(board).call(
            "PUT",
            f"{BUDGET}/forecasts/{board_id}/{self.year}/{occasion}",
            201,
            json={"amount": money(amount), "comment": board.forecast_comment},
        )

    # --- the boards' goals and activities ------------------------------------------------

    def core_mission(self, board: Board) -> None:
        """What the board is for, decided once and in force until revised: a later year finds it."""
        chair, board_id = self.chair(board), self.units[board.short]
        if chair.http.get(f"{GOALS}/core-missions/current", params={"org_unit_id": board_id}).status_code == 200:
            return
        mission = chair.created(
            f"{GOALS}/core-missions",
            {"org_unit_id": board_id, "idea_and_responsibilities": board.mission, "legislation": list(board.legislation)},
        )
        self.propose_and_decide(
            chair, f"{GOALS}/core-missions/{mission['id']}", self.unit_names[board.short], self.on(2, 10, self.year - 1), "§ 12"
        )
        self.made("core missions")

    def board_goals_and_activities(self) -> None:
        for board in self.boards():
            self.core_mission(board)
            chair, board_id = self.chair(board), self.units[board.short]
            payload = {"level": "BOARD", "owner_org_unit_id": board_id, "start_year": self.year, "end_year": self.year}
            self.board_goals[board.short] = [
                self.goal_in_force(
                    chair,
                    chair,
                    goal,
                    payload | {"contributes_to": [self.municipal[goal.serves]]},
                    board_id,
                    self.unit_names[board.short],
                    self.on(12, 10, self.year - 1),
                )
                for goal in board.goals
            ]
            self.made("board goals", len(board.goals))
            for activity in board.activities:
                chair.created(
                    f"{GOALS}/activities",
                    {
                        "owner_org_unit_id": board_id,
                        "title": activity.title,
                        "description": activity.description,
                        "responsible": f"Förvaltningschef, {self.unit_names[board.short]}",
                        "start_date": dt.date(self.year, activity.months[0], 1).isoformat(),
                        "end_date": month_end(self.year, activity.months[1]).isoformat(),
                        "status": activity.status,
                        "goal_ids": [self.board_goals[board.short][activity.goal]],
                    },
                )
            self.made("activities", len(board.activities))
        self.unit_goal()

    def unit_goal(self) -> None:
        """Parkskolan's goal serving its board's first, followed by its administration."""
        if SCHOOL_BOARD not in self.board_goals or "PARK" not in self.units:
            return
        school = self.units["PARK"]
        payload = {
            "level": "UNIT",
            "owner_org_unit_id": school,
            "start_year": self.year,
            "end_year": self.year,
            "contributes_to": [self.board_goals[SCHOOL_BOARD][0]],
        }
        enhet = self.caller(UNIT_SUBJECT)
        follower = self.caller(ADMINISTRATION_SUBJECT)
        self.goal_in_force(enhet, enhet, UNIT_GOAL, payload, school, self.unit_names["PARK"], self.on(1, 15), follower=follower)
        self.made("unit goals")

    # --- internal control ----------------------------------------------------------------

    def internal_control(self) -> None:
        """The executive board's common control, then each board's plan: decided in December,
        its controls checked at each tertial passed; a deviation found gets an action."""
        self.kf.created(f"{IC}/common-controls", COMMON_CONTROL | {"year": self.year})
        tertials = [t for t in (1, 2, 3) if month_end(self.year, 4 * t) < self.today]
        for board in self.boards():
            chair, board_id = self.chair(board), self.units[board.short]
            plan = chair.created(
                f"{IC}/control-plans", {"board_org_unit_id": board_id, "year": self.year, "title": f"Internkontrollplan {self.year}"}
            )
            path = f"{IC}/control-plans/{plan['id']}"
            own = [
                (
                    control,
                    chair.created(
                        f"{path}/activities",
                        {
                            "area": control.area,
                            "what_is_checked": control.what_is_checked,
                            "method": control.method,
                            "frequency": "Per tertial",
                            "responsible": "Förvaltningschef",
                            "report_to": self.unit_names[board.short],
                            "report_when": "Vid delårsrapport och årsrapport",
                        },
                    ),
                )
                for control in board.controls
            ]
            self.propose_and_decide(chair, path, self.unit_names[board.short], self.on(12, 10, self.year - 1), "§ 95")
            carried = [(None, a) for a in plan["activities"]]
            for tertial in tertials:
                for control, activity in carried + own:
                    self.control_result(chair, board_id, control, activity, tertial)
            self.made("decided control plans")

    def control_result(self, chair: Caller, board_id: str, control: Control | None, activity: dict[str, Any], tertial: int) -> None:
        found = control.deviation if control is not None and tertial == 1 else None
        checked = month_end(self.year, 4 * tertial) - dt.timedelta(days=10)
        result = {
            "occasion": f"{self.year}-T{tertial}",
            "outcome": "DEVIATION" if found else "NO_REMARK",
            "checked_on": checked.isoformat(),
            "evidence": "Stickprov enligt planen" if not found else "Stickprov enligt planen; se avvikelsen",
        } | ({"deviation_description": found} if found else {})
        chair.created(f"{IC}/control-activities/{activity['id']}/results", result)
        self.made("control results")
        if found:
            [deviation] = [
                d for d in chair.items(f"{IC}/deviations", board_org_unit_id=board_id, year=self.year) if d["activity_id"] == activity["id"]
            ]
            chair.created(
                f"{IC}/deviations/{deviation['id']}/actions",
                {
                    "description": "Rutinen ses över och berörd personal utbildas.",
                    "owner": "Förvaltningschef",
                    "due_date": f"{self.year}-06-30",
                },
            )

    # --- the follow-up -------------------------------------------------------------------

    def occasions(self) -> dict[str, dict[str, Any]]:
        if self.kf.http.get(f"{FOLLOWUP}/cycles/{self.year}").status_code == 404:
            self.kf.call("POST", f"{FOLLOWUP}/cycles/{self.year}", 201)
        return {o["kind"]: o for o in self.kf.body("GET", f"{FOLLOWUP}/occasions", params={"year": self.year})}

    def drafted(self, writer: Caller, occasion: dict[str, Any], short: str, level: str) -> tuple[str, str]:
        """A report with every section its level requires written, refreshed, and every goal in
        force assessed; its path and ETag."""
        report = writer.created(f"{FOLLOWUP}/reports", {"occasion_id": occasion["id"], "org_unit_id": self.units[short]})
        self.reports[(occasion["kind"], short)] = report["id"]
        path = f"{FOLLOWUP}/reports/{report['id']}"
        tag = writer.call("POST", f"{path}/refresh").headers["etag"]
        name = self.unit_names[short]
        for heading in occasion["headings"]:
            if heading["required"] and level in heading["levels"]:
                text = SECTIONS.get(heading["key"], heading["title_sv"] + ": enligt plan.").format(name=name)
                tag = writer.call("PUT", f"{path}/sections/{heading['key']}", json={"text": text}, headers={"If-Match": tag}).headers[
                    "etag"
                ]
        assessments = {g.title: g for g in (*MUNICIPAL_GOALS, UNIT_GOAL, *(g for b in BOARDS for g in b.goals))}
        for shown in writer.body("GET", path)["preview"]["goals"]:
            goal = assessments.get(shown["goal"]["title"])
            level_code, analysis = (goal.level, goal.analysis) if goal else ("DELVIS_UPPFYLLT", "Bedömningen följer utfallet.")
            body = {"level_code": level_code, "analysis": analysis}
            tag = writer.call("PUT", f"{path}/assessments/{shown['goal']['goal_id']}", json=body, headers={"If-Match": tag}).headers["etag"]
        return path, tag

    def transition(self, writer: Caller, path: str, tag: str, step: str, **body: Any) -> httpx.Response:
        return writer.call("POST", f"{path}/transitions", json={"transition": step, **body}, headers={"If-Match": tag})

    def decided(self, writer: Caller, occasion: dict[str, Any], short: str, level: str, body: str, date: str, reference: str) -> None:
        path, tag = self.drafted(writer, occasion, short, level)
        proposed = self.transition(writer, path, tag, "PROPOSE")
        decision = {"body": body, "decision_date": date, "reference": f"{reference}/{self.year}"}
        self.transition(writer, path, proposed.headers["etag"], "DECIDE", decision=decision)

    def school_reports(self, occasion: dict[str, Any], submit: bool) -> None:
        """Parkskolan's and its administration's reports: submitted, or for the occasion in
        progress drafted."""
        for subject, short, level in ((UNIT_SUBJECT, "PARK", "UNIT"), (ADMINISTRATION_SUBJECT, "BUF", "ADMINISTRATION")):
            if short not in self.units:
                continue
            writer = self.caller(subject)
            path, tag = self.drafted(writer, occasion, short, level)
            if submit:
                self.transition(writer, path, tag, "SUBMIT")
            self.made("unit reports submitted" if submit else "unit reports drafted")

    def followup(self) -> None:
        occasions = self.occasions()
        for kind in DECIDED_OCCASIONS:
            occasion = occasions[kind]
            board_month, board_day = DECISION_DATES[f"{kind}_BOARD"]
            self.school_reports(occasion, submit=True)
            for board in self.boards():
                self.forecast(board, kind)
                name = self.unit_names[board.short]
                self.decided(
                    self.chair(board), occasion, board.short, "BOARD", name, self.on(board_month, board_day), f"{board.short} § 41"
                )
                self.made("board reports decided")
            self.municipal_report(occasion)
        self.school_reports(occasions[DRAFTED_OCCASION], submit=False)
        self.dialogue(occasions["INTERIM"])

    def municipal_report(self, occasion: dict[str, Any]) -> None:
        """The council's report, the company and the federation recorded as reporting in their own
        order, adopted."""
        path, tag = self.drafted(self.kf, occasion, "KF", "MUNICIPAL")
        for entry in self.kf.body("GET", f"{FOLLOWUP}/occasions/{occasion['id']}/compilation")["entries"]:
            if entry["state"] != "DECIDED":
                self.kf.created(f"{path}/missing", {"org_unit_id": entry["org_unit_id"], "reason": MISSING_REASON})
        tag = self.kf.call("GET", path).headers["etag"]
        proposed = self.transition(self.kf, path, tag, "PROPOSE")
        month, day = DECISION_DATES[f"{occasion['kind']}_COUNCIL"]
        decision = {"body": COUNCIL, "decision_date": self.on(month, day), "reference": f"KF § 60/{self.year}"}
        self.transition(self.kf, path, proposed.headers["etag"], "DECIDE", decision=decision)
        self.made("municipal reports adopted")

    def dialogue(self, interim: dict[str, Any]) -> None:
        """The school board's follow-up dialogue on its interim report, held."""
        board = next((b for b in self.boards() if b.short == SCHOOL_BOARD), None)
        if board is None:
            return
        chair = self.chair(board)
        participants = [
            {"name": board.chair_name, "title": "Nämndens ordförande", "side": "POLITICAL"},
            {"name": "Frida Förvaltning (demo)", "title": "Förvaltningschef", "side": "ADMINISTRATIVE"},
        ]
        held_on = self.on(*DECISION_DATES["DIALOGUE"])
        made = chair.created(
            f"{FOLLOWUP}/dialogues",
            {
                "title": DIALOGUE_TITLE,
                "kind": "FOLLOWUP",
                "year": self.year,
                "org_unit_id": self.units[board.short],
                "occasion_id": interim["id"],
                "planned_date": held_on,
                "themes": ["Läsförmåga i årskurs 1–3", "Trygghet i skolan", "Sjukfrånvaro"],
                "questions": ["Vad förklarar att pojkarnas läsförmåga ökar mest?", "Hur når vi målet för sjukfrånvaron?"],
                "participants": participants,
                "basis_report_ids": [self.reports[("INTERIM", board.short)]],
            },
        )
        chair.conditional(
            "POST",
            f"{FOLLOWUP}/dialogues/{made['id']}",
            "transitions",
            json={
                "transition": "HOLD",
                "held_date": held_on,
                "participants": participants,
                "notes": "Genomgång av delårsrapportens måluppfyllelse och ekonomi.",
                "summary": "Lässatsningen fortsätter; förvaltningen återkommer med en plan för minskad sjukfrånvaro.",
            },
        )
        self.made("dialogues held")

    # --- all of it -----------------------------------------------------------------------

    def seed(self) -> bool:
        """Make the year; False when it was there already."""
        state = self.state()
        if state == "DONE":
            return False
        if state == "PARTIAL":
            raise DemoYearError(
                f"the year {self.year} has a budget but no follow-up dialogue: an earlier seed stopped midway; "
                "start from an empty data folder"
            )
        self.read_directory()
        self.register_chairs()
        self.vision()
        self.indicator_catalogue()
        self.municipal_goals()
        self.budget()
        self.allocations_and_actuals()
        self.board_goals_and_activities()
        self.internal_control()
        self.followup()
        return True


def seed(gateway_url: str, *, year: int | None = None, today: dt.date | None = None) -> Seeded:
    """The demo year made through the gateway at `gateway_url` (its dev issuer on), or found there."""
    today = today or dt.date.today()
    started = time.perf_counter()
    with ExitStack() as stack:
        demo = DemoYear(gateway_url, year or today.year, today, stack)
        made = demo.seed()
        return Seeded(demo.year, not made, demo.counter[0], time.perf_counter() - started, demo.counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gateway", default="http://127.0.0.1:8000", help="the running system's gateway")
    args = parser.parse_args()
    print(seed(args.gateway).summary())


if __name__ == "__main__":
    main()
