"""Tourism itineraries: stops, the scheduling model, exact and OR-Tools solvers, results and reasons."""
