"""Internal control service: Risk assessments, control plans, results, deviations and the executive board's evaluation."""
