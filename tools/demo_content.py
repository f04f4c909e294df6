"""The demo year's content: the municipality a new user sees after `make run`, fixed (no
randomness) so that it looks the same every time: the indicator catalogue, the municipal goals,
each board's goals with their key figures and outcomes, activities, activity areas and controls,
and the texts of its follow-up reports. tools/demo_year.py makes it through the APIs.

The key figures, goals and activities a Stratsys file of the municipality names carry their Stratsys
codes (`code`), and the org units theirs (their short names, gateway/gateway/seed.py), so that such
files import into the demo as they are: KPI-ELEV-BEH followed by the Barn- och utbildningsnämnden,
KPI-HT-NOJD by the Socialnämnden and KPI-SJUKFRANV by the Kommunstyrelsen (among others), under
the names a manual file gives them; the goal chain's KF-M1 → BUN-M1 with its activity BUN-A1."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Indicator:
    name: str
    unit: str
    frequency: str  # YEARLY or TERTIAL
    lower_is_better: bool = False
    gender_split: bool = False
    code: str | None = None  # in Stratsys
    # Kolada's id of the same key figure, for the comparison with other municipalities. Its source
    # stays INTERNAL: the municipality measures it per tertial, where Kolada publishes years.
    kolada_kpi_id: str | None = None


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
    code: str | None = None  # in Stratsys


@dataclass(frozen=True)
class Activity:
    title: str
    description: str
    goal: int  # the board goal (index) it serves
    status: str
    months: tuple[int, int]  # first and last month of the year
    code: str | None = None  # in Stratsys


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
SICK_LEAVE = Indicator("Sjukfrånvaro (%)", "%", "TERTIAL", lower_is_better=True, gender_split=True, code="KPI-SJUKFRANV")
RESULT_SHARE = Indicator("Resultat i förhållande till skatteintäkter och generella statsbidrag", "%", "YEARLY")
E_SERVICES = Indicator("Andel ärenden som startas via e-tjänst", "%", "TERTIAL")
BUDGET_DEVIATION = Indicator("Nämndernas sammanlagda budgetavvikelse", "%", "TERTIAL", lower_is_better=True)
READING = Indicator("Andel elever i årskurs 3 som läser på egen hand", "%", "TERTIAL", gender_split=True)
SAFE_AT_SCHOOL = Indicator("Andel elever som känner sig trygga i skolan", "%", "TERTIAL", gender_split=True)
HOME_CARE = Indicator("Nöjdhet hemtjänst (%)", "%", "TERTIAL", gender_split=True, code="KPI-HT-NOJD", kolada_kpi_id="U21468")
ELIGIBLE = Indicator("Behöriga till yrkesprogram (%)", "%", "TERTIAL", gender_split=True, code="KPI-ELEV-BEH", kolada_kpi_id="N15428")
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
        code="KF-M1",
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
                "Ökad andel behöriga till gymnasiet",
                "OPERATIONS",
                Followed(
                    ELIGIBLE,
                    Value("88", "90", "86"),
                    (Value("80.4", "83.1", "77.9"), Value("82", "84.6", "79.5"), Value("83.1", "85.8", "80.6")),
                ),
                "DELVIS_UPPFYLLT",
                "Positiv trend men under målvärdet; pojkarnas behörighet släpar efter.",
                serves=0,
                code="BUN-M1",
            ),
        ),
        (
            Activity("Lässatsning i årskurs 1–3", "Läsombud på varje skola och daglig högläsning.", 0, "ONGOING", (1, 12), code="BUN-A1"),
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
