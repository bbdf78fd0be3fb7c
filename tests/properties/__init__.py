"""Property-based tests (hypothesis) over every public function of dlnotes (issue 14): ``make fuzz`` runs them with ten times the examples."""
