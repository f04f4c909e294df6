"""Budget service: Frames, allocation model, allocations, actuals, forecasts and the balance requirement."""
