"""Swedish and English display labels for every enum value the API uses: the one place they live.

Frontends show `Delårsrapport`, not `INTERIM`; they read these labels from the gateway (`GET
/api/labels`, and `x-enum-descriptions` / `x-enum-labels` beside every enum of the merged OpenAPI
document) instead of writing their own. The Swedish is the municipality's own wording (the
styrmodell and its glossary); the English is for integrators and English-speaking users.

Labels are kept per value set, named in the domain's words, and each enum of the API is listed
under the name its schema has in the merged document (`GoalsPerspective`). Enums whose values
coincide share a value set only where the values mean the same: the decision lifecycle's status
of a budget, a goal and a control plan does, a budget step's PLANNED and a dialogue's PLANNED are
written alike but agree in gender with different nouns, so they keep their own.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, TypedDict


class Label(TypedDict):
    sv: str
    en: str


ValueLabels = Mapping[str, Label]


def _label(sv: str, en: str) -> Label:
    return {"sv": sv, "en": en}


# --- shared by every service -----------------------------------------------------------------

# The decision lifecycle (styrkedjan_common.lifecycle.Status): what a political body decides.
DECISION_STATUS: ValueLabels = {
    "DRAFT": _label("Utkast", "Draft"),
    "PROPOSED": _label("Föreslagen", "Proposed"),
    "DECIDED": _label("Beslutad", "Decided"),
    "ARCHIVED": _label("Arkiverad", "Archived"),
}
FOLLOWUP_OCCASION: ValueLabels = {
    "FORECAST": _label("Resultatprognos", "Result forecast"),
    "INTERIM": _label("Delårsrapport", "Interim report"),
    "ANNUAL": _label("Årsredovisning", "Annual report"),
}
ORG_UNIT_TYPE: ValueLabels = {
    "council": _label("Kommunfullmäktige", "Municipal council"),
    "executive_board": _label("Kommunstyrelse", "Municipal executive board"),
    "board": _label("Nämnd", "Board"),
    "company": _label("Bolag", "Company"),
    "federation": _label("Förbund", "Federation"),
    "administration": _label("Förvaltning", "Administration"),
    "area": _label("Område", "Area"),
    "unit": _label("Enhet", "Unit"),
}
ROLE: ValueLabels = {
    "fullmaktige": _label("Kommunfullmäktige", "Municipal council"),
    "namnd": _label("Nämnd", "Board"),
    "forvaltning": _label("Förvaltning", "Administration"),
    "enhet": _label("Enhet", "Unit"),
    "revisor": _label("Revisor", "Auditor"),
    "admin": _label("Systemadministratör", "System administrator"),
}
PRINCIPAL_KIND: ValueLabels = {
    "person": _label("Person", "Person"),
    "client": _label("Maskinklient", "Machine client"),
    "service": _label("Tjänst i Styrkedjan", "Styrkedjan service"),
}
# The directory holds people and machine clients only; the services are no directory entries.
DIRECTORY_PRINCIPAL_KIND: ValueLabels = {kind: PRINCIPAL_KIND[kind] for kind in ("person", "client")}
# A response header's value (`Idempotent-Replayed: true`), an enum of one.
IDEMPOTENT_REPLAYED: ValueLabels = {"true": _label("Upprepat svar", "Replayed answer")}

# --- goals (målstyrning and kvalitetsstyrning) -------------------------------------------------

PERSPECTIVE: ValueLabels = {
    "OPERATIONS": _label("Verksamhet", "Operations"),
    "EMPLOYEES": _label("Medarbetare", "Employees"),
    "FINANCE": _label("Ekonomi", "Finance"),
}
GOAL_LEVEL: ValueLabels = {
    "MUNICIPAL": _label("Kommunövergripande mål", "Municipal goal"),
    "BOARD": _label("Nämndmål", "Board goal"),
    "UNIT": _label("Mål på verksamhetsnivå", "Unit goal"),
}
GOAL_CLOSURE_REASON: ValueLabels = {
    "ACHIEVED": _label("Uppnått", "Achieved"),
    "DISCONTINUED": _label("Avbrutet", "Discontinued"),
}
PLAN_KIND: ValueLabels = {
    "BOARD_PLAN": _label("Budget- och årsplan", "Board plan"),
    "OPERATIONAL_PLAN": _label("Verksamhetsplan", "Operational plan"),
}
PLAN_ITEM_TYPE: ValueLabels = {
    "GOAL": _label("Mål", "Goal"),
    "QUALITY_FACTOR": _label("Kritisk kvalitetsfaktor", "Critical quality factor"),
    "FOCUS_AREA": _label("Fokusområde", "Focus area"),
    "ACTIVITY": _label("Aktivitet", "Activity"),
    "INDICATOR": _label("Indikator", "Indicator"),
}
# The kinds of node in the thread (röd tråd) from the vision down to the activities.
THREAD_NODE_KIND: ValueLabels = {
    "GOAL": PLAN_ITEM_TYPE["GOAL"],
    "ACTIVITY": PLAN_ITEM_TYPE["ACTIVITY"],
    "INDICATOR_USE": PLAN_ITEM_TYPE["INDICATOR"],
}
ASSIGNMENT_STATUS: ValueLabels = {
    "NOT_STARTED": _label("Ej påbörjat", "Not started"),
    "ONGOING": _label("Pågående", "Ongoing"),
    "DONE": _label("Genomfört", "Done"),
    "NOT_DONE": _label("Ej genomfört", "Not done"),
}
INDICATOR_FREQUENCY: ValueLabels = {
    "YEARLY": _label("Årsvis", "Yearly"),
    "TERTIAL": _label("Tertialvis", "Every four months"),
    "QUARTERLY": _label("Kvartalsvis", "Quarterly"),
    "MONTHLY": _label("Månadsvis", "Monthly"),
}
INDICATOR_SOURCE: ValueLabels = {
    "INTERNAL": _label("Egen mätning", "Own measurement"),
    "KOLADA": _label("Kolada", "Kolada"),
}
INDICATOR_DIRECTION: ValueLabels = {
    "HIGHER_IS_BETTER": _label("Högre värde är bättre", "Higher is better"),
    "LOWER_IS_BETTER": _label("Lägre värde är bättre", "Lower is better"),
}
# An outcome against its target, in the three levels municipalities report, and why there is none.
TARGET_STATUS: ValueLabels = {
    "MET": _label("Uppfyllt", "Met"),
    "NEARLY_MET": _label("Delvis uppfyllt", "Partly met"),
    "NOT_MET": _label("Ej uppfyllt", "Not met"),
    "NO_TARGET": _label("Målvärde saknas", "No target"),
    "NO_OUTCOME": _label("Utfall saknas", "No outcome"),
}
INDICATOR_TREND: ValueLabels = {
    "IMPROVING": _label("Förbättras", "Improving"),
    "UNCHANGED": _label("Oförändrad", "Unchanged"),
    "WORSENING": _label("Försämras", "Worsening"),
    "UNKNOWN": _label("Kan ej bedömas", "Cannot be assessed"),
}

# An import's job (Stratsys's files, Kolada's): where it stands, and what it is doing.
JOB_STATE: ValueLabels = {
    "RUNNING": _label("Pågår", "Running"),
    "SUCCEEDED": _label("Klar", "Succeeded"),
    "REFUSED": _label("Avvisad", "Refused"),
    "FAILED": _label("Misslyckad", "Failed"),
    "ABORTED": _label("Avbruten", "Aborted"),
}
JOB_PHASE: ValueLabels = {
    "READING": _label("Läser och kontrollerar", "Reading and checking"),
    "WRITING": _label("Sparar", "Writing"),
}
KPI_FILE_LAYOUT: ValueLabels = {
    "rowwise": _label("Radvis fil (layout 1)", "Row-wise file (layout 1)"),
    "manual": _label("Manuell fil (layout 2)", "Manual file (layout 2)"),
}
KOLADA_GENDER: ValueLabels = {
    "T": _label("Totalt", "Total"),
    "K": _label("Kvinnor", "Women"),
    "M": _label("Män", "Men"),
}
KOLADA_SYNC_MODE: ValueLabels = {
    "INCREMENTAL": _label("Ändringar sedan senaste hämtning", "Changes since the last sync"),
    "FULL": _label("Fullständig hämtning", "Full sync"),
}

# --- budget (ekonomistyrning) ----------------------------------------------------------------

FRAME_KIND: ValueLabels = {
    "OPERATING": _label("Driftram", "Operating frame"),
    "INVESTMENT": _label("Investeringsram", "Investment frame"),
}
# The lines of the budget's result statement outside the boards' frames.
BUDGET_LINE_KIND: ValueLabels = {
    "TAX_REVENUE": _label("Skatteintäkter", "Tax revenue"),
    "GENERAL_GRANTS": _label("Generella statsbidrag", "General government grants"),
    "EQUALISATION": _label("Utjämning", "Equalisation"),
    "FINANCIAL_INCOME": _label("Finansiella intäkter", "Financial income"),
    "FINANCIAL_COSTS": _label("Finansiella kostnader", "Financial costs"),
    "PENSIONS": _label("Pensionskostnader", "Pension costs"),
    "DEPRECIATION": _label("Avskrivningar", "Depreciation"),
    "OTHER_REVENUE": _label("Övriga intäkter", "Other revenue"),
    "OTHER_COST": _label("Övriga kostnader", "Other costs"),
}
# The tax forecast's kinds of revenue: the budget lines they become.
TAX_FORECAST_KIND: ValueLabels = {
    "TAX": BUDGET_LINE_KIND["TAX_REVENUE"],
    "GRANTS": BUDGET_LINE_KIND["GENERAL_GRANTS"],
    "EQUALISATION": BUDGET_LINE_KIND["EQUALISATION"],
}
ALLOCATION_COMPONENT_KIND: ValueLabels = {
    "BASE": _label("Grundram", "Base frame"),
    "DEMOGRAPHIC": _label("Demografisk kompensation", "Demographic compensation"),
    "PRICE": _label("Pris- och avtalskompensation", "Price and agreement compensation"),
    "WAGE": _label("Lönekompensation", "Wage compensation"),
    "EFFICIENCY": _label("Effektiviseringskrav", "Efficiency requirement"),
}
# The budget process's steps in the annual cycle, and whether each is done.
BUDGET_STEP_KIND: ValueLabels = {
    "PLANNING_ASSUMPTIONS": _label("Planeringsförutsättningar", "Planning assumptions"),
    "BUDGET_DECISION": _label("Mål och budget", "Budget decision"),
    "BOARD_ALLOCATIONS": _label("Nämndernas fördelning av ramarna", "Boards' allocations of their frames"),
    "AMENDMENT": _label("Ändringsbeslut", "Amendment"),
}
STEP_STATUS: ValueLabels = {
    "PLANNED": _label("Planerat", "Planned"),
    "IN_PROGRESS": _label("Pågående", "In progress"),
    "DONE": _label("Klart", "Done"),
}
BUDGET_STEP_STATUS: ValueLabels = {status: STEP_STATUS[status] for status in ("PLANNED", "DONE")}
# A negative balance result's obligation to be restored within three years (balanskravet).
RESTORATION_STATUS: ValueLabels = {
    "OPEN": _label("Att återställa", "To be restored"),
    "MET": _label("Återställt", "Restored"),
    "WAIVED": _label("Ej återställt av synnerliga skäl", "Waived for exceptional reasons"),
}
INVESTMENT_PROJECT_STATUS: ValueLabels = {
    "PLANNED": _label("Planerat", "Planned"),
    "ONGOING": _label("Pågående", "Ongoing"),
    "COMPLETED": _label("Avslutat", "Completed"),
    "CANCELLED": _label("Avbrutet", "Cancelled"),
}
ACTUALS_IMPORT_SOURCE: ValueLabels = {
    "CSV": _label("CSV-fil", "CSV file"),
    "JSON": _label("JSON", "JSON"),
}
# The level an economic summary adds the actuals up to.
SUMMARY_LEVEL: ValueLabels = {
    "MUNICIPALITY": _label("Kommunen", "Municipality"),
    "BOARD": ORG_UNIT_TYPE["board"],
    "ADMINISTRATION": ORG_UNIT_TYPE["administration"],
}

# --- follow-up (uppföljning) -----------------------------------------------------------------

# Whose report it is: a unit's, an administration's, a board's or the municipality's.
REPORT_LEVEL: ValueLabels = {
    "UNIT": ORG_UNIT_TYPE["unit"],
    "ADMINISTRATION": ORG_UNIT_TYPE["administration"],
    "BOARD": ORG_UNIT_TYPE["board"],
    "MUNICIPAL": _label("Kommunövergripande", "Municipality-wide"),
}
REPORT_STATUS: ValueLabels = {
    "DRAFT": DECISION_STATUS["DRAFT"],
    "SUBMITTED": _label("Inlämnad", "Submitted"),
    "PROPOSED": DECISION_STATUS["PROPOSED"],
    "DECIDED": DECISION_STATUS["DECIDED"],
    "ARCHIVED": DECISION_STATUS["ARCHIVED"],
}
REPORT_TRANSITION: ValueLabels = {
    "SUBMIT": _label("Lämna in", "Submit"),
    "RETURN": _label("Skicka tillbaka", "Return"),
    "PROPOSE": _label("Föreslå för beslut", "Propose for decision"),
    "RETURN_TO_DRAFT": _label("Återför till utkast", "Return to draft"),
    "DECIDE": _label("Besluta", "Decide"),
}
ANALYSIS_KIND: ValueLabels = {
    "CURRENT_STATE_MAP": _label("Nulägeskarta", "Current-state map"),
    "ENVIRONMENT_ANALYSIS": _label("Omvärldsanalys", "Environment analysis"),
}
ANALYSIS_STATUS: ValueLabels = {
    "DRAFT": DECISION_STATUS["DRAFT"],
    "COMPLETED": _label("Färdigställd", "Completed"),
}
DIALOGUE_KIND: ValueLabels = {
    "ENVIRONMENT_AND_PLANNING": _label("Omvärlds- och planeringsdialog", "Environment and planning dialogue"),
    "ENVIRONMENT_DAY": _label("Omvärldsdagen", "Environment-scan day"),
    "BUDGET_AND_PLANNING": _label("Budget- och planeringsdialog", "Budget and planning dialogue"),
    "BUDGET_DAY": _label("Budgetdagen", "Budget day"),
    "BOARD_PLAN": _label("Dialog om budget- och årsplan", "Board plan dialogue"),
    "FOLLOWUP": _label("Uppföljningsdialog", "Follow-up dialogue"),
    "INTERNAL_FOLLOWUP": _label("Intern uppföljningsdialog", "Internal follow-up dialogue"),
}
DIALOGUE_STATUS: ValueLabels = {
    "PLANNED": _label("Planerad", "Planned"),
    "HELD": _label("Genomförd", "Held"),
    "EVALUATED": _label("Utvärderad", "Evaluated"),
    "CANCELLED": _label("Inställd", "Cancelled"),
}
DIALOGUE_STEP: ValueLabels = {
    "HOLD": _label("Genomför", "Hold"),
    "EVALUATE": _label("Utvärdera", "Evaluate"),
    "CANCEL": _label("Ställ in", "Cancel"),
}
# The side a dialogue's participant speaks for: both the political and the administrative are needed.
DIALOGUE_SIDE: ValueLabels = {
    "POLITICAL": _label("Förtroendevald", "Elected representative"),
    "ADMINISTRATIVE": _label("Förvaltningsledning", "Administrative management"),
    "STAFF": _label("Medarbetare", "Staff"),
}
# What a user has to do next, in their list of what is due.
DUE_KIND: ValueLabels = {
    "DRAFT_REPORT": _label("Skriv rapporten", "Draft the report"),
    "SUBMIT_REPORT": _label("Lämna in rapporten", "Submit the report"),
    "PROPOSE_REPORT": _label("Föreslå rapporten för beslut", "Propose the report for decision"),
    "REVISE_RETURNED_REPORT": _label("Revidera den återskickade rapporten", "Revise the returned report"),
    "DECIDE_REPORT": _label("Besluta om rapporten", "Decide on the report"),
    "HOLD_DIALOGUE": _label("Genomför dialogen", "Hold the dialogue"),
    "EVALUATE_DIALOGUE": _label("Utvärdera dialogen", "Evaluate the dialogue"),
    "CYCLE_STEP": _label("Steg i årshjulet", "Step of the annual cycle"),
}
# The annual cycle's step as shown: its status, or late when its planned end has passed.
CYCLE_DISPLAY_STATUS: ValueLabels = {**STEP_STATUS, "LATE": _label("Försenat", "Late")}
# The body responsible for a step of the annual cycle.
CYCLE_RESPONSIBLE_LEVEL: ValueLabels = {
    level: ORG_UNIT_TYPE[level] for level in ("council", "executive_board", "board", "administration", "unit")
}
REMINDER_STATUS: ValueLabels = {
    "PENDING": _label("Väntar på att skickas", "Pending"),
    "SENT": _label("Skickad", "Sent"),
    "FAILED": _label("Kunde inte skickas", "Failed"),
}

# --- internal control (intern kontroll) ------------------------------------------------------

# One decision per risk: it is borne, or a control activity addresses it.
RISK_DECISION: ValueLabels = {
    "ACCEPT": _label("Accepteras", "Accepted"),
    "CONTROL": _label("Åtgärdas med kontrollmoment", "Addressed by a control activity"),
}
CONTROL_OUTCOME: ValueLabels = {
    "NO_REMARK": _label("Utan anmärkning", "No remark"),
    "DEVIATION": _label("Avvikelse", "Deviation"),
}
DEVIATION_STATUS: ValueLabels = {
    "OPEN": _label("Öppen", "Open"),
    "CLOSED": _label("Avslutad", "Closed"),
}
ACTION_STATUS: ValueLabels = {
    "OPEN": _label("Öppen", "Open"),
    "DONE": _label("Genomförd", "Done"),
    "CANCELLED": _label("Avbruten", "Cancelled"),
}

# Every enum of the API that has a schema of its own, by its name in the merged OpenAPI document.
NAMED_ENUMS: Mapping[str, ValueLabels] = {
    "OrgUnitType": ORG_UNIT_TYPE,
    "Role": ROLE,
    "IdentityPrincipalKind": PRINCIPAL_KIND,
    "DirectoryPrincipalKind": DIRECTORY_PRINCIPAL_KIND,
    "GoalsStatus": DECISION_STATUS,
    "GoalsFollowupOccasion": FOLLOWUP_OCCASION,
    "GoalsPerspective": PERSPECTIVE,
    "GoalsGoalLevel": GOAL_LEVEL,
    "GoalsClosureReason": GOAL_CLOSURE_REASON,
    "GoalsPlanKind": PLAN_KIND,
    "GoalsPlanItemType": PLAN_ITEM_TYPE,
    "GoalsNodeKind": THREAD_NODE_KIND,
    "GoalsAssignmentStatus": ASSIGNMENT_STATUS,
    "GoalsFrequency": INDICATOR_FREQUENCY,
    "GoalsSource": INDICATOR_SOURCE,
    "GoalsDirection": INDICATOR_DIRECTION,
    "GoalsTargetStatus": TARGET_STATUS,
    "GoalsTrend": INDICATOR_TREND,
    "GoalsJobState": JOB_STATE,
    "GoalsJobPhase": JOB_PHASE,
    "GoalsKpiFileLayout": KPI_FILE_LAYOUT,
    "GoalsKoladaGender": KOLADA_GENDER,
    "GoalsKoladaSyncMode": KOLADA_SYNC_MODE,
    "BudgetStatus": DECISION_STATUS,
    "BudgetFollowupOccasion": FOLLOWUP_OCCASION,
    "BudgetFrameKind": FRAME_KIND,
    "BudgetLineKind": BUDGET_LINE_KIND,
    "BudgetTaxKind": TAX_FORECAST_KIND,
    "BudgetComponentKind": ALLOCATION_COMPONENT_KIND,
    "BudgetStepKind": BUDGET_STEP_KIND,
    "BudgetStepStatus": BUDGET_STEP_STATUS,
    "BudgetObligationStatus": RESTORATION_STATUS,
    "BudgetProjectStatus": INVESTMENT_PROJECT_STATUS,
    "BudgetImportSource": ACTUALS_IMPORT_SOURCE,
    "BudgetSummaryLevel": SUMMARY_LEVEL,
    "FollowupFollowupOccasion": FOLLOWUP_OCCASION,
    "FollowupReportLevel": REPORT_LEVEL,
    "FollowupReportStatus": REPORT_STATUS,
    "FollowupReportTransition": REPORT_TRANSITION,
    "FollowupAnalysisKind": ANALYSIS_KIND,
    "FollowupAnalysisStatus": ANALYSIS_STATUS,
    "FollowupDialogueKind": DIALOGUE_KIND,
    "FollowupDialogueStatus": DIALOGUE_STATUS,
    "FollowupDialogueStep": DIALOGUE_STEP,
    "FollowupSide": DIALOGUE_SIDE,
    "FollowupDueKind": DUE_KIND,
    "FollowupOutboxStatus": REMINDER_STATUS,
    "InternalControlStatus": DECISION_STATUS,
    "InternalControlRiskDecision": RISK_DECISION,
    "InternalControlOutcome": CONTROL_OUTCOME,
    "InternalControlDeviationStatus": DEVIATION_STATUS,
    "InternalControlActionStatus": ACTION_STATUS,
}
# Enums written inline (a Literal field, a header's value) have no schema name: in the document
# each is known by its values, here by a name in the document's style.
INLINE_ENUMS: Mapping[str, ValueLabels] = {
    "FollowupCycleStepStatus": STEP_STATUS,
    "FollowupCycleDisplayStatus": CYCLE_DISPLAY_STATUS,
    "FollowupCycleResponsibleLevel": CYCLE_RESPONSIBLE_LEVEL,
    "IdempotentReplayed": IDEMPOTENT_REPLAYED,
}
# What GET /api/labels answers: every enum of the API by name.
ENUM_LABELS: Mapping[str, ValueLabels] = {**NAMED_ENUMS, **INLINE_ENUMS}


def _by_values(enums: Mapping[str, ValueLabels]) -> dict[frozenset[str], ValueLabels]:
    index: dict[frozenset[str], ValueLabels] = {}
    names: dict[frozenset[str], str] = {}
    for name, labels in enums.items():
        values = frozenset(labels)
        if values in names:
            # Known by its values alone, an inline enum must not be mistaken for another.
            raise ValueError(f"the inline enums {names[values]} and {name} have the same values")
        index[values], names[values] = labels, name
    return index


_INLINE_BY_VALUES = _by_values(INLINE_ENUMS)
# Keywords whose values are data (a property's default, an example), not schemas.
_DATA_KEYWORDS = frozenset({"const", "default", "enum", "example", "examples"})
_PROPERTY_MAPS = frozenset({"properties", "patternProperties"})


def labels_of(schema_name: str | None, values: list[Any]) -> ValueLabels | None:
    """The labels of an enum of the document: a components schema by its name, an inline enum
    by its values; None when it has none (a test names every such enum)."""
    if schema_name is not None:
        return NAMED_ENUMS.get(schema_name)
    return _INLINE_BY_VALUES.get(frozenset(str(value) for value in values))


def enums_in(document: dict[str, Any]) -> Iterator[tuple[str, str | None, dict[str, Any]]]:
    """Every enum of an OpenAPI document, wherever it is (a schema, a field, a parameter, a
    header): its place (a JSON pointer), its components name (None for an inline enum) and its
    schema."""
    for key, value in document.items():
        if key != "components":
            yield from _enums_below(value, f"#/{key}", None)
    for section, components in document.get("components", {}).items():
        for name, component in components.items():
            yield from _enums_below(component, f"#/components/{section}/{name}", name if section == "schemas" else None)


def _enums_below(
    node: Any, place: str, schema_name: str | None, *, in_property_map: bool = False
) -> Iterator[tuple[str, str | None, dict[str, Any]]]:
    if isinstance(node, dict):
        if isinstance(node.get("enum"), list):
            yield place, schema_name, node
        for key, value in node.items():
            if in_property_map or key not in _DATA_KEYWORDS:
                pointer = f"{place}/{str(key).replace('~', '~0').replace('/', '~1')}"
                yield from _enums_below(value, pointer, None, in_property_map=not in_property_map and key in _PROPERTY_MAPS)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _enums_below(item, f"{place}/{index}", None)


def describe_enums(document: dict[str, Any]) -> None:
    """Put the labels beside every enum of the document that has them, in two forms.

    `x-enum-descriptions` is the Swedish label of each value as a list in the order of `enum`:
    the form client generators read (openapi-typescript, openapi-generator), which write it as
    each value's comment. `x-enum-labels` maps each value to both languages, {"sv", "en"}: the form
    a frontend or a documentation tool looks a value up in. Both say the same as GET /api/labels.
    """
    for _, name, schema in list(enums_in(document)):
        labels = labels_of(name, schema["enum"])
        if labels is None or any(str(value) not in labels for value in schema["enum"]):
            continue
        schema["x-enum-descriptions"] = [labels[str(value)]["sv"] for value in schema["enum"]]
        schema["x-enum-labels"] = {str(value): dict(labels[str(value)]) for value in schema["enum"]}
