"""Agenda 2030: the UN's 17 global goals (globala målen) as reference data.

Swedish short names as Swedish public bodies use them; English short titles and colours as the UN
publishes them in its SDG communications guidelines. The list is fixed by the UN: code, not data.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class GlobalGoal:
    number: int
    name_sv: str
    name_en: str
    colour: str


GLOBAL_GOALS: tuple[GlobalGoal, ...] = (
    GlobalGoal(1, "Ingen fattigdom", "No Poverty", "#E5243B"),
    GlobalGoal(2, "Ingen hunger", "Zero Hunger", "#DDA63A"),
    GlobalGoal(3, "God hälsa och välbefinnande", "Good Health and Well-being", "#4C9F38"),
    GlobalGoal(4, "God utbildning för alla", "Quality Education", "#C5192D"),
    GlobalGoal(5, "Jämställdhet", "Gender Equality", "#FF3A21"),
    GlobalGoal(6, "Rent vatten och sanitet för alla", "Clean Water and Sanitation", "#26BDE2"),
    GlobalGoal(7, "Hållbar energi för alla", "Affordable and Clean Energy", "#FCC30B"),
    GlobalGoal(8, "Anständiga arbetsvillkor och ekonomisk tillväxt", "Decent Work and Economic Growth", "#A21942"),
    GlobalGoal(9, "Hållbar industri, innovationer och infrastruktur", "Industry, Innovation and Infrastructure", "#FD6925"),
    GlobalGoal(10, "Minskad ojämlikhet", "Reduced Inequalities", "#DD1367"),
    GlobalGoal(11, "Hållbara städer och samhällen", "Sustainable Cities and Communities", "#FD9D24"),
    GlobalGoal(12, "Hållbar konsumtion och produktion", "Responsible Consumption and Production", "#BF8B2E"),
    GlobalGoal(13, "Bekämpa klimatförändringarna", "Climate Action", "#3F7E44"),
    GlobalGoal(14, "Hav och marina resurser", "Life Below Water", "#0A97D9"),
    GlobalGoal(15, "Ekosystem och biologisk mångfald", "Life on Land", "#56C02B"),
    GlobalGoal(16, "Fredliga och inkluderande samhällen", "Peace, Justice and Strong Institutions", "#00689D"),
    GlobalGoal(17, "Genomförande och globalt partnerskap", "Partnerships for the Goals", "#19486A"),
)

BY_NUMBER: dict[int, GlobalGoal] = {goal.number: goal for goal in GLOBAL_GOALS}
