"""Follow-up service: The annual cycle, follow-up reports, goal assessments, compilations and dialogues."""
